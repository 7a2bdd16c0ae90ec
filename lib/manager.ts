/**
 * `nestjs-vault-secrets/manager`: the module without NestJS, for scripts, workers and other
 * frameworks. `SecretsManager`, its options, the errors and the events. Loading this entry imports
 * no `@nestjs/*` package (checked by lint on the core folders and by a test over the built files).
 */
export { SecretsManager, type SecretsManagerOptions } from './core/secrets.manager.js';
export type { SecretsStatus } from './core/secrets-status.js';
export type { TokenInfo } from './auth/token.manager.js';
export type { FetchSecretOptions, SecretDescription } from './core/secrets-core.js';
export { SecretsEvents } from './events/secrets-events.js';

// Options
export { VaultConfig, type KvVersion } from './options/vault-config.js';
export { CacheOptions } from './options/cache-options.js';
export { FallbackJsonOptions } from './options/fallback-json-options.js';
export { LeaseOptions } from './options/lease-options.js';
export { TelemetryOptions } from './options/telemetry-options.js';
export { WatchOptions } from './options/watch-options.js';
export type { AuthOptions } from './options/auth-options.js';
export type { TokenAuthOptions } from './options/auth-options.js';
export type { AppRoleAuthOptions } from './options/auth-options.js';
export type { KubernetesAuthOptions } from './options/auth-options.js';
export type { JwtAuthOptions } from './options/auth-options.js';
export type { UserpassAuthOptions } from './options/auth-options.js';
export type { AgentAuthOptions } from './options/auth-options.js';
export type { CertAuthOptions } from './options/auth-options.js';
export type { SecretsLogger } from './util/secrets-logger.js';
export type { Clock } from './timing/clock.js';

// Your own auth method or engine
export type { AuthContext, AuthMethod } from './contracts/auth-method.js';
export type { AuthResult } from './contracts/auth-result.js';
export type { SecretEngine, EngineSecret, EngineContext, LeaseInfo } from './contracts/secret-engine.js';
export type { VaultRequester } from './contracts/vault-requester.js';
export type { VaultMethod, VaultRequest, VaultResponse } from './contracts/vault-request.js';
export type { VaultAuthBlock, VaultEnvelope, VaultErrorBody } from './transport/vault-envelope.js';

// What reads return
export type { KvMetadata, KvSecret } from './engines/kv-engine.js';
export type { DatabaseCredentialsData, DatabaseFetchOptions } from './engines/database.engine.js';
export type { AwsCredentialsData, AwsFetchOptions } from './engines/aws.engine.js';
export type { CertificateData, PkiIssueOptions } from './engines/pki.engine.js';
export type { AwsCredentials, DatabaseCredentials, StaticDatabaseCredentials } from './engines/credentials.js';

// Events
export type { OnRotateCallback } from './contracts/on-rotate-callback.js';
export { SecretRotatedEvent, type RotationOutcome, type RotationReason } from './events/secret-rotated.event.js';
export { SecretDeletedEvent } from './events/secret-deleted.event.js';
export { LeaseExpiredEvent } from './events/lease-expired.event.js';
export { TokenExpiringEvent } from './events/token-expiring.event.js';
export { TokenRenewalFailedEvent } from './events/token-renewal-failed.event.js';
export { TokenRenewedEvent } from './events/token-renewed.event.js';
export { FallbackUsedEvent } from './events/fallback-used.event.js';
export { VaultAvailabilityEvent } from './events/vault-availability.event.js';

// Errors
export * from './errors/index.js';
