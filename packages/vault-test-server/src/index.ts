/** The Vault API test server, its admin client, and helpers for certificates and JWTs. */
export { VaultTestServer, type VaultTestServerOptions, type VaultTestServerTlsOptions } from './vault-test-server.js';
export {
  VaultAdmin,
  VaultAdminError,
  type AdminRequestOptions,
  type AppRoleFields,
  type AuthMethodSettings,
  type CertRoleFields,
  type CreateTokenOptions,
  type GenerateSecretIdOptions,
  type JwtAuthConfig,
  type JwtRoleFields,
  type KubernetesAuthConfig,
  type KubernetesRoleFields,
  type RateLimitQuotaFields,
  type TokenRoleFields,
  type UserpassUserFields,
  type WrapInfo,
  type KvMetadataSettings,
  type KvVersionMetadata,
  type MountInfo,
  type SecretsEngineSettings,
  type TokenAuthInfo,
  type VaultAdminOptions,
} from './vault-admin.js';
export type {
  AwsCredentials,
  AwsRoleFields,
  AwsRootConfigFields,
  DatabaseConfigFields,
  DatabaseCredentials,
  DatabaseRoleFields,
  DatabaseStaticCredentials,
  DatabaseStaticRoleFields,
  LeasedSecret,
  LeaseLookup,
  LeaseRenewalResult,
  PkiRoleFields,
  PkiRootFields,
  PkiRootInfo,
  TransitKeyConfigFields,
  TransitKeyFields,
  TransitKeyInfo,
  VaultDuration,
} from './vault-admin-secrets.js';
export {
  createTestCertificateAuthority,
  issueTestClientCertificate,
  issueTestServerCertificate,
  type TestCertificateAuthority,
  type TestClientCertificate,
  type TestServerCertificate,
} from './server/tls-certificates.js';
export { TestClock, type TestClockMode } from './server/test-clock.js';
export type { FaultRule, VaultFaults } from './server/fault-injector.js';
export type { RequestFilter, RequestLogEntry } from './server/request-log.js';
export type { VaultVersion } from './server/vault-core.js';
export {
  createTestJwtIssuer,
  kubernetesServiceAccountClaims,
  type KubernetesServiceAccountClaimsOptions,
  type TestJwtAlgorithm,
  type TestJwtIssuer,
  type TestJwtIssuerOptions,
  type TestJwtSignOptions,
} from './test-jwt.js';
