import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { AxiosError } from 'axios';
import type { Dispatcher } from 'undici';
import type { RequestLimiter } from './request-limiter.js';

/** A body past this many bytes (1 MiB) is large: it needs one of the adapter's large-body slots to be read on. */
export const LARGE_BODY_BYTES = 1024 * 1024;

/** Large bodies read and decoded at once, by default: the rest wait, their streams paused (Vault's answers are far smaller). */
export const LARGE_BODIES_AT_ONCE = 2;

type HeaderValue = string | string[] | undefined;

/**
 * Reads the body as UTF-8 text, failing once it passes `max` bytes (checked before reading when
 * `content-length` says so). A body over {@link LARGE_BODY_BYTES} (declared, or once that much has
 * arrived) is read only while holding a slot from `slot`: without one the stream waits, paused.
 */
export async function readBody(
  answer: Dispatcher.ResponseData,
  max: number,
  slot: (signal: AbortSignal | undefined) => Promise<() => void>,
  signal: AbortSignal | undefined,
): Promise<string> {
  const stream = answer.body;
  const declared = Number(single(answer.headers['content-length']));
  if (Number.isFinite(declared) && declared > max) {
    stream.destroy();
    throw tooLarge(max);
  }
  let release: (() => void) | undefined;
  let waiting = false;
  let finished = false;
  // A slot granted after the read ended (it failed meanwhile) is freed at once.
  const take = (): Promise<void> =>
    slot(signal).then((free) => {
      if (finished) free();
      else release = free;
    });
  try {
    if (Number.isFinite(declared) && declared > LARGE_BODY_BYTES)
      await take().catch((error: unknown) => {
        stream.destroy();
        throw error;
      });
    const chunks: Buffer[] = [];
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > max) {
          stream.destroy();
          reject(tooLarge(max));
          return;
        }
        chunks.push(chunk);
        if (total > LARGE_BODY_BYTES && release === undefined && !waiting) {
          waiting = true;
          stream.pause();
          take().then(
            () => void (finished || stream.resume()),
            (error: unknown) => {
              stream.destroy();
              reject(error as Error);
            },
          );
        }
      });
      stream.once('end', resolve);
      stream.once('error', reject);
    });
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
    chunks.length = 0;
    const encoding = single(answer.headers['content-encoding'])?.trim().toLowerCase();
    const decoded = decompress(bytes, encoding, max);
    return decoded.toString('utf8');
  } finally {
    finished = true;
    release?.();
  }
}

/** Waits for a slot of `limiter` (or `signal`): resolves with the function that frees it. */
export function acquire(limiter: RequestLimiter, signal: AbortSignal | undefined): Promise<() => void> {
  return new Promise((resolve, reject) => {
    limiter
      .run(() => new Promise<void>((free) => resolve(() => free())), 'normal', signal)
      .catch((error: unknown) => reject(error as Error));
  });
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

/** The axios error for a body past `max` bytes (axios's own wording for `maxContentLength`). */
function tooLarge(max: number): AxiosError {
  return new AxiosError(`maxContentLength size of ${max} exceeded`, AxiosError.ERR_BAD_RESPONSE);
}
