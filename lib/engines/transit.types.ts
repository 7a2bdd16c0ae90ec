import type { SecretsError } from '../errors/secrets.error.js';

/** Bytes given to transit: a Buffer/Uint8Array as is, a string as its UTF-8 bytes. */
export type TransitInput = Buffer | Uint8Array | string;

/** Vault's hash algorithm names for sign, verify and HMAC. */
export type TransitHashAlgorithm =
  'sha1' | 'sha2-224' | 'sha2-256' | 'sha2-384' | 'sha2-512' | 'sha3-224' | 'sha3-256' | 'sha3-384' | 'sha3-512';

/** Options of {@link TransitEngine.encrypt} and {@link TransitEngine.rewrap}. */
export interface TransitEncryptOptions {
  /** Key derivation context (required by `derived` keys), sent base64-encoded. */
  context?: TransitInput;
  /** Key version to encrypt with; default the latest (Vault's `key_version`). */
  keyVersion?: number;
}

/** Options of {@link TransitEngine.decrypt}. */
export interface TransitDecryptOptions {
  /** Key derivation context used at encryption, sent base64-encoded. */
  context?: TransitInput;
}

/** Options of {@link TransitEngine.sign} and {@link TransitEngine.verify}. */
export interface TransitSignOptions {
  /** Default `sha2-256` (ignored by Ed25519, which hashes itself). Vault's `hash_algorithm`. */
  hashAlgorithm?: TransitHashAlgorithm;
  /** RSA keys: `pss` (Vault's default) or `pkcs1v15`. Vault's `signature_algorithm`. */
  signatureAlgorithm?: 'pss' | 'pkcs1v15';
  /** The input is already a digest (Vault's `prehashed`). */
  prehashed?: boolean;
  /** ECDSA signature encoding: `asn1` (default) or `jws`. Vault's `marshaling_algorithm`. */
  marshalingAlgorithm?: 'asn1' | 'jws';
  /** Derivation context (derived Ed25519 keys), sent base64-encoded. */
  context?: TransitInput;
  /** Key version to sign with; default the latest (sign only). */
  keyVersion?: number;
}

/** Options of {@link TransitEngine.hmac} and {@link TransitEngine.verifyHmac}. */
export interface TransitHmacOptions {
  /** Default `sha2-256`. */
  algorithm?: TransitHashAlgorithm;
  /** Key version; default the latest (hmac only). */
  keyVersion?: number;
}

/** A signature from {@link TransitEngine.sign}. */
export interface TransitSignature {
  /** `vault:v<version>:<base64>`, as {@link TransitEngine.verify} expects it. */
  signature: string;
  /** The key version that signed. */
  keyVersion: number;
  /** Base64 public key of a derived Ed25519 key (Vault's `public_key`), when Vault returns one. */
  publicKey?: string;
}

/** One item of {@link TransitEngine.encryptBatch}. */
export interface TransitEncryptItem {
  plaintext: TransitInput;
  context?: TransitInput;
  keyVersion?: number;
}

/** One item of {@link TransitEngine.decryptBatch}. */
export interface TransitDecryptItem {
  ciphertext: string;
  context?: TransitInput;
}

/**
 * The outcome of one batch item: its value, or the typed error Vault reported for that item
 * (a `VaultRequestError` with status 400 and Vault's message, e.g. `invalid ciphertext: no prefix`).
 * Results come in input order, one per item: none is ever dropped.
 */
export type TransitBatchResult<T> = { ok: true; value: T } | { ok: false; error: SecretsError };
