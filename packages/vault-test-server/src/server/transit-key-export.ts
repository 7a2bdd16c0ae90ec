/**
 * `GET transit/export/:key_type/:name(/:version)` (Vault's `path_export.go`): the key material
 * of an `exportable` key, per version, in the encodings Vault uses:
 *
 * - `encryption-key`: the raw AES / ChaCha20 key, base64;
 * - `signing-key`: Ed25519 as Go's 64-byte private key (seed then public key), base64; ECDSA as
 *   a SEC 1 `EC PRIVATE KEY` PEM block;
 * - `hmac-key`: the version's HMAC key (the key itself for `hmac` keys), base64;
 * - `public-key` (allowed without `exportable`): Ed25519 raw public key, base64; ECDSA as a
 *   PKIX `PUBLIC KEY` PEM block;
 * - `certificate-chain` (allowed without `exportable`): no key of this server has an imported
 *   chain, so signing keys answer Vault's 500 and the others its 400.
 */
import { createPublicKey } from 'node:crypto';
import { badRequest, internalError } from './errors.js';
import { respondData, type DataResponse } from './logical.js';
import { ed25519GoPrivateKey, type TransitKey, type TransitKeyVersion } from './transit-keyring.js';

/** The export types this server knows (Vault CE's, without the Enterprise `cmac-key`). */
const EXPORT_TYPES = ['encryption-key', 'signing-key', 'hmac-key', 'public-key', 'certificate-chain'] as const;
type ExportType = (typeof EXPORT_TYPES)[number];

/**
 * Answers an export request.
 * @param version - the URL's version: `''` (every listed version), `latest`, `N` or `vN`.
 * @returns `null` (Vault's 404 with no errors) when the key does not exist.
 * @throws VaultError 400 (bad type or version, not exportable, wrong key type), 500 (no such material).
 */
export function exportTransitKey(key: TransitKey | undefined, exportType: string, version: string): DataResponse | null {
  if (!(EXPORT_TYPES as readonly string[]).includes(exportType)) throw badRequest(`invalid export type: ${exportType}`);
  const type = exportType as ExportType;
  if (!key) return null;
  if (!key.exportable && type !== 'public-key' && type !== 'certificate-chain') {
    throw badRequest('private key material is not exportable');
  }
  if (type === 'encryption-key' && !key.supportsEncryption) throw badRequest('encryption not supported for the key');
  if (type === 'signing-key' && !key.supportsSigning) throw badRequest('signing not supported for the key');
  if (type === 'certificate-chain' && !key.supportsSigning) {
    throw badRequest('certificate chain not supported for keys that do not support signing');
  }
  const keys: Record<string, string> = {};
  if (version === '') {
    for (const [number, entry] of key.listedVersions()) keys[String(number)] = exportMaterial(key, entry, type);
  } else {
    const number = version === 'latest' ? key.latestVersion : parseVersion(version);
    if (number < key.minDecryptionVersion) throw badRequest('version for export is below minimum decryption version');
    const entry = key.versions.get(number);
    if (!entry) throw badRequest('version does not exist or cannot be found');
    keys[String(number)] = exportMaterial(key, entry, type);
  }
  return respondData({ name: key.name, type: key.type, keys });
}

/** Go `strconv.Atoi` of the version after an optional `v` prefix. */
function parseVersion(text: string): number {
  const digits = text.startsWith('v') ? text.slice(1) : text;
  if (!/^[-+]?\d+$/.test(digits)) throw badRequest('invalid key version');
  return Number.parseInt(digits, 10);
}

function exportMaterial(key: TransitKey, entry: TransitKeyVersion, type: ExportType): string {
  switch (type) {
    case 'hmac-key':
      return (key.type === 'hmac' && entry.secret ? entry.secret : entry.hmacKey).toString('base64');
    case 'encryption-key':
      if (entry.secret) return entry.secret.toString('base64');
      break;
    case 'signing-key':
      if (key.type === 'ed25519') return ed25519GoPrivateKey(entry)?.toString('base64') ?? '';
      if (entry.privateKey) return entry.privateKey.export({ type: 'sec1', format: 'pem' }).toString().trim();
      break;
    case 'public-key':
      if (key.type === 'ed25519') return entry.publicKey ?? '';
      if (entry.privateKey) return createPublicKey(entry.privateKey).export({ type: 'spki', format: 'pem' }).toString().trim();
      break;
    case 'certificate-chain':
      throw internalError('selected key version does not have a certificate chain imported');
  }
  throw internalError(`unknown key type ${key.type} for export type ${type}`);
}
