import { clearTimeout, setTimeout } from 'node:timers';

/** What a deadline offers to code that waits on it: the shape undici, axios and the request limiter read from an `AbortSignal`. */
export interface AbortLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * One call's deadline, in milliseconds from its creation: `aborted` turns true and the `abort`
 * listeners run once `timeoutMs` has passed, unless {@link clear} was called first. A cheaper
 * stand-in for `AbortSignal.timeout` on the request path (no `EventTarget`, no weak reference
 * for the garbage collector; the unref'd timer from `node:timers` is cancelled as soon as the
 * call settles, so it never holds the process open). {@link signal} gives a real `AbortSignal`
 * for APIs that need one, created only when asked for.
 */
export class Deadline implements AbortLike {
  #aborted = false;
  #reason: unknown = undefined;
  #listeners: Array<() => void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #signal: AbortSignal | undefined;

  /** @param timeoutMs - time allowed, in milliseconds. */
  constructor(readonly timeoutMs: number) {
    this.#timer = setTimeout(() => this.#fire(), timeoutMs);
    this.#timer.unref();
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  /** A `TimeoutError` `DOMException` once fired (as `AbortSignal.timeout` gives), else undefined. */
  get reason(): unknown {
    return this.#reason;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.#aborted) return;
    (this.#listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.#listeners;
    if (listeners === undefined) return;
    const at = listeners.lastIndexOf(listener);
    if (at >= 0) listeners.splice(at, 1);
  }

  /** A real `AbortSignal` that aborts with this deadline (created on first use). */
  get signal(): AbortSignal {
    if (this.#signal === undefined) {
      const controller = new AbortController();
      if (this.#aborted) controller.abort(this.#reason);
      else this.addEventListener('abort', () => controller.abort(this.#reason));
      this.#signal = controller.signal;
    }
    return this.#signal;
  }

  /** Cancels the timer: the deadline never fires (call it once the call has settled). */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#aborted = true;
    this.#reason = new DOMException(`no answer within ${this.timeoutMs} ms`, 'TimeoutError');
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }
}
