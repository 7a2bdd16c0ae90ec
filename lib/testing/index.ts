/**
 * The Nest side of testing: `SecretsTestingModule` (a `SecretsService` backed by memory) and
 * `InMemoryVault`. The Vault API test server is the package `@nestjs-vault-secrets/vault-test-server`.
 */
export { SecretsTestingModule, SecretsTesting, getSecretsTestingToken, type SecretsTestingOptions } from './secrets-testing.module.js';
export { InMemoryVault, IN_MEMORY_LEASE_SECONDS, type InMemorySecrets } from './in-memory-vault.js';
