import type { RequestPriority } from '../contracts/vault-request.js';
import { inspect } from 'node:util';
import type { AbortLike } from '../timing/deadline.js';

interface Waiter {
  start: () => void;
  cancelled: boolean;
}

/** A first-in first-out queue with O(1) push and shift. */
class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head += 1;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

/**
 * Caps how many tasks run at once (`limit`); the others wait in two first-in first-out queues,
 * `high` before `normal`. A waiting task whose `AbortSignal` fires leaves the queue and rejects
 * with the signal's reason without ever running. Works the same under ESM and CommonJS (it
 * replaces `p-limit`, which is ESM-only).
 */
export class RequestLimiter {
  readonly #limit: number;
  readonly #high = new Fifo<Waiter>();
  readonly #normal = new Fifo<Waiter>();
  #active = 0;
  #queued = 0;

  /** @param limit - most tasks running at once (≥ 1). */
  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number ≥ 1, got ${String(limit)}`);
    this.#limit = limit;
  }

  /** Most tasks running at once. */
  get limit(): number {
    return this.#limit;
  }

  /** Tasks running now. */
  get active(): number {
    return this.#active;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.#queued;
  }

  /**
   * Runs `task` as soon as a slot is free (at once when one is) and settles as it settles.
   * @param priority - `high` tasks start before any waiting `normal` task.
   * @param signal - an `AbortSignal` or a `Deadline`: abandons the wait when it fires first (rejects with `signal.reason`).
   */
  run<T>(task: () => Promise<T>, priority: RequestPriority = 'normal', signal?: AbortLike): Promise<T> {
    if (this.#active < this.#limit) return this.#start(task);
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        waiter.cancelled = true;
        this.#queued -= 1;
        reject(signal?.reason as Error);
      };
      const waiter: Waiter = {
        cancelled: false,
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          this.#start(task).then(resolve, reject);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      (priority === 'high' ? this.#high : this.#normal).push(waiter);
      this.#queued += 1;
    });
  }

  #start<T>(task: () => Promise<T>): Promise<T> {
    this.#active += 1;
    let promise: Promise<T>;
    try {
      promise = task();
    } catch (error) {
      promise = Promise.reject(error as Error);
    }
    // Shared handlers instead of `finally`: one derived promise and no closure per task.
    return promise.then(this.#released, this.#releasedWithError) as Promise<T>;
  }

  /** Frees the slot of a task that resolved and passes its value on. */
  readonly #released = <T>(value: T): T => {
    this.#active -= 1;
    this.#next();
    return value;
  };

  /** Frees the slot of a task that failed and passes its error on. */
  readonly #releasedWithError = (error: unknown): never => {
    this.#active -= 1;
    this.#next();
    throw error;
  };

  #next(): void {
    while (this.#active < this.#limit) {
      const waiter = this.#high.shift() ?? this.#normal.shift();
      if (waiter === undefined) return;
      if (waiter.cancelled) continue;
      this.#queued -= 1;
      waiter.start();
    }
  }

  toJSON(): Record<string, unknown> {
    return { limit: this.#limit, active: this.#active, queued: this.#queued };
  }

  [inspect.custom](): string {
    return `RequestLimiter { limit: ${this.#limit}, active: ${this.#active}, queued: ${this.#queued} }`;
  }
}
