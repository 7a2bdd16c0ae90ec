import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { AxiosError } from 'axios';

/** A body past this many bytes (1 MiB) is large: it needs one of the adapter's large-body slots to be read on. */
export const LARGE_BODY_BYTES = 1024 * 1024;

/** Large bodies read and decoded at once, by default: the rest wait, their responses paused (Vault's answers are far smaller). */
export const LARGE_BODIES_AT_ONCE = 2;

type HeaderValue = string | string[] | undefined;

/**
 * The body as UTF-8 text, decompressed first when `encoding` (the `content-encoding`, trimmed
 * and lowercased) is gzip, x-gzip, deflate or br; other encodings pass as they are.
 *
 * @param bytes - the body as received.
 * @param max - most bytes the decompressed body may have.
 * @throws AxiosError `maxContentLength size of <max> exceeded` (`ERR_BAD_RESPONSE`) when the decompressed body passes `max` bytes;
 *   zlib's own error (e.g. code `Z_DATA_ERROR`) when the body is not valid for its encoding.
 */
export function decodeBody(bytes: Buffer, encoding: string | undefined, max: number): string {
  return decompress(bytes, encoding, max).toString('utf8');
}

/** Decodes a `content-encoding` (gzip, deflate, br) with the size cap; other encodings pass as they are. */
function decompress(bytes: Buffer, encoding: string | undefined, max: number): Buffer {
  if (encoding === undefined || encoding === '' || encoding === 'identity' || bytes.length === 0) return bytes;
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(bytes, { maxOutputLength: max });
    if (encoding === 'deflate') return inflateSync(bytes, { maxOutputLength: max });
    if (encoding === 'br') return brotliDecompressSync(bytes, { maxOutputLength: max });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(max);
    throw error;
  }
  return bytes;
}

/** The first value of a header. */
export function single(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The axios error for a body past `max` bytes (axios's own wording for `maxContentLength`):
 * `maxContentLength size of <max> exceeded`, code `ERR_BAD_RESPONSE`.
 */
export function tooLarge(max: number): AxiosError {
  return new AxiosError(`maxContentLength size of ${max} exceeded`, AxiosError.ERR_BAD_RESPONSE);
}
