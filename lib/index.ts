/**
 * `nestjs-vault-secrets`: the public surface, exactly what README.md and docs/ document (the module,
 * the service, the decorators, the options, the errors, the events and their types; each name
 * appears there, checked by test/package/root-exports-documented.spec.ts). Everything else is
 * internal and may change in any release; the committed API report (`etc/`) pins this list.
 */
export { SecretsModule } from './nest/secrets.module.js';
export {
  type SecretsModuleAsyncOptions,
  type SecretsModuleExtras,
  type SecretsModuleOptions,
  type SecretsOptionsFactory,
} from './nest/secrets.module-definition.js';
export { SecretsService } from './nest/secrets.service.js';
export { SECRETS_CONFIG } from './nest/secrets.constants.js';

// Resolved options, health and supervisor state
export type { ResolvedVaultConfig } from './options/resolved-vault-config.js';
export type { VaultHealth } from './transport/vault-health.js';
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
export type { SecretSchema, SecretClass, SchemaOutput } from './core/schema/secret-schema.js';
export type { StandardSchemaV1 } from './core/schema/standard-schema.js';

// Raw requests and transit
export type { RawRequestMethod, RawQueryValue, RawVaultRequest, RawVaultResponse } from './core/raw-request.js';
export type { TransitEngine } from './engines/transit.engine.js';
export type {
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
} from './engines/transit.types.js';

// Rotation handlers
export { OnSecretRotated, type OnSecretRotatedOptions } from './nest/on-secret-rotated.decorator.js';

// Everything framework-free (also the entry `nestjs-vault-secrets/manager`, which loads no @nestjs package):
// SecretsManager, the options, the errors, the events and their types.
export * from './manager.js';
