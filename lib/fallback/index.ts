/** Fallback sources used when Vault is unavailable, and the chain that asks them in order. */
export type { FallbackSource } from './fallback-source.js';
export { FallbackChain, type FallbackChainOptions, type FallbackFailure, type FallbackHit } from './fallback-chain.js';
export { EnvFallbackSource, envFallbackVariable, DEFAULT_ENV_FALLBACK_PREFIX, ENV_FALLBACK_FIELD_SEPARATOR } from './env.fallback.js';
export { JsonFileFallbackSource } from './json-file.fallback.js';
export { EncryptedFileFallbackSource } from './encrypted-file.fallback.js';
export { openFallbackFile } from './open-fallback-file.js';
export type { FallbackFileOptions } from './fallback-file-options.js';
export {
  FallbackKey,
  generateFallbackKey,
  scryptCostProblem,
  DEFAULT_SCRYPT_COST,
  FALLBACK_KEY_BYTES,
  MIN_PASSPHRASE_LENGTH,
  type FallbackKeyKind,
  type ScryptCost,
} from './fallback-key.js';
export {
  encryptFallback,
  decryptFallback,
  parseFallbackEnvelope,
  isFallbackEnvelope,
  FALLBACK_ENVELOPE_CIPHER,
  FALLBACK_ENVELOPE_FORMAT,
  FALLBACK_ENVELOPE_VERSION,
  type FallbackEnvelope,
  type FallbackKdf,
  type FallbackKdfParams,
} from './encrypted-file.js';
export { parseFallbackSecrets, assertFallbackSecrets, type FallbackSecrets } from './fallback-secrets.js';
export { permissionWarning, readFallbackFile, type FallbackFileContent } from './fallback-file-read.js';
