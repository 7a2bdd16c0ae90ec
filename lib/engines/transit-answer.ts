import { MalformedResponseError } from '../errors/malformed-response.error.js';
import type { TransitSignature } from './transit.types.js';

/**
 * Readers of the fields of transit answers. A missing or mistyped field is a MalformedResponseError
 * naming the field and the path, never quoting the value (it may be a plaintext).
 */

/** @throws MalformedResponseError when `data[field]` is not a string. */
export function stringField(data: Record<string, unknown>, field: string, path: string): string {
  const value = data[field];
  if (typeof value !== 'string') throw new MalformedResponseError(`the answer has no "${field}" string`, { path });
  return value;
}

/** Standard padded base64, as Vault writes it (`Buffer.from(..., 'base64')` would skip bad characters and return garbage). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A base64 string field decoded, e.g. a decrypted `plaintext`. @throws MalformedResponseError (never quoting the value) when it is not base64. */
export function base64Field(data: Record<string, unknown>, field: string, path: string): Buffer {
  const value = stringField(data, field, path);
  if (!BASE64.test(value)) throw new MalformedResponseError(`the answer's "${field}" is not base64`, { path });
  return Buffer.from(value, 'base64');
}

/** @throws MalformedResponseError when `data[field]` is not a boolean. */
export function booleanField(data: Record<string, unknown>, field: string, path: string): boolean {
  const value = data[field];
  if (typeof value !== 'boolean') throw new MalformedResponseError(`the answer has no "${field}" boolean`, { path });
  return value;
}

/** `vault:v3:...` → 3 (0 when absent). */
function versionOf(value: string): number {
  const match = /^vault:v(\d+):/.exec(value);
  return match ? Number(match[1]) : 0;
}

/**
 * Reads the `data` of a single (non-batch) `POST <mount>/sign/:name` answer. Vault names the public
 * key of a derived Ed25519 key `public_key` there (transit API docs; batch results spell it
 * `publickey`); `key_version` is absent from older Vaults, so the version is then read from the
 * signature's `vault:v<N>:` prefix.
 * @throws MalformedResponseError when the answer has no `signature` string.
 */
export function signatureAnswer(data: Record<string, unknown>, path: string): TransitSignature {
  const signature = stringField(data, 'signature', path);
  const keyVersion = typeof data['key_version'] === 'number' ? data['key_version'] : versionOf(signature);
  const publicKey = typeof data['public_key'] === 'string' && data['public_key'] !== '' ? data['public_key'] : undefined;
  return { signature, keyVersion, ...(publicKey === undefined ? {} : { publicKey }) };
}
