import type { IncomingHttpHeaders } from 'node:http';
import { errors, type Dispatcher } from 'undici';
import type { AbortLike } from '../timing/deadline.js';
import type { RequestLimiter } from './request-limiter.js';
import { LARGE_BODY_BYTES, decodeBody, single, tooLarge } from './response-body.js';

/** A response read whole. */
export interface CollectedResponse {
  /** The HTTP status (never 1xx: informational answers are skipped). */
  status: number;
  /** The response headers, names lowercased; a repeated header is an array. */
  headers: IncomingHttpHeaders;
  /** The body decoded as UTF-8 (after gzip, deflate or br decompression). */
  text: string;
}

/** Options of an `AbortSignal`'s listener: run once. */
const ONCE = { once: true } as const;

/**
 * The undici dispatch handler of one request (undici's controller API: `onRequestStart`,
 * `onResponseStart`, `onResponseData`, `onResponseEnd`, `onResponseError`): it collects the
 * body's chunks and decodes them as text, without a `Readable` stream per response.
 *
 * - The body may have at most `max` bytes: a declared `content-length` over it fails before
 *   anything is read, a running total over it aborts the request.
 * - A body over {@link LARGE_BODY_BYTES} (declared, or once that much has arrived) is read only
 *   while holding a slot of `largeBodies`; the response is paused meanwhile. The slot is freed
 *   when the read ends, however it ends; a slot granted after the read failed is freed at once.
 * - `signal` (an `AbortSignal` or the client's `Deadline`) aborts the request when it fires
 *   (or fails it at once when it already has); its listener is removed when the read ends.
 */
export class ResponseCollector implements Dispatcher.DispatchHandler {
  readonly #max: number;
  readonly #largeBodies: RequestLimiter;
  readonly #signal: AbortLike | undefined;
  #onAbort: (() => void) | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #responded = false;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #total = 0;
  /** A large-body slot was asked for. */
  #waiting = false;
  /** Frees the large-body slot held. */
  #release: (() => void) | undefined;
  /** The response ended while its large-body slot was still awaited. */
  #ended = false;
  #settled = false;
  #error: unknown;
  #resolve: ((response: CollectedResponse) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;

  /**
   * @param max - most bytes the body may have (before and after decompression).
   * @param largeBodies - the slots of bodies over {@link LARGE_BODY_BYTES}.
   * @param signal - ends the request when it fires.
   */
  constructor(max: number, largeBodies: RequestLimiter, signal: AbortLike | undefined) {
    this.#max = max;
    this.#largeBodies = largeBodies;
    this.#signal = signal;
  }

  /** Whether the status and headers arrived: a failure before that is the request's or its connection's, after it the body's. */
  get responded(): boolean {
    return this.#responded;
  }

  /**
   * Sends the request through `dispatcher` (call once) and resolves with the whole response.
   *
   * @throws AxiosError `maxContentLength size of <max> exceeded` (`ERR_BAD_RESPONSE`, no `config`)
   *   when the body passes `max` bytes; the signal's `reason` (undici's `RequestAbortedError` when
   *   it has none) when it fires first; undici's error (e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`)
   *   when the request or the connection fails; zlib's error when the body does not decompress.
   */
  send(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): Promise<CollectedResponse> {
    const done = new Promise<CollectedResponse>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const signal = this.#signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.#fail(abortReason(signal));
        return done;
      }
      this.#onAbort = () => this.#abort(abortReason(signal));
      signal.addEventListener('abort', this.#onAbort, ONCE);
    }
    try {
      dispatcher.dispatch(options, this);
    } catch (error) {
      this.#fail(error);
    }
    return done;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // Failed while it waited in the pool (its signal fired): it never goes out.
    if (this.#settled) controller.abort((this.#error ?? new errors.RequestAbortedError()) as Error);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx answers are informational: the real answer follows.
    if (this.#settled || statusCode < 200) return;
    this.#controller = controller;
    this.#responded = true;
    this.#status = statusCode;
    this.#headers = headers;
    const declared = Number(single(headers['content-length']));
    if (!Number.isFinite(declared)) return;
    if (declared > this.#max) this.#abort(tooLarge(this.#max));
    else if (declared > LARGE_BODY_BYTES) this.#awaitSlot();
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    const total = (this.#total += chunk.length);
    if (total > this.#max) {
      this.#abort(tooLarge(this.#max));
      return;
    }
    this.#chunks.push(chunk);
    if (total > LARGE_BODY_BYTES && !this.#waiting) this.#awaitSlot();
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    // A large body is decoded only while it holds its slot.
    if (this.#waiting && this.#release === undefined) this.#ended = true;
    else this.#complete();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#fail(error);
  }

  /** Pauses the response until a large-body slot is granted. */
  #awaitSlot(): void {
    this.#waiting = true;
    this.#controller?.pause();
    acquire(this.#largeBodies, this.#signal).then(
      (free) => {
        if (this.#settled) return free();
        this.#release = free;
        if (this.#ended) this.#complete();
        else this.#controller?.resume();
      },
      (error: unknown) => this.#abort(error),
    );
  }

  #complete(): void {
    const chunks = this.#chunks;
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#total);
    let text: string;
    try {
      text = decodeBody(bytes, single(this.#headers['content-encoding'])?.trim().toLowerCase(), this.#max);
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#settle();
    this.#resolve?.({ status: this.#status, headers: this.#headers, text });
  }

  /** Ends the request (its connection is closed) and fails with `reason`. */
  #abort(reason: unknown): void {
    if (this.#settled) return;
    // undici reports the abort through onResponseError, which fails with the same reason.
    this.#controller?.abort(reason as Error);
    this.#fail(reason);
  }

  #fail(error: unknown): void {
    if (this.#settled) return;
    this.#error = error;
    this.#settle();
    this.#reject?.(error);
  }

  #settle(): void {
    this.#settled = true;
    this.#chunks = [];
    if (this.#onAbort !== undefined) this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#onAbort = undefined;
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
}

/** Why a signal fired: its `reason`, or undici's `RequestAbortedError` when it gives none (as `pool.request` did). */
function abortReason(signal: AbortLike): unknown {
  return signal.reason ?? new errors.RequestAbortedError();
}

/** Waits for a slot of `limiter` (or `signal`): resolves with the function that frees it. */
function acquire(limiter: RequestLimiter, signal: AbortLike | undefined): Promise<() => void> {
  return new Promise((resolve, reject) => {
    limiter
      .run(() => new Promise<void>((free) => resolve(() => free())), 'normal', signal)
      .catch((error: unknown) => reject(error as Error));
  });
}
