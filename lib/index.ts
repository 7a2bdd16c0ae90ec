export { SecretsModule } from './secrets.module.js';
export {
  SECRETS_MODULE_OPTIONS,
  type SecretsModuleAsyncOptions,
  type SecretsModuleExtras,
  type SecretsModuleOptions,
  type SecretsOptionsFactory,
} from './secrets.module-definition.js';
export { SecretsService } from './secrets.service.js';
export { SECRETS_CLOCK, SECRETS_CONFIG, SECRETS_TRANSPORT, SecretsEvents } from './secrets.constants.js';
export { SecretsCore, type FetchSecretOptions, type SecretDescription, type SecretsCoreDeps } from './secrets-core.js';
export { VaultConfig, type KvVersion } from './options/vault-config.js';
export { CacheOptions } from './options/cache-options.js';
export { FallbackJsonOptions } from './options/fallback-json-options.js';
export type { ResolvedVaultConfig } from './options/resolved-vault-config.js';
export { resolveVaultConfig, VAULT_CONFIG_DEFAULTS } from './options/resolve-vault-config.js';
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
} from './rotation/on-secret-rotated.decorator.js';
export { SecretsManager, type SecretsManagerOptions } from './secrets-manager.js';
export { SecretsFacade } from './secrets.facade.js';
export { KvChangeWatcher, SecretDeletedEvent, KV_WATCH_TIMEOUT_NAME } from './rotation/kv-change.watcher.js';
export { WatchOptions } from './options/watch-options.js';
export type { VaultRequester, VaultTransport } from './client/vault-transport.js';
export * from './fallback/index.js';
export { FallbackUsedEvent, VaultAvailabilityEvent } from './fallback/fallback-used.event.js';
export type { SecretsStatus } from './secrets-status.js';
export {
  Supervisor,
  SUPERVISOR_TIMEOUT_NAME,
  type DegradedReason,
  type SupervisorSnapshot,
  type SupervisorState,
} from './core/supervisor.js';
export type { VaultHealth } from './health/vault-health.js';
export { AgentAuthMethod, type AgentAuthOptions } from './auth/agent.auth.js';
