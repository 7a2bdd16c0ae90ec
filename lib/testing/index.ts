/** Testing utilities: the Vault API test server and its admin client. */
export { VaultTestServer, type VaultTestServerOptions } from './vault-test-server.js';
export {
  VaultAdmin,
  VaultAdminError,
  type CreateTokenOptions,
  type KvMetadataSettings,
  type KvVersionMetadata,
  type MountInfo,
  type SecretsEngineSettings,
  type TokenAuthInfo,
  type VaultAdminOptions,
} from './vault-admin.js';
export { TestClock, type TestClockMode } from './server/test-clock.js';
export type { FaultRule, VaultFaults } from './server/fault-injector.js';
export type { RequestFilter, RequestLogEntry } from './server/request-log.js';
export type { VaultVersion } from './server/vault-core.js';
