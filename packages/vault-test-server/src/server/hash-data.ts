/**
 * Hash sums, shared by `POST transit/hash(/:algorithm)` and `POST sys/tools/hash(/:algorithm)`
 * (Vault's `pathHashWrite`): base64 `input`, `algorithm` (`sha2-224/256/384/512`,
 * `sha3-224/256/384/512`; default `sha2-256`; the URL wins) and `format` (`hex`, the default,
 * or `base64`), computed with `node:crypto`.
 */
import { createHash } from 'node:crypto';
import { badRequest } from './errors.js';
import { stringField } from './fields.js';
import { respondData, type DataResponse, type LogicalRequest } from './logical.js';
import type { PathParams } from './path-router.js';
import { decodeStdBase64 } from './transit-keyring.js';

/** `hash(/:algorithm)` after a mount-specific prefix; group `urlalgorithm`. */
export const HASH_PATH_SUFFIX = String.raw`hash(?:/(?<urlalgorithm>.+))?`;

const ALGORITHMS: Readonly<Record<string, string>> = {
  'sha2-224': 'sha224',
  'sha2-256': 'sha256',
  'sha2-384': 'sha384',
  'sha2-512': 'sha512',
  'sha3-224': 'sha3-224',
  'sha3-256': 'sha3-256',
  'sha3-384': 'sha3-384',
  'sha3-512': 'sha3-512',
};

/** Options of {@link hashResponse}. */
export interface HashOptions {
  /** Transit refuses a request without `input` (`input missing`); `sys/tools/hash` hashes `""`. */
  readonly requireInput: boolean;
}

/**
 * Answers a hash request: `{ sum }`.
 * @throws VaultError 400 with Vault's texts (missing or undecodable input, format, algorithm).
 */
export function hashResponse(req: LogicalRequest, params: PathParams, options: HashOptions): DataResponse {
  if (options.requireInput && (req.data['input'] === undefined || req.data['input'] === null)) throw badRequest('input missing');
  const format = stringField(req.data, 'format', 'hex');
  const algorithm = params['urlalgorithm'] || stringField(req.data, 'algorithm', 'sha2-256');
  let input: Buffer;
  try {
    input = decodeStdBase64(stringField(req.data, 'input'));
  } catch (error) {
    throw badRequest(`unable to decode input as base64: ${(error as Error).message}`);
  }
  if (format !== 'hex' && format !== 'base64') throw badRequest(`unsupported encoding format ${format}; must be "hex" or "base64"`);
  const digest = Object.hasOwn(ALGORITHMS, algorithm) ? ALGORITHMS[algorithm] : undefined;
  if (digest === undefined) throw badRequest(`unsupported algorithm ${algorithm}`);
  return respondData({ sum: createHash(digest).update(input).digest(format) });
}
