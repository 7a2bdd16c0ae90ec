/**
 * `nestjs-vault-secrets`: the public surface, exactly what the README documents (the module, the
 * service, the decorators, the options, the errors, the events and their types). Everything else
 * is internal and may change in any release; the committed API report (`etc/`) pins this list.
 */
export { SecretsModule } from './nest/secrets.module.js';
export {
  SECRETS_MODULE_OPTIONS,
  type SecretsModuleAsyncOptions,
  type SecretsModuleExtras,
  type SecretsModuleOptions,
  type SecretsOptionsFactory,
} from './nest/secrets.module-definition.js';
export { SecretsService } from './nest/secrets.service.js';
export type { SecretsFacade } from './secrets.facade.js';
export type { SecretsStatus } from './secrets-status.js';
export type { TokenInfo } from './auth/token.manager.js';
export type { FetchSecretOptions, SecretDescription } from './secrets-core.js';
export { SECRETS_CONFIG, SecretsEvents } from './secrets.constants.js';

// Options
export { VaultConfig, type KvVersion } from './options/vault-config.js';
export { CacheOptions } from './options/cache-options.js';
export { FallbackJsonOptions } from './options/fallback-json-options.js';
export { LeaseOptions } from './options/lease-options.js';
export { WatchOptions } from './options/watch-options.js';
export type { ResolvedVaultConfig } from './options/resolved-vault-config.js';
export type { AuthOptions } from './auth/auth-options.js';
export type { TokenAuthOptions } from './auth/token.auth.js';
export type { AppRoleAuthOptions } from './auth/approle.auth.js';
export type { KubernetesAuthOptions } from './auth/kubernetes.auth.js';
export type { JwtAuthOptions } from './auth/jwt.auth.js';
export type { UserpassAuthOptions } from './auth/userpass.auth.js';
export type { AgentAuthOptions } from './auth/agent.auth.js';
export type { CertAuthOptions } from './auth/cert.auth.js';
export type { SecretsLogger } from './util/secrets-logger.js';
export type { Clock } from './util/clock.js';

// Your own auth method or engine
export type { AuthContext, AuthMethod } from './auth/auth-method.js';
export type { AuthResult } from './auth/auth-result.js';
export type { SecretEngine, EngineSecret, EngineContext, LeaseInfo } from './engines/secret-engine.js';
export type { VaultRequester } from './transport/vault-transport.js';
export type { VaultMethod, VaultRequest, VaultResponse } from './transport/vault-client.js';
export type { VaultAuthBlock, VaultEnvelope, VaultErrorBody } from './transport/vault-envelope.js';

// What reads return
export type { KvMetadata, KvSecret } from './engines/kv-engine.js';
export type { DatabaseCredentialsData, DatabaseFetchOptions } from './engines/database.engine.js';
export type { AwsCredentialsData, AwsFetchOptions } from './engines/aws.engine.js';
export type { CertificateData, PkiIssueOptions } from './engines/pki.engine.js';
export type { AwsCredentials, DatabaseCredentials, StaticDatabaseCredentials } from './engines/credentials.js';
export type { VaultHealth } from './health/vault-health.js';
export type { DegradedReason, SupervisorSnapshot, SupervisorState } from './core/supervisor.js';

// Injected secrets, rotating resources, named Vaults, ConfigService
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

// Raw requests and transit
export type { RawRequestMethod, RawQueryValue, RawVaultRequest, RawVaultResponse } from './core/raw-request.js';
export type {
  TransitEngine,
  TransitBatchResult,
  TransitDecryptItem,
  TransitDecryptOptions,
  TransitEncryptItem,
  TransitEncryptOptions,
  TransitHashAlgorithm,
  TransitHmacOptions,
  TransitInput,
  TransitSignature,
  TransitSignOptions,
} from './engines/transit.engine.js';

// Rotation handlers and events
export { OnSecretRotated, type OnSecretRotatedOptions } from './nest/on-secret-rotated.decorator.js';
export type { OnRotateCallback } from './rotation/rotation.orchestrator.js';
export { SecretRotatedEvent, type RotationOutcome, type RotationReason } from './rotation/secret-rotated.event.js';
export { SecretDeletedEvent } from './rotation/kv-change.watcher.js';
export { LeaseExpiredEvent } from './leases/lease.manager.js';
export { TokenExpiringEvent, TokenRenewalFailedEvent, TokenRenewedEvent } from './auth/token-events.js';
export { FallbackUsedEvent, VaultAvailabilityEvent } from './fallback/fallback-used.event.js';

// Errors
export * from './errors/index.js';

// Without NestJS (also at `nestjs-vault-secrets/manager`, which loads no @nestjs package)
export { SecretsManager, type SecretsManagerOptions } from './secrets-manager.js';
