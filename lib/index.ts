export { SecretsModule } from './nest/secrets.module.js';
export {
  SECRETS_MODULE_OPTIONS,
  type SecretsModuleAsyncOptions,
  type SecretsModuleExtras,
  type SecretsModuleOptions,
  type SecretsOptionsFactory,
} from './nest/secrets.module-definition.js';
export { SecretsService } from './nest/secrets.service.js';
export { SECRETS_CLOCK, SECRETS_CONFIG, SECRETS_TRANSPORT, SECRETS_VAULT_NAME, SecretsEvents } from './secrets.constants.js';
export { SecretsCore, type FetchSecretOptions, type SecretDescription, type SecretsCoreDeps } from './secrets-core.js';
export { VaultConfig, type KvVersion } from './options/vault-config.js';
export { CacheOptions } from './options/cache-options.js';
export { FallbackJsonOptions } from './options/fallback-json-options.js';
export type { ResolvedVaultConfig } from './options/resolved-vault-config.js';
export { resolveVaultConfig } from './options/resolve-vault-config.js';
export { VaultClient, type VaultMethod, type VaultRequest, type VaultResponse } from './client/vault-client.js';
export type { VaultAuthBlock, VaultEnvelope, VaultErrorBody } from './client/vault-envelope.js';
export type { TokenSource } from './auth/token-source.js';
export { StaticTokenSource } from './auth/token-source.js';
export type { KvMetadata, KvSecret, KvLocation } from './engines/kv-engine.js';
export type { Clock } from './util/clock.js';
export { redactText, REDACTED } from './util/redact.js';
export * from './errors/index.js';
export type { AuthContext, AuthMethod } from './auth/auth-method.js';
export type { AuthResult } from './auth/auth-result.js';
export type { AuthOptions } from './auth/auth-options.js';
export { TokenAuthMethod, type TokenAuthOptions } from './auth/token.auth.js';
export { AppRoleAuthMethod, type AppRoleAuthOptions } from './auth/approle.auth.js';
export { KubernetesAuthMethod, DEFAULT_KUBERNETES_JWT_FILE, type KubernetesAuthOptions } from './auth/kubernetes.auth.js';
export { JwtAuthMethod, type JwtAuthOptions } from './auth/jwt.auth.js';
export { UserpassAuthMethod, type UserpassAuthOptions } from './auth/userpass.auth.js';
export { CertAuthMethod, type CertAuthOptions } from './auth/cert.auth.js';
export { TokenManager, TOKEN_RENEWAL_TIMEOUT_NAME, type TokenInfo } from './auth/token.manager.js';
export { TokenExpiringEvent, TokenRenewalFailedEvent, TokenRenewedEvent } from './auth/token-events.js';
export type { SecretsEventBus } from './events/secrets-event-bus.js';
export type { TaskScheduler } from './leases/task-scheduler.js';
export type { SecretEngine, EngineSecret, EngineContext, LeaseInfo } from './engines/secret-engine.js';
export { databaseEngine, type DatabaseCredentialsData, type DatabaseFetchOptions } from './engines/database.engine.js';
export { awsEngine, type AwsCredentialsData, type AwsFetchOptions } from './engines/aws.engine.js';
export { pkiEngine, type CertificateData, type PkiIssueOptions } from './engines/pki.engine.js';
export type { AwsCredentials, DatabaseCredentials, StaticDatabaseCredentials } from './engines/credentials.js';
export { LeaseManager, LeaseExpiredEvent, type ManagedSecretSpec, type ManagedSecretState } from './leases/lease.manager.js';
export { LeaseOptions } from './options/lease-options.js';
export { SecretRotatedEvent, type RotationOutcome, type RotationReason } from './rotation/secret-rotated.event.js';
export { RotationOrchestrator, rotatedEventName, type OnRotateCallback } from './rotation/rotation.orchestrator.js';
export {
  OnSecretRotated,
  ON_SECRET_ROTATED_METADATA,
  type OnSecretRotatedOptions,
  type OnSecretRotatedMetadata,
} from './nest/on-secret-rotated.decorator.js';
export { InjectSecret } from './nest/inject-secret.decorator.js';
export { InjectSecretsService } from './nest/inject-secrets-service.decorator.js';
export { getSecretsServiceToken } from './nest/secrets-service-token.js';
export { getSecretRefToken } from './nest/secret-ref-token.js';
export { SecretRef, type SecretRefListener } from './nest/secret-ref.js';
export { Rotating } from './nest/rotating.js';
export { vaultConfigLoader, type VaultConfigLoaderOptions } from './nest/vault-config.loader.js';
export type { SecretDeclaration, RotatingDeclaration, SecretFeature } from './nest/secret-feature.js';
export type { SecretSchema, SecretClass, SchemaOutput } from './schema/secret-schema.js';
export type { StandardSchemaV1 } from './schema/standard-schema.js';
export { SecretsManager, type SecretsManagerOptions } from './secrets-manager.js';
export { SecretsFacade } from './secrets.facade.js';
export { KvChangeWatcher, SecretDeletedEvent, KV_WATCH_TIMEOUT_NAME } from './rotation/kv-change.watcher.js';
export { WatchOptions } from './options/watch-options.js';
export type { VaultRequester, VaultTransport } from './client/vault-transport.js';
export * from './fallback/index.js';
export { FallbackUsedEvent, VaultAvailabilityEvent } from './fallback/fallback-used.event.js';
export type { SecretsStatus } from './secrets-status.js';
export type { VaultHealth } from './health/vault-health.js';
export { AgentAuthMethod, type AgentAuthOptions } from './auth/agent.auth.js';
export {
  sendRawRequest,
  RAW_REQUEST_METHODS,
  type RawRequestMethod,
  type RawQueryValue,
  type RawVaultRequest,
  type RawVaultResponse,
} from './core/raw-request.js';
export {
  TransitEngine,
  type TransitBatchResult,
  type TransitDecryptItem,
  type TransitDecryptOptions,
  type TransitEncryptItem,
  type TransitEncryptOptions,
  type TransitHashAlgorithm,
  type TransitHmacOptions,
  type TransitInput,
  type TransitSignature,
  type TransitSignOptions,
} from './engines/transit.engine.js';
