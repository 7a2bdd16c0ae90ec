/**
 * The encrypted fallback file format ("envelope"), version 1:
 *
 * ```json
 * {
 *   "format": "nestjs-vault-secrets/fallback",
 *   "version": 1,
 *   "cipher": "aes-256-gcm",
 *   "kdf": "scrypt",
 *   "kdfParams": { "N": 131072, "r": 8, "p": 1, "salt": "<base64, 16 bytes>" },
 *   "iv": "<base64, 12 bytes>",
 *   "tag": "<base64, 16 bytes>",
 *   "ciphertext": "<base64>"
 * }
 * ```
 *
 * - `kdf` is `"none"` for a raw 32-byte key (then `kdfParams` is absent) or `"scrypt"` for a
 *   passphrase (then `kdfParams` is required; the AES key is `scrypt(NFC(passphrase), salt, 32, {N, r, p})`).
 * - The plaintext is the UTF-8 JSON `{ "<key>": { ...fields } }` (what `getAllSecrets()` returns).
 * - AES-256-GCM with a random 12-byte IV per encryption and a 16-byte tag. The header is bound as
 *   additional authenticated data: AAD = UTF-8 of
 *   `JSON.stringify([format, version, cipher, kdf, kdfParams ? [N, r, p, salt] : null])`, so changing
 *   any header field (or the IV, tag or ciphertext) makes decryption fail.
 * - All binary fields are standard base64 with padding. Unknown extra fields are ignored.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { FallbackFileError } from '../errors/fallback-file.error.js';
import { FallbackKeyError } from '../errors/fallback-key.error.js';
import { DEFAULT_SCRYPT_COST, FallbackKey, scryptCostProblem, type ScryptCost } from './fallback-key.js';
import { assertFallbackSecrets, isJsonObject, parseJsonSafely, type FallbackSecrets } from './fallback-secrets.js';

/** The `format` marker of an envelope. */
export const FALLBACK_ENVELOPE_FORMAT = 'nestjs-vault-secrets/fallback';
/** The envelope version this release writes and reads. */
export const FALLBACK_ENVELOPE_VERSION = 1;
/** The only cipher of version 1. */
export const FALLBACK_ENVELOPE_CIPHER = 'aes-256-gcm';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const SALT_BYTES = 16;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Key derivation of an envelope: `none` (raw 32-byte key) or `scrypt` (passphrase). */
export type FallbackKdf = 'none' | 'scrypt';

/** `kdfParams` of a `scrypt` envelope: cost and the base64 salt (16 bytes). */
export interface FallbackKdfParams extends ScryptCost {
  readonly salt: string;
}

/** An encrypted fallback file, version 1 (format described at the top of this module). */
export interface FallbackEnvelope {
  readonly format: typeof FALLBACK_ENVELOPE_FORMAT;
  readonly version: typeof FALLBACK_ENVELOPE_VERSION;
  readonly cipher: typeof FALLBACK_ENVELOPE_CIPHER;
  readonly kdf: FallbackKdf;
  /** Present exactly when `kdf` is `scrypt`. */
  readonly kdfParams?: FallbackKdfParams;
  /** Base64 of the 12-byte GCM IV. */
  readonly iv: string;
  /** Base64 of the 16-byte GCM tag. */
  readonly tag: string;
  /** Base64 of the encrypted JSON. */
  readonly ciphertext: string;
}

/** True when `value` claims to be an envelope (`format` is `nestjs-vault-secrets/fallback`), whatever its version. */
export function isFallbackEnvelope(value: unknown): boolean {
  return isJsonObject(value) && value['format'] === FALLBACK_ENVELOPE_FORMAT;
}

function additionalData(envelope: Pick<FallbackEnvelope, 'format' | 'version' | 'cipher' | 'kdf' | 'kdfParams'>): Buffer {
  const p = envelope.kdfParams;
  const header = [envelope.format, envelope.version, envelope.cipher, envelope.kdf, p ? [p.N, p.r, p.p, p.salt] : null];
  return Buffer.from(JSON.stringify(header), 'utf8');
}

function decodeBase64(
  envelope: Record<string, unknown>,
  field: string,
  bytes: number | undefined,
  file?: string,
  value = envelope[field],
): Buffer {
  if (typeof value !== 'string' || !BASE64_PATTERN.test(value)) {
    throw new FallbackFileError('not-an-envelope', `malformed envelope: "${field}" must be a base64 string`, { file });
  }
  const decoded = Buffer.from(value, 'base64');
  if (bytes !== undefined && decoded.length !== bytes) {
    throw new FallbackFileError('not-an-envelope', `malformed envelope: "${field}" must decode to ${bytes} bytes, got ${decoded.length}`, {
      file,
    });
  }
  return decoded;
}

/**
 * Checks that a parsed JSON value is a version 1 envelope.
 *
 * @param value - the parsed file.
 * @param file - the file name for error messages.
 * @returns the envelope, typed (the same object).
 * @throws FallbackFileError with reason `not-an-envelope` (wrong or missing `format`, or a malformed field)
 *   or `unsupported-version` (a `version` other than 1).
 */
export function parseFallbackEnvelope(value: unknown, file?: string): FallbackEnvelope {
  if (!isFallbackEnvelope(value)) {
    throw new FallbackFileError(
      'not-an-envelope',
      `is not an encrypted fallback file (no "format": "${FALLBACK_ENVELOPE_FORMAT}"); encrypt it with \`secrets-fallback encrypt\``,
      { file },
    );
  }
  const envelope = value as Record<string, unknown>;
  if (envelope['version'] !== FALLBACK_ENVELOPE_VERSION) {
    const version = typeof envelope['version'] === 'number' ? String(envelope['version']) : 'missing';
    throw new FallbackFileError(
      'unsupported-version',
      `envelope version ${version} is not supported: this release reads version ${FALLBACK_ENVELOPE_VERSION} (upgrade nestjs-vault-secrets, or re-create the file with this release's \`secrets-fallback\`)`,
      { file },
    );
  }
  if (envelope['cipher'] !== FALLBACK_ENVELOPE_CIPHER) {
    throw new FallbackFileError('not-an-envelope', `malformed envelope: "cipher" must be "${FALLBACK_ENVELOPE_CIPHER}"`, { file });
  }
  const kdf = envelope['kdf'];
  if (kdf !== 'none' && kdf !== 'scrypt') {
    throw new FallbackFileError('not-an-envelope', 'malformed envelope: "kdf" must be "none" or "scrypt"', { file });
  }
  const params = envelope['kdfParams'];
  if (kdf === 'none' && params !== undefined) {
    throw new FallbackFileError('not-an-envelope', 'malformed envelope: "kdfParams" must be absent when "kdf" is "none"', { file });
  }
  if (kdf === 'scrypt') {
    if (!isJsonObject(params))
      throw new FallbackFileError('not-an-envelope', 'malformed envelope: "kdf" "scrypt" needs "kdfParams"', { file });
    const problem = scryptCostProblem({ N: params['N'] as number, r: params['r'] as number, p: params['p'] as number });
    if (problem !== undefined) throw new FallbackFileError('not-an-envelope', `malformed envelope: ${problem}`, { file });
    decodeBase64(envelope, 'kdfParams.salt', SALT_BYTES, file, params['salt']);
  }
  decodeBase64(envelope, 'iv', IV_BYTES, file);
  decodeBase64(envelope, 'tag', TAG_BYTES, file);
  decodeBase64(envelope, 'ciphertext', undefined, file);
  return value as FallbackEnvelope;
}

function toKey(key: FallbackKey | string): FallbackKey {
  return typeof key === 'string' ? FallbackKey.fromText(key) : key;
}

/**
 * Encrypts secrets into a version 1 envelope. A raw key gives `kdf: "none"`; a passphrase gives
 * `kdf: "scrypt"` with N = 2^17, r = 8, p = 1 and a random 16-byte salt. The IV is random.
 *
 * @param data - `{ "<key>": { ...fields } }`, e.g. the result of `getAllSecrets()`.
 * @param key - a {@link FallbackKey}, or key text read by the passphrase rule ({@link FallbackKey.fromText}).
 * @param options - `scryptCost`: scrypt cost for a passphrase (default {@link DEFAULT_SCRYPT_COST}; must pass
 *   {@link scryptCostProblem}, i.e. N at least 2^14). Lower it only in tests.
 * @returns the envelope; write it with `JSON.stringify(envelope, null, 2)` to a file of mode 0600.
 * @throws FallbackFileError (reason `bad-json`) when `data` is not that shape; FallbackKeyError for unusable key text
 *   or an unacceptable `scryptCost`.
 */
export async function encryptFallback(
  data: FallbackSecrets,
  key: FallbackKey | string,
  options: { readonly scryptCost?: ScryptCost } = {},
): Promise<FallbackEnvelope> {
  assertFallbackSecrets(data);
  const material = toKey(key);
  const cost = options.scryptCost ?? DEFAULT_SCRYPT_COST;
  const costProblem = scryptCostProblem(cost);
  if (costProblem !== undefined) throw new FallbackKeyError(`unacceptable scrypt cost: ${costProblem.replace('kdfParams.', '')}`);
  const kdfParams: FallbackKdfParams | undefined =
    material.kind === 'passphrase' ? { N: cost.N, r: cost.r, p: cost.p, salt: randomBytes(SALT_BYTES).toString('base64') } : undefined;
  const header = {
    format: FALLBACK_ENVELOPE_FORMAT,
    version: FALLBACK_ENVELOPE_VERSION,
    cipher: FALLBACK_ENVELOPE_CIPHER,
    kdf: material.kind === 'passphrase' ? 'scrypt' : 'none',
    ...(kdfParams === undefined ? {} : { kdfParams }),
  } as const;
  const aesKey = await material.deriveCipherKey(
    kdfParams === undefined ? undefined : { salt: Buffer.from(kdfParams.salt, 'base64'), cost: kdfParams },
  );
  const plaintext = Buffer.from(JSON.stringify(data), 'utf8');
  try {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(FALLBACK_ENVELOPE_CIPHER, aesKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(header));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { ...header, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
  } finally {
    aesKey.fill(0);
    plaintext.fill(0);
  }
}

/**
 * Decrypts and checks an envelope.
 *
 * @param envelope - the parsed JSON of an encrypted fallback file (checked with {@link parseFallbackEnvelope}).
 * @param key - a {@link FallbackKey}, or key text read by the passphrase rule ({@link FallbackKey.fromText}).
 * @param file - the file name for error messages, when there is one.
 * @returns the secrets `{ "<key>": { ...fields } }` (new objects).
 * @throws FallbackFileError: `not-an-envelope` / `unsupported-version` (see {@link parseFallbackEnvelope});
 *   `wrong-key-or-tampered` when the key is not the file's (including a raw key for a passphrase file
 *   or the reverse) or any part of the file was changed; `bad-json` when the decrypted content is not
 *   `{ "<key>": { ...fields } }`. FallbackKeyError for unusable key text. No message contains the key or a value.
 */
export async function decryptFallback(envelope: unknown, key: FallbackKey | string, file?: string): Promise<FallbackSecrets> {
  const checked = parseFallbackEnvelope(envelope, file);
  const material = toKey(key);
  const expected = checked.kdf === 'scrypt' ? 'passphrase' : 'raw-key';
  if (material.kind !== expected) {
    throw new FallbackFileError(
      'wrong-key-or-tampered',
      checked.kdf === 'scrypt'
        ? `was encrypted with a passphrase (kdf "scrypt"), but ${material.origin} is a raw 32-byte key: give the passphrase (or the file's header was modified)`
        : `was encrypted with a raw 32-byte key (kdf "none"), but ${material.origin} is not one (a raw key is 44 characters of base64, as \`secrets-fallback keygen\` prints), so it was taken as a passphrase (or the file's header was modified)`,
      { file },
    );
  }
  const params = checked.kdfParams;
  const aesKey = await material.deriveCipherKey(
    params === undefined ? undefined : { salt: Buffer.from(params.salt, 'base64'), cost: params },
  );
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv(FALLBACK_ENVELOPE_CIPHER, aesKey, Buffer.from(checked.iv, 'base64'), { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(checked));
    decipher.setAuthTag(Buffer.from(checked.tag, 'base64'));
    plaintext = Buffer.concat([decipher.update(Buffer.from(checked.ciphertext, 'base64')), decipher.final()]);
  } catch {
    // No cause: OpenSSL says only "Unsupported state or unable to authenticate data".
    throw new FallbackFileError(
      'wrong-key-or-tampered',
      `cannot be decrypted with ${material.origin}: the key is wrong, or the file was modified after it was encrypted`,
      { file },
    );
  } finally {
    aesKey.fill(0);
  }
  try {
    const parsed = parseJsonSafely(plaintext.toString('utf8'));
    if (!parsed.ok) throw new FallbackFileError('bad-json', `decrypted content is not valid JSON${parsed.where}`, { file });
    return assertFallbackSecrets(parsed.value, file);
  } finally {
    plaintext.fill(0);
  }
}
