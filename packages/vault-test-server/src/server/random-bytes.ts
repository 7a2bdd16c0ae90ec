/**
 * Random bytes, shared by `POST transit/random(/:source)(/:bytes)` and
 * `POST sys/tools/random(/:source)(/:bytes)` (Vault's `helper/random.HandleRandomAPI`):
 * `bytes` (default 32, at most 128 KiB), `format` (`base64` or `hex`) and the entropy `source`
 * (`platform`, `seal` or `all`; this server has no seal entropy, so `seal` answers platform
 * bytes with Vault's warning). Bytes come from `node:crypto`.
 *
 * The URL decides like Vault does: one segment is a source when it names one, else a byte
 * count; two segments are source then byte count.
 */
import { randomBytes } from 'node:crypto';
import { badRequest } from './errors.js';
import { intField, stringField } from './fields.js';
import { respondData, type DataResponse, type LogicalRequest } from './logical.js';
import type { PathParams } from './path-router.js';

/** `random(/:source)(/:bytes)` after a mount-specific prefix; groups `source` and `urlbytes`. */
export const RANDOM_PATH_SUFFIX = String.raw`random(?:/(?<source>\w(?:[\w.-]*\w)?))?(?:/(?<urlbytes>.+))?`;

/** Vault's `APIMaxBytes` (128 KiB). */
const MAX_BYTES = 128 * 1024;
const SOURCES = ['', 'platform', 'seal', 'all'];

/**
 * Answers a random-bytes request: `{ random_bytes }`.
 * @throws VaultError 400 with Vault's texts (byte count, format, source).
 */
export function randomBytesResponse(req: LogicalRequest, params: PathParams): DataResponse {
  const urlSource = params['source'] ?? '';
  const urlBytes = params['urlbytes'] ?? '';
  let source = 'platform';
  let bytes: number;
  if (urlSource === '') {
    bytes = intField(req.data, 'bytes', 32);
  } else if (urlBytes === '' && SOURCES.includes(urlSource)) {
    source = urlSource;
    bytes = intField(req.data, 'bytes', 32);
  } else if (urlBytes === '') {
    bytes = atoi(urlSource);
  } else {
    source = urlSource;
    bytes = atoi(urlBytes);
  }
  const format = stringField(req.data, 'format', 'base64');
  if (bytes < 1) throw badRequest('"bytes" cannot be less than 1');
  if (bytes > MAX_BYTES) throw badRequest(`"bytes" should be less than ${MAX_BYTES}`);
  if (format !== 'hex' && format !== 'base64')
    throw badRequest(`unsupported encoding format ${JSON.stringify(format)}; must be "hex" or "base64"`);
  if (!SOURCES.includes(source)) {
    throw badRequest(`unsupported entropy source ${JSON.stringify(source)}; must be "platform" or "seal", or "all"`);
  }
  const random = randomBytes(bytes);
  const warnings = source === 'seal' ? ['no seal/entropy augmentation available, using platform entropy source'] : [];
  return respondData({ random_bytes: random.toString(format) }, warnings.length > 0 ? { warnings } : {});
}

/** Go `strconv.Atoi`, with its error text. */
function atoi(text: string): number {
  if (!/^[-+]?\d+$/.test(text))
    throw badRequest(`error parsing url-set byte count: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  return Number.parseInt(text, 10);
}
