/**
 * One named key of the transit engine (Vault's `keysutil.Policy`): its versions, limits and the
 * real cryptography behind it (`node:crypto`): AES-GCM and ChaCha20-Poly1305 with a 96-bit
 * nonce, HKDF-SHA256 key derivation from a context, convergent encryption (version 3: the nonce
 * is an HMAC of the plaintext under a derived key), Ed25519 and ECDSA signatures, HMAC.
 *
 * Errors are thrown as {@link TransitUserError} with Vault's own texts (`invalid ciphertext: no
 * prefix`, `ciphertext or signature version is disallowed by policy (too old)`...), which the
 * backend turns into 400 answers or per-item batch errors.
 *
 * Versions below `min_available_version` are gone (trimmed); versions below
 * `min_decryption_version` are kept but not listed (Vault's archive).
 *
 * Not emulated: RSA keys, managed keys, imported keys, CMAC, `associated_data`.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
  type CipherGCMTypes,
  type KeyObject,
} from 'node:crypto';

/** Key types the test server creates. */
export const TRANSIT_KEY_TYPES = [
  'aes128-gcm96',
  'aes256-gcm96',
  'chacha20-poly1305',
  'ed25519',
  'ecdsa-p256',
  'ecdsa-p384',
  'ecdsa-p521',
  'hmac',
] as const;

/** One of {@link TRANSIT_KEY_TYPES}. */
export type TransitKeyType = (typeof TRANSIT_KEY_TYPES)[number];

/** Vault's `ErrTooOld`. */
export const ERR_TOO_OLD = 'ciphertext or signature version is disallowed by policy (too old)';

/** The missing-context text of `keysutil.Policy.DeriveKey`. */
export const ERR_MISSING_CONTEXT =
  "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key";

/** A failure caused by the request (Go `errutil.UserError`): 400, or a per-item batch error. */
export class TransitUserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransitUserError';
  }
}

/** Vault's hash algorithm names → OpenSSL digest names. */
const HASHES: Readonly<Record<string, string>> = {
  sha1: 'sha1',
  'sha2-224': 'sha224',
  'sha2-256': 'sha256',
  'sha2-384': 'sha384',
  'sha2-512': 'sha512',
  'sha3-224': 'sha3-224',
  'sha3-256': 'sha3-256',
  'sha3-384': 'sha3-384',
  'sha3-512': 'sha3-512',
};

/** The OpenSSL digest of a Vault hash algorithm name, or undefined when Vault does not know it. */
export function digestOf(algorithm: string): string | undefined {
  return Object.hasOwn(HASHES, algorithm) ? HASHES[algorithm] : undefined;
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Decodes standard base64 like Go's `base64.StdEncoding.DecodeString` (padding required).
 * @throws TransitUserError `illegal base64 data at input byte N`.
 */
export function decodeStdBase64(text: string): Buffer {
  const bad = /[^A-Za-z0-9+/=]/.exec(text);
  if (bad) throw new TransitUserError(`illegal base64 data at input byte ${bad.index}`);
  const firstPad = text.indexOf('=');
  const padOk = firstPad < 0 || (/^=+$/.test(text.slice(firstPad)) && text.length - firstPad <= 2);
  if (!padOk || text.length % 4 !== 0) {
    throw new TransitUserError(
      `illegal base64 data at input byte ${firstPad >= 0 && !padOk ? firstPad : Math.max(0, text.length - (text.length % 4 || 4))}`,
    );
  }
  return Buffer.from(text, 'base64');
}

/** One version of a key: its material and creation time. */
export interface TransitKeyVersion {
  /** Unix seconds. */
  readonly createdSeconds: number;
  readonly createdMs: number;
  /** Symmetric key or HMAC key bytes (symmetric types, `hmac`). */
  readonly secret?: Buffer;
  /** Private key (asymmetric types, not derived Ed25519). */
  readonly privateKey?: KeyObject;
  /** Ed25519 seed (32 bytes; the private key is derived from it). */
  readonly seed?: Buffer;
  /** `public_key` as Vault shows it: base64 for Ed25519, PEM for ECDSA. */
  readonly publicKey?: string;
  /** The per-version HMAC key (every type but `hmac`, which uses `secret`). */
  readonly hmacKey: Buffer;
}

/** Settings given at creation. */
export interface TransitKeySettings {
  readonly type: TransitKeyType;
  readonly derived: boolean;
  readonly convergent: boolean;
  readonly exportable: boolean;
  readonly allowPlaintextBackup: boolean;
  /** Seconds (0 = off). */
  readonly autoRotatePeriod: number;
  /** Bytes, `hmac` keys only. */
  readonly keySize: number;
}

/** Result of a signature. */
export interface TransitSignature {
  readonly signature: string;
  readonly keyVersion: number;
  /** Base64 public key of a derived Ed25519 key. */
  readonly publicKey?: string;
}

/** When a key was last backed up or restored (Vault's `BackupInfo` / `RestoreInfo`). */
export interface TransitKeyEvent {
  /** Milliseconds since the epoch. */
  readonly timeMs: number;
  /** The latest version at that time. */
  readonly version: number;
}

/** A named transit key with its versions (Vault's `keysutil.Policy`). */
export class TransitKey {
  /** Every version from `minAvailableVersion` (or 1) to `latestVersion`. */
  readonly versions = new Map<number, TransitKeyVersion>();
  latestVersion = 0;
  /** 0 until the key is trimmed; versions below it are deleted. */
  minAvailableVersion = 0;
  minDecryptionVersion = 1;
  minEncryptionVersion = 0;
  deletionAllowed = false;
  exportable: boolean;
  allowPlaintextBackup: boolean;
  autoRotatePeriod: number;
  backupInfo: TransitKeyEvent | undefined;
  restoreInfo: TransitKeyEvent | undefined;

  /**
   * @param nowMs - creation time in milliseconds; the key gets its version 1 then. Omitted for a
   *   restored key, whose versions the caller adds to {@link versions}.
   */
  constructor(
    readonly name: string,
    readonly settings: TransitKeySettings,
    nowMs?: number,
  ) {
    this.exportable = settings.exportable;
    this.allowPlaintextBackup = settings.allowPlaintextBackup;
    this.autoRotatePeriod = settings.autoRotatePeriod;
    if (nowMs !== undefined) this.rotate(nowMs);
  }

  get type(): TransitKeyType {
    return this.settings.type;
  }

  get supportsEncryption(): boolean {
    return this.type === 'aes128-gcm96' || this.type === 'aes256-gcm96' || this.type === 'chacha20-poly1305';
  }

  get supportsSigning(): boolean {
    return this.type === 'ed25519' || this.type.startsWith('ecdsa-');
  }

  get supportsDerivation(): boolean {
    return this.supportsEncryption || this.type === 'ed25519';
  }

  /** Adds a new version (Vault's `RotateInMemory`). */
  rotate(nowMs: number): void {
    const base = { createdSeconds: Math.floor(nowMs / 1000), createdMs: nowMs, hmacKey: randomBytes(32) };
    let version: TransitKeyVersion;
    switch (this.type) {
      case 'aes128-gcm96':
        version = { ...base, secret: randomBytes(16) };
        break;
      case 'aes256-gcm96':
      case 'chacha20-poly1305':
        version = { ...base, secret: randomBytes(32) };
        break;
      case 'hmac':
        version = { ...base, secret: randomBytes(this.settings.keySize) };
        break;
      case 'ed25519': {
        const seed = randomBytes(32);
        const privateKey = ed25519FromSeed(seed);
        version = { ...base, seed, privateKey, publicKey: ed25519PublicBase64(privateKey) };
        break;
      }
      default: {
        const namedCurve = curveOf(this.type);
        const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
        version = { ...base, privateKey, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
      }
    }
    this.latestVersion += 1;
    this.versions.set(this.latestVersion, version);
  }

  /** The `data` of `GET transit/keys/:name` (Vault's `formatKeyPolicy`). */
  describe(): Record<string, unknown> {
    const data: Record<string, unknown> = {
      name: this.name,
      type: this.type,
      derived: this.settings.derived,
      deletion_allowed: this.deletionAllowed,
      min_available_version: this.minAvailableVersion,
      min_decryption_version: this.minDecryptionVersion,
      min_encryption_version: this.minEncryptionVersion,
      latest_version: this.latestVersion,
      exportable: this.exportable,
      allow_plaintext_backup: this.allowPlaintextBackup,
      supports_encryption: this.supportsEncryption,
      supports_decryption: this.supportsEncryption,
      supports_signing: this.supportsSigning,
      supports_derivation: this.supportsDerivation,
      auto_rotate_period: this.autoRotatePeriod,
      imported_key: false,
    };
    if (this.type === 'hmac') data['key_size'] = this.settings.keySize;
    if (this.backupInfo) data['backup_info'] = eventData(this.backupInfo);
    if (this.restoreInfo) data['restore_info'] = eventData(this.restoreInfo);
    if (this.settings.derived) {
      data['kdf'] = 'hkdf_sha256';
      data['convergent_encryption'] = this.settings.convergent;
      if (this.settings.convergent) data['convergent_encryption_version'] = 3;
    }
    const keys: Record<string, unknown> = {};
    for (const [number, version] of this.listedVersions()) {
      keys[String(number)] = this.supportsSigning
        ? {
            name: this.type === 'ed25519' ? 'ed25519' : curveOf(this.type),
            public_key: this.type === 'ed25519' && this.settings.derived ? '' : (version.publicKey ?? ''),
            certificate_chain: '',
            creation_time: new Date(version.createdMs).toISOString(),
          }
        : version.createdSeconds;
    }
    data['keys'] = keys;
    return data;
  }

  /** The versions Vault keeps in the policy (from `min_decryption_version` to the latest), ascending. */
  listedVersions(): [number, TransitKeyVersion][] {
    return [...this.versions].filter(([number]) => number >= this.minDecryptionVersion).sort(([a], [b]) => a - b);
  }

  /** Deletes every version below `minAvailable` for good (Vault's trim). */
  trim(minAvailable: number): void {
    this.minAvailableVersion = minAvailable;
    for (const number of [...this.versions.keys()]) if (number < minAvailable) this.versions.delete(number);
  }

  /**
   * Encrypts base64 plaintext (Vault's `EncryptWithFactory`).
   * @returns `vault:v<version>:<base64(nonce | ciphertext | tag)>` and the version used.
   */
  encrypt(
    plaintextB64: string,
    context: Buffer | undefined,
    keyVersion: number,
    nonce?: Buffer,
  ): { ciphertext: string; keyVersion: number } {
    if (!this.supportsEncryption) throw new TransitUserError(`message encryption not supported for key type ${this.type}`);
    const plaintext = decodeStdBase64(plaintextB64);
    const version = this.encryptionVersion(keyVersion, 'encryption');
    if (nonce !== undefined && nonce.length > 0) throw new TransitUserError('provided nonce not allowed for this key');
    const keyBytes = this.type === 'aes128-gcm96' ? 16 : 32;
    const material = this.keyMaterial(version, context, keyBytes + (this.settings.convergent ? 32 : 0));
    const encKey = material.subarray(0, keyBytes);
    const iv = this.settings.convergent
      ? createHmac('sha256', material.subarray(keyBytes)).update(plaintext).digest().subarray(0, NONCE_BYTES)
      : randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(this.cipherName() as CipherGCMTypes, encKey, iv, { authTagLength: TAG_BYTES });
    const sealed = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return { ciphertext: `vault:v${version}:${sealed.toString('base64')}`, keyVersion: version };
  }

  /**
   * Decrypts a `vault:vN:` ciphertext (Vault's `DecryptWithFactory`).
   * @returns the plaintext as base64 and the version it was encrypted with.
   */
  decrypt(ciphertext: string, context: Buffer | undefined): { plaintext: string; keyVersion: number } {
    if (!this.supportsEncryption) throw new TransitUserError(`message decryption not supported for key type ${this.type}`);
    const { version, payload } = this.parseVersioned(ciphertext, 'ciphertext');
    const sealed = decodeStdBase64OrThrow(payload, 'invalid ciphertext: could not decode base64');
    const keyBytes = this.type === 'aes128-gcm96' ? 16 : 32;
    const encKey = this.keyMaterial(version, context, keyBytes + (this.settings.convergent ? 32 : 0)).subarray(0, keyBytes);
    if (sealed.length < NONCE_BYTES) throw new TransitUserError('invalid ciphertext length');
    if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new TransitUserError('cipher: message authentication failed');
    const iv = sealed.subarray(0, NONCE_BYTES);
    const tag = sealed.subarray(sealed.length - TAG_BYTES);
    const decipher = createDecipheriv(this.cipherName() as CipherGCMTypes, encKey, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    try {
      const plain = Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
      return { plaintext: plain.toString('base64'), keyVersion: version };
    } catch {
      throw new TransitUserError('cipher: message authentication failed');
    }
  }

  /** Signs raw bytes (Vault's `SignWithOptions`); `hash` is an OpenSSL digest name for ECDSA. */
  sign(input: Buffer, context: Buffer | undefined, keyVersion: number, hash: string, marshaling: 'asn1' | 'jws'): TransitSignature {
    if (!this.supportsSigning) throw new TransitUserError(`key type ${this.type} does not support signing`);
    const version = this.encryptionVersion(keyVersion, 'signing');
    const entry = this.entry(version);
    if (this.type === 'ed25519') {
      const key = this.settings.derived ? ed25519FromSeed(this.keyMaterial(version, context, 32)) : entry.privateKey;
      if (!key) throw new TransitUserError('no such key version');
      const signature = `vault:v${version}:${cryptoSign(null, input, key).toString('base64')}`;
      return this.settings.derived
        ? { signature, keyVersion: version, publicKey: ed25519PublicBase64(key) }
        : { signature, keyVersion: version };
    }
    if (!entry.privateKey) throw new TransitUserError('no such key version');
    const raw = cryptoSign(hash, input, { key: entry.privateKey, dsaEncoding: marshaling === 'jws' ? 'ieee-p1363' : 'der' });
    return { signature: `vault:v${version}:${raw.toString(marshaling === 'jws' ? 'base64url' : 'base64')}`, keyVersion: version };
  }

  /** Verifies a `vault:vN:` signature (Vault's `VerifySignatureWithOptions`). */
  verify(input: Buffer, signature: string, context: Buffer | undefined, hash: string, marshaling: 'asn1' | 'jws'): boolean {
    if (!this.supportsSigning) throw new TransitUserError(`message verification not supported for key type ${this.type}`);
    const { version, payload } = this.parseVersioned(signature, 'signature');
    const bytes =
      marshaling === 'jws' ? Buffer.from(payload, 'base64url') : decodeStdBase64OrThrow(payload, 'invalid base64 signature value');
    if (this.type === 'ed25519') {
      const key = this.settings.derived ? ed25519FromSeed(this.keyMaterial(version, context, 32)) : this.entry(version).privateKey;
      if (!key) throw new TransitUserError('no such key version');
      return cryptoVerify(null, input, createPublicKey(key), bytes);
    }
    const key = this.entry(version).privateKey;
    if (!key) throw new TransitUserError('no such key version');
    try {
      return cryptoVerify(hash, input, { key: createPublicKey(key), dsaEncoding: marshaling === 'jws' ? 'ieee-p1363' : 'der' }, bytes);
    } catch {
      throw new TransitUserError('supplied signature is invalid');
    }
  }

  /** `vault:vN:<base64 HMAC>` of `input` with the version's HMAC key. */
  hmac(input: Buffer, keyVersion: number, hash: string): string {
    let version = keyVersion === 0 ? this.latestVersion : keyVersion;
    if (this.minEncryptionVersion > 0 && version < this.minEncryptionVersion && version !== this.latestVersion) {
      throw new TransitUserError('cannot generate HMAC: version is too old (disallowed by policy)');
    }
    if (version < 0) throw new TransitUserError('key version does not exist (cannot be negative)');
    if (version > this.latestVersion) throw new TransitUserError(`key version does not exist; latest key version is ${this.latestVersion}`);
    version = Math.trunc(version);
    const key = this.hmacKeyOf(version);
    return `vault:v${version}:${createHmac(hash, key).update(input).digest('base64')}`;
  }

  /** Checks a `vault:vN:` HMAC (constant-time comparison). */
  verifyHmac(input: Buffer, value: string, hash: string): boolean {
    if (!value.startsWith('vault:v')) throw new TransitUserError('invalid HMAC to verify: no prefix');
    const rest = value.slice('vault:v'.length);
    const colon = rest.indexOf(':');
    if (colon < 0) throw new TransitUserError('invalid HMAC: wrong number of fields');
    const version = Number(rest.slice(0, colon));
    if (!/^[-+]?\d+$/.test(rest.slice(0, colon))) throw new TransitUserError('invalid HMAC: version number could not be decoded');
    let given: Buffer;
    try {
      given = decodeStdBase64(rest.slice(colon + 1));
    } catch (error) {
      throw new TransitUserError(`unable to decode verification HMAC as base64: ${(error as Error).message}`);
    }
    if (version > this.latestVersion) throw new TransitUserError('invalid HMAC: version is too new');
    if (this.minDecryptionVersion > 0 && version < this.minDecryptionVersion) {
      throw new TransitUserError('cannot verify HMAC: version is too old (disallowed by policy)');
    }
    const expected = createHmac(hash, this.hmacKeyOf(version)).update(input).digest();
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  // ----- internals ----------------------------------------------------------------------

  private cipherName(): string {
    return this.type === 'chacha20-poly1305' ? 'chacha20-poly1305' : this.type === 'aes128-gcm96' ? 'aes-128-gcm' : 'aes-256-gcm';
  }

  private entry(version: number): TransitKeyVersion {
    const entry = this.versions.get(version);
    if (!entry) throw new TransitUserError('no such key version');
    return entry;
  }

  private hmacKeyOf(version: number): Buffer {
    const entry = this.entry(version);
    return this.type === 'hmac' && entry.secret ? entry.secret : entry.hmacKey;
  }

  /** The version to encrypt/sign with: `0` = latest; checked against `min_encryption_version`. */
  private encryptionVersion(requested: number, what: 'encryption' | 'signing'): number {
    if (requested === 0) return this.latestVersion;
    if (requested < 0) throw new TransitUserError(`requested version for ${what} is negative`);
    if (requested > this.latestVersion) throw new TransitUserError(`requested version for ${what} is higher than the latest key version`);
    if (requested < this.minEncryptionVersion) {
      throw new TransitUserError(`requested version for ${what} is less than the minimum encryption key version`);
    }
    return requested;
  }

  /** Splits `vault:vN:payload`, checking the version against the key's limits. */
  private parseVersioned(value: string, what: 'ciphertext' | 'signature'): { version: number; payload: string } {
    if (!value.startsWith('vault:v')) throw new TransitUserError(`invalid ${what}: no prefix`);
    const rest = value.slice('vault:v'.length);
    const colon = rest.indexOf(':');
    if (colon < 0) throw new TransitUserError(`invalid ${what}: wrong number of fields`);
    const versionText = rest.slice(0, colon);
    if (!/^[-+]?\d+$/.test(versionText)) throw new TransitUserError(`invalid ${what}: version number could not be decoded`);
    let version = Number.parseInt(versionText, 10);
    if (version === 0 && what === 'ciphertext') version = 1;
    if (version > this.latestVersion) throw new TransitUserError(`invalid ${what}: version is too new`);
    if (this.minDecryptionVersion > 0 && version < this.minDecryptionVersion) throw new TransitUserError(ERR_TOO_OLD);
    return { version, payload: rest.slice(colon + 1) };
  }

  /**
   * The raw key of a version, or (derived keys) `length` bytes of HKDF-SHA256 over it with the
   * context as info. Ed25519 derives from Go's 64-byte private key (seed then public key).
   */
  private keyMaterial(version: number, context: Buffer | undefined, length: number): Buffer {
    const entry = this.entry(version);
    const secret = this.type === 'ed25519' ? ed25519GoPrivateKey(entry) : entry.secret;
    if (!secret) throw new TransitUserError('no such key version');
    if (!this.settings.derived) return secret;
    if (context === undefined || context.length === 0) throw new TransitUserError(ERR_MISSING_CONTEXT);
    return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), context, length));
  }
}

function decodeStdBase64OrThrow(text: string, message: string): Buffer {
  try {
    return decodeStdBase64(text);
  } catch {
    throw new TransitUserError(message);
  }
}

/** Go's `ed25519.PrivateKey` of a version (seed then raw public key, 64 bytes). */
export function ed25519GoPrivateKey(entry: TransitKeyVersion): Buffer | undefined {
  if (!entry.seed || entry.publicKey === undefined) return undefined;
  return Buffer.concat([entry.seed, Buffer.from(entry.publicKey, 'base64')]);
}

function eventData(event: TransitKeyEvent): Record<string, unknown> {
  return { time: new Date(event.timeMs).toISOString(), version: event.version };
}

/** The Ed25519 private key of a 32-byte seed. */
export function ed25519FromSeed(seed: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The raw 32-byte public key of an Ed25519 key, base64. */
export function ed25519PublicBase64(key: KeyObject): string {
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return spki.subarray(spki.length - 32).toString('base64');
}

/** Vault's curve name (`P-256`...) of an ECDSA key type. */
export function curveOf(type: TransitKeyType): string {
  return type === 'ecdsa-p384' ? 'P-384' : type === 'ecdsa-p521' ? 'P-521' : 'P-256';
}
