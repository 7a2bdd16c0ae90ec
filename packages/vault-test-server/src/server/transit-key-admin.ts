/**
 * The transit paths beyond encrypt/sign (https://developer.hashicorp.com/vault/api-docs/secret/transit):
 *
 * - `POST datakey/:type/:name` (`plaintext` or `wrapped`; `bits` 128/256/512, `context`,
 *   `nonce`, `key_version`): a random key encrypted under the named key, decryptable with
 *   `decrypt/:name`;
 * - `POST random(/:source)(/:bytes)` and `POST hash(/:algorithm)`;
 * - `GET export/:key_type/:name(/:version)` (see `transit-key-export.ts`);
 * - `GET backup/:name` and `POST restore(/:name)` (see `transit-key-backup.ts`; both need
 *   `exportable` and `allow_plaintext_backup`);
 * - `POST keys/:name/trim` (`min_available_version`).
 *
 * Status codes follow Vault, including its 500 answers for plain (non-user) errors such as
 * backing up a key that is not exportable.
 */
import { randomBytes } from 'node:crypto';
import type { BackendContext } from './backend.js';
import { badRequest, internalError } from './errors.js';
import { boolField, intField, stringField } from './fields.js';
import { hashResponse, HASH_PATH_SUFFIX } from './hash-data.js';
import { respondData, type DataResponse, type LogicalRequest } from './logical.js';
import type { PathDefinition, PathParams } from './path-router.js';
import { randomBytesResponse, RANDOM_PATH_SUFFIX } from './random-bytes.js';
import { decodeTransitBackup, encodeTransitBackup } from './transit-key-backup.js';
import { exportTransitKey } from './transit-key-export.js';
import { decodeStdBase64, type TransitKey, TransitUserError } from './transit-keyring.js';

/** Vault's `framework.GenericNameRegex` for a named group. */
const name = (group: string): string => String.raw`(?<${group}>\w(?:[\w.-]*\w)?)`;

/**
 * The paths, to be spread into a transit backend's path list.
 * @param keys - the mount's keys by name (restore adds to it).
 * @param ctx - the backend context (read lazily, for the clock).
 */
export function transitKeyAdminPaths(keys: Map<string, TransitKey>, ctx: () => BackendContext): PathDefinition[] {
  const now = (): number => ctx().clock.now();
  return [
    { pattern: new RegExp(`^keys/${name('name')}/trim$`), operations: { update: (r, p) => trim(keys.get(p['name'] ?? ''), r) } },
    { pattern: new RegExp(`^datakey/${name('kind')}/${name('name')}$`), operations: { update: (r, p) => dataKey(keys, r, p) } },
    { pattern: new RegExp(`^${RANDOM_PATH_SUFFIX}$`), operations: { update: (r, p) => randomBytesResponse(r, p) } },
    { pattern: new RegExp(`^${HASH_PATH_SUFFIX}$`), operations: { update: (r, p) => hashResponse(r, p, { requireInput: true }) } },
    {
      pattern: new RegExp(`^export/${name('type')}/${name('name')}(?:/(?<version>.+))?$`),
      operations: { read: (_r, p) => exportTransitKey(keys.get(p['name'] ?? ''), p['type'] ?? '', p['version'] ?? '') },
    },
    { pattern: new RegExp(`^backup/${name('name')}$`), operations: { read: (_r, p) => backup(keys, p['name'] ?? '', now()) } },
    { pattern: /^restore(?:\/(?<name>.+))?$/, operations: { update: (r, p) => restore(keys, r, p['name'] ?? '', now()) } },
  ];
}

function dataKey(keys: Map<string, TransitKey>, req: LogicalRequest, params: PathParams): DataResponse {
  const kind = params['kind'];
  if (kind !== 'plaintext' && kind !== 'wrapped') throw badRequest("Invalid path, must be 'plaintext' or 'wrapped'");
  const context = decodeOptional(req, 'context');
  const nonce = decodeOptional(req, 'nonce');
  const key = keys.get(params['name'] ?? '');
  if (!key) throw badRequest('encryption key not found');
  const bits = intField(req.data, 'bits', 256);
  if (bits !== 128 && bits !== 256 && bits !== 512) throw badRequest('invalid bit length');
  const material = randomBytes(bits / 8).toString('base64');
  let sealed: { ciphertext: string; keyVersion: number };
  try {
    sealed = key.encrypt(material, context, intField(req.data, 'key_version', 0));
  } catch (error) {
    if (error instanceof TransitUserError) throw badRequest(error.message);
    throw error;
  }
  // Vault checks the nonce after encrypting and answers it as a plain (500) error.
  if (nonce && nonce.length > 0) throw internalError('provided nonce not allowed for this key');
  return respondData({
    ciphertext: sealed.ciphertext,
    key_version: sealed.keyVersion,
    ...(kind === 'plaintext' ? { plaintext: material } : {}),
  });
}

function backup(keys: Map<string, TransitKey>, keyName: string, nowMs: number): DataResponse {
  const key = keys.get(keyName);
  if (!key) throw internalError(`key ${JSON.stringify(keyName)} not found`);
  if (!key.exportable) throw internalError('exporting is disallowed on the policy');
  if (!key.allowPlaintextBackup) throw internalError('plaintext backup is disallowed on the policy');
  key.backupInfo = { timeMs: nowMs, version: key.latestVersion };
  return respondData({ backup: encodeTransitBackup(key) });
}

function restore(keys: Map<string, TransitKey>, req: LogicalRequest, urlName: string, nowMs: number): null {
  const backupText = stringField(req.data, 'backup');
  const force = boolField(req.data, 'force', false);
  if (backupText === '') throw badRequest("'backup' must be supplied");
  if (urlName.includes('/')) throw internalError('key names cannot be paths');
  const key = decodeTransitBackup(backupText, urlName);
  if (keys.has(key.name) && !force) throw internalError(`key ${JSON.stringify(key.name)} already exists`);
  key.restoreInfo = { timeMs: nowMs, version: key.latestVersion };
  keys.set(key.name, key);
  return null;
}

function trim(key: TransitKey | undefined, req: LogicalRequest): DataResponse {
  if (!key) throw badRequest('invalid key name');
  const wanted = intField(req.data, 'min_available_version');
  if (wanted === undefined) throw badRequest('missing min_available_version');
  if (wanted < key.minAvailableVersion) throw badRequest('minimum available version cannot be decremented');
  if (key.minEncryptionVersion === 0) {
    throw badRequest('minimum available version cannot be set when minimum encryption version is not set');
  }
  if (key.minDecryptionVersion === 0) {
    throw badRequest('minimum available version cannot be set when minimum decryption version is not set');
  }
  // "minmum" is Vault's own spelling.
  if (wanted > key.minEncryptionVersion) throw badRequest('minimum available version cannot be greater than minmum encryption version');
  if (wanted > key.minDecryptionVersion) throw badRequest('minimum available version cannot be greater than minimum decryption version');
  if (wanted < 0) throw badRequest('minimum available version cannot be negative');
  if (wanted === 0) throw badRequest('minimum available version should be positive');
  key.trim(wanted);
  return respondData(key.describe());
}

/** A base64 body field (`context`, `nonce`); `undefined` when absent or empty. */
function decodeOptional(req: LogicalRequest, field: 'context' | 'nonce'): Buffer | undefined {
  const text = stringField(req.data, field);
  if (text === '') return undefined;
  try {
    return decodeStdBase64(text);
  } catch {
    throw badRequest(`failed to base64-decode ${field}`);
  }
}
