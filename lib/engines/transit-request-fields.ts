import { InvalidRequestError } from '../errors/invalid-request.error.js';
import type { TransitEncryptItem, TransitInput, TransitSignOptions } from './transit.types.js';

/**
 * Builders of the JSON fields of transit requests. Each checks its argument and throws
 * InvalidRequestError naming the argument, never quoting its value (plaintexts and contexts are data).
 */

/** Base64 of a Buffer/Uint8Array or of a string's UTF-8 bytes. @throws InvalidRequestError naming the argument, never its value. */
export function toBase64(value: unknown, argument: string): string {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  throw new InvalidRequestError(argument, `expected a Buffer, a Uint8Array or a string, got ${value === null ? 'null' : typeof value}`);
}

/** `{ context: <base64> }`, or `{}` when no context is given. */
export function contextField(context: unknown, argument = 'context'): { context?: string } {
  return context === undefined ? {} : { context: toBase64(context, argument) };
}

/** `{ key_version }`, or `{}` when none is given. @throws InvalidRequestError unless a whole number ≥ 0. */
export function versionField(version: unknown, argument = 'keyVersion'): { key_version?: number } {
  if (version === undefined) return {};
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    throw new InvalidRequestError(
      argument,
      `expected a whole number ≥ 0 (0 = latest), got ${typeof version === 'number' ? String(version) : typeof version}`,
    );
  }
  return { key_version: version };
}

const HASH_ALGORITHMS = new Set(['sha1', 'sha2-224', 'sha2-256', 'sha2-384', 'sha2-512', 'sha3-224', 'sha3-256', 'sha3-384', 'sha3-512']);

/** `{ [field]: algorithm }` (Vault's `algorithm` for hmac, `hash_algorithm` for sign/verify), or `{}`. */
export function hashField(field: 'algorithm' | 'hash_algorithm', algorithm: unknown): Record<string, string> {
  if (algorithm === undefined) return {};
  if (typeof algorithm !== 'string' || !HASH_ALGORITHMS.has(algorithm)) {
    throw new InvalidRequestError('algorithm', `expected one of ${[...HASH_ALGORITHMS].join(', ')}`);
  }
  return { [field]: algorithm };
}

/** The sign/verify fields: `hash_algorithm`, `context`, `signature_algorithm`, `marshaling_algorithm`, `prehashed`. */
export function signingFields(options: TransitSignOptions): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...hashField('hash_algorithm', options.hashAlgorithm), ...contextField(options.context) };
  if (options.signatureAlgorithm !== undefined) {
    if (options.signatureAlgorithm !== 'pss' && options.signatureAlgorithm !== 'pkcs1v15') {
      throw new InvalidRequestError('signatureAlgorithm', 'expected "pss" or "pkcs1v15"');
    }
    fields['signature_algorithm'] = options.signatureAlgorithm;
  }
  if (options.marshalingAlgorithm !== undefined) {
    if (options.marshalingAlgorithm !== 'asn1' && options.marshalingAlgorithm !== 'jws') {
      throw new InvalidRequestError('marshalingAlgorithm', 'expected "asn1" or "jws"');
    }
    fields['marshaling_algorithm'] = options.marshalingAlgorithm;
  }
  if (options.prehashed !== undefined) fields['prehashed'] = options.prehashed === true;
  return fields;
}

/** A ciphertext, signature or HMAC must be a non-empty string; its content is Vault's to judge (and never quoted). */
export function checkCiphertext(value: unknown, argument: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidRequestError(
      argument,
      `expected a non-empty "vault:v<N>:..." string, got ${value === '' ? 'an empty string' : value === null ? 'null' : typeof value}`,
    );
  }
  return value;
}

/** @throws InvalidRequestError unless `items` is a non-empty array. */
export function checkBatch<T>(items: unknown): readonly T[] {
  if (!Array.isArray(items) || items.length === 0) throw new InvalidRequestError('items', 'expected a non-empty array');
  return items as readonly T[];
}

/** Whether an `encryptBatch` item is the object form `{ plaintext, context?, keyVersion? }`. */
export function isEncryptItem(item: TransitInput | TransitEncryptItem): item is TransitEncryptItem {
  return typeof item === 'object' && !(item instanceof Uint8Array) && item !== null;
}
