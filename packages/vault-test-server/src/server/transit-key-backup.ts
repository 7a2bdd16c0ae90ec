/**
 * The plaintext backup of a transit key (`GET transit/backup/:name`, `POST transit/restore`):
 * base64 of the JSON Vault writes (`keysutil.KeyData`, encoded by Go's `json.Encoder`, so with
 * a trailing newline): `{"policy": {...}, "archived_keys": {"keys": [...]}}`. Field names, key
 * type numbers, `[]byte` as base64, `time.Time` as RFC 3339, `auto_rotate_period` in
 * nanoseconds and ECDSA coordinates as JSON integers follow Vault's `keysutil.Policy` and
 * `KeyEntry`, so a backup taken from a real Vault (AES, ChaCha20, HMAC, Ed25519 or ECDSA key)
 * restores here, and the other way round.
 *
 * The archive holds every version from `min_available_version` (slot 0 is an empty version 0
 * until the key is trimmed); the policy's `keys` only those from `min_decryption_version`.
 */
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { badRequest, internalError } from './errors.js';
import { asStruct, encodeGoJson } from './go-json.js';
import {
  curveOf,
  decodeStdBase64,
  ed25519FromSeed,
  ed25519GoPrivateKey,
  ed25519PublicBase64,
  TransitKey,
  type TransitKeyEvent,
  type TransitKeyType,
  type TransitKeyVersion,
} from './transit-keyring.js';

/** Vault's `keysutil.KeyType` numbers (the `type` field of a stored policy). */
const KEY_TYPE_NUMBERS: Readonly<Record<TransitKeyType, number>> = {
  'aes256-gcm96': 0,
  'ecdsa-p256': 1,
  ed25519: 2,
  'chacha20-poly1305': 5,
  'ecdsa-p384': 6,
  'ecdsa-p521': 7,
  'aes128-gcm96': 8,
  hmac: 11,
};
/** Key types Vault has that this server does not emulate, by number. */
const OTHER_KEY_TYPES: Readonly<Record<number, string>> = {
  3: 'rsa-2048',
  4: 'rsa-4096',
  9: 'rsa-3072',
  10: 'managed_key',
  12: 'aes128-cmac',
  13: 'aes256-cmac',
};
/** ECDSA scalar sizes in bytes, per curve. */
const EC_BYTES: Readonly<Record<string, number>> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Base64 backup of `key` (its `backup_info` must already be set, as Vault sets it first). */
export function encodeTransitBackup(key: TransitKey): string {
  const convergent = key.settings.convergent;
  const policy = asStruct({
    name: key.name,
    key_size: key.type === 'hmac' ? key.settings.keySize : undefined,
    keys: Object.fromEntries(key.listedVersions().map(([number, entry]) => [String(number), encodeEntry(key, entry)])),
    derived: key.settings.derived,
    kdf: key.settings.derived ? 1 : 0,
    convergent_encryption: convergent,
    exportable: key.exportable,
    min_decryption_version: key.minDecryptionVersion,
    min_encryption_version: key.minEncryptionVersion,
    latest_version: key.latestVersion,
    archive_version: key.latestVersion,
    archive_min_version: key.minAvailableVersion,
    min_available_version: key.minAvailableVersion,
    deletion_allowed: key.deletionAllowed,
    convergent_version: convergent ? -1 : 0,
    type: KEY_TYPE_NUMBERS[key.type],
    backup_info: encodeEvent(key.backupInfo),
    restore_info: encodeEvent(key.restoreInfo),
    allow_plaintext_backup: key.allowPlaintextBackup,
    version_template: '',
    storage_prefix: '',
    auto_rotate_period: key.autoRotatePeriod * 1e9,
    Imported: false,
    AllowImportedKeyRotation: false,
  });
  const archive: Record<string, unknown>[] = [];
  for (let number = key.minAvailableVersion; number <= key.latestVersion; number += 1) {
    const entry = key.versions.get(number);
    archive.push(entry ? encodeEntry(key, entry) : asStruct({ key: null, hmac_key: null, time: ZERO_TIME, creation_time: 0 }));
  }
  const keyData = asStruct({ policy, archived_keys: asStruct({ keys: archive }) });
  return Buffer.from(encodeGoJson(keyData), 'utf8').toString('base64');
}

/**
 * Rebuilds a key from a backup.
 * @param name - the name to restore under; `''` keeps the backed-up name.
 * @throws VaultError 500 (undecodable backup, like Vault's plain errors), 400 (a key type this
 *   server does not emulate).
 */
export function decodeTransitBackup(backup: string, name: string): TransitKey {
  let raw: Buffer;
  try {
    raw = decodeStdBase64(backup);
  } catch (error) {
    throw internalError((error as Error).message);
  }
  let parsed: unknown;
  try {
    // Go writes big.Int coordinates as bare integers; keep their digits exact.
    parsed = JSON.parse(raw.toString('utf8').replace(/("ec_[xyd]"\s*:\s*)(-?\d+)/g, '$1"$2"'));
  } catch (error) {
    throw internalError((error as Error).message);
  }
  const policy = record(record(parsed)['policy']);
  if (Object.keys(policy).length === 0) throw internalError('backup has no key policy');
  const type = keyTypeOf(policy['type']);
  const derived = policy['derived'] === true;
  const key = new TransitKey(name === '' ? String(policy['name'] ?? '') : name, {
    type,
    derived,
    convergent: derived && policy['convergent_encryption'] === true,
    exportable: policy['exportable'] === true,
    allowPlaintextBackup: policy['allow_plaintext_backup'] === true,
    autoRotatePeriod: Math.floor(numberOf(policy['auto_rotate_period']) / 1e9),
    keySize: type === 'hmac' ? numberOf(policy['key_size']) || 32 : 32,
  });
  key.minAvailableVersion = numberOf(policy['min_available_version']);
  const archived = record(record(parsed)['archived_keys'])['keys'];
  if (Array.isArray(archived)) {
    archived.forEach((entry: unknown, index) => addEntry(key, key.minAvailableVersion + index, record(entry)));
  }
  for (const [version, entry] of Object.entries(record(policy['keys']))) addEntry(key, Number(version), record(entry));
  if (key.versions.size === 0) throw internalError('backup has no key versions');
  key.latestVersion = Math.max(numberOf(policy['latest_version']), ...key.versions.keys());
  key.minDecryptionVersion = Math.max(1, numberOf(policy['min_decryption_version']));
  key.minEncryptionVersion = numberOf(policy['min_encryption_version']);
  key.deletionAllowed = policy['deletion_allowed'] === true;
  key.backupInfo = decodeEvent(policy['backup_info']);
  return key;
}

function encodeEntry(key: TransitKey, entry: TransitKeyVersion): Record<string, unknown> {
  let material: Buffer | undefined = entry.secret;
  let ec: { x: bigint; y: bigint; d: bigint } | undefined;
  if (key.type === 'ed25519') material = ed25519GoPrivateKey(entry);
  else if (entry.privateKey && key.supportsSigning) {
    const jwk = entry.privateKey.export({ format: 'jwk' });
    ec = { x: bigOf(jwk.x), y: bigOf(jwk.y), d: bigOf(jwk.d) };
  }
  return asStruct({
    key: material ? material.toString('base64') : null,
    hmac_key: (key.type === 'hmac' && entry.secret ? entry.secret : entry.hmacKey).toString('base64'),
    time: new Date(entry.createdMs).toISOString(),
    ec_x: ec?.x,
    ec_y: ec?.y,
    ec_d: ec?.d,
    public_key: entry.publicKey,
    convergent_version: key.settings.convergent ? 3 : undefined,
    creation_time: entry.createdSeconds,
  });
}

/** Adds one stored `KeyEntry` as version `number` (entries without material are skipped). */
function addEntry(key: TransitKey, number: number, entry: Record<string, unknown>): void {
  if (!Number.isInteger(number) || number < 1) return;
  const material = bytesOf(entry['key']);
  const timeMs = Date.parse(String(entry['time'] ?? ''));
  const createdMs = Number.isFinite(timeMs) && timeMs > 0 ? timeMs : numberOf(entry['creation_time']) * 1000;
  const base = { createdMs, createdSeconds: Math.floor(createdMs / 1000), hmacKey: bytesOf(entry['hmac_key']) ?? randomBytes(32) };
  let version: TransitKeyVersion;
  if (key.type === 'ed25519') {
    if (!material || material.length < 32) return;
    const privateKey = ed25519FromSeed(material.subarray(0, 32));
    version = { ...base, seed: Buffer.from(material.subarray(0, 32)), privateKey, publicKey: ed25519PublicBase64(privateKey) };
  } else if (key.supportsSigning) {
    if (entry['ec_d'] === undefined || entry['ec_d'] === null) return;
    const curve = curveOf(key.type);
    const size = EC_BYTES[curve] ?? 32;
    const jwk = { kty: 'EC', crv: curve, x: scalar(entry['ec_x'], size), y: scalar(entry['ec_y'], size), d: scalar(entry['ec_d'], size) };
    const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
    version = { ...base, privateKey, publicKey: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString() };
  } else {
    const secret = material ?? (key.type === 'hmac' ? bytesOf(entry['hmac_key']) : undefined);
    if (!secret) return;
    version = { ...base, secret };
  }
  key.versions.set(number, version);
}

function keyTypeOf(value: unknown): TransitKeyType {
  const number = numberOf(value);
  const found = Object.entries(KEY_TYPE_NUMBERS).find(([, n]) => n === number);
  if (found) return found[0] as TransitKeyType;
  throw badRequest(`key type ${OTHER_KEY_TYPES[number] ?? String(number)} is not supported by the Vault test server`);
}

function encodeEvent(event: TransitKeyEvent | undefined): Record<string, unknown> | null {
  return event ? asStruct({ time: new Date(event.timeMs).toISOString(), version: event.version }) : null;
}

function decodeEvent(value: unknown): TransitKeyEvent | undefined {
  const event = record(value);
  const timeMs = Date.parse(String(event['time'] ?? ''));
  return Number.isFinite(timeMs) ? { timeMs, version: numberOf(event['version']) } : undefined;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function numberOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : 0;
}

function bytesOf(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return Buffer.from(value, 'base64');
}

function bigOf(base64url: string | undefined): bigint {
  const hex = Buffer.from(base64url ?? '', 'base64url').toString('hex');
  return hex === '' ? 0n : BigInt(`0x${hex}`);
}

/** A decimal big integer (as quoted before parsing) as a fixed-size base64url scalar. */
function scalar(value: unknown, size: number): string {
  const text = typeof value === 'string' || typeof value === 'number' ? String(value) : '0';
  return Buffer.from(
    BigInt(text)
      .toString(16)
      .padStart(size * 2, '0'),
    'hex',
  ).toString('base64url');
}
