import { clearTimeout as realClearTimeout, setImmediate as realSetImmediate, setTimeout as realSetTimeout } from 'node:timers';

// Captured when this module loads, before any spec fakes timers: `vi.useFakeTimers()` replaces the
// globals, not these references, so the helpers below keep working (and never move a fake clock).
const realNow = performance.now.bind(performance);
const nextTurn = (): Promise<void> => new Promise((resolve) => realSetImmediate(resolve));

/**
 * The one wait helper: resolves as soon as `condition()` holds. It checks after every turn of the
 * event loop for the first 20,000 turns (promise chains and in-process I/O such as a round trip to
 * the test server settle there; FakeTime's idle wait relies on this being quick), then every 2 ms of
 * real time (a websocket upgrade, a PostgreSQL query).
 * It never advances fake timers. Throws after `timeoutMs` milliseconds of real time (default 5,000),
 * naming the condition.
 */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = realNow() + timeoutMs;
  for (let turn = 0; !condition(); turn += 1) {
    if (realNow() > deadline) throw new Error(`condition not met after ${timeoutMs} ms: ${condition.toString()}`);
    await (turn < 20_000 ? nextTurn() : new Promise<void>((resolve) => realSetTimeout(resolve, 2)));
  }
}

/**
 * Resolves after `ms` milliseconds of real time. Only for the few waits that are the behaviour under
 * test (each use says why in a comment); prefer `until`, an event or the fake clock.
 */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => realSetTimeout(resolve, ms));

/** The outcome of a promise as a value, so a test can assert on a rejection without try/catch. */
export async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Lets promise chains settle: `turns` turns of the event loop (no timers involved). */
export async function flush(turns = 50): Promise<void> {
  for (let i = 0; i < turns; i += 1) await nextTurn();
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

/** A promise with its resolve and reject functions, for a test to settle when it chooses. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Waits for `promise` (resolved by the event the test waits for) for at most `timeoutMs`
 * milliseconds of real time, then throws naming `what`. Fake timers do not move it.
 */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof realSetTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = realSetTimeout(() => reject(new Error(`not within ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    realClearTimeout(timer);
  }
}
