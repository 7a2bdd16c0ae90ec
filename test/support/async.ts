/** Resolves after `ms` milliseconds of wall-clock time (only for real I/O such as websockets; prefer fake timers). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The outcome of a promise as a value, so a test can assert on a rejection without try/catch. */
export async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Lets promise chains settle (no timers involved). */
export async function flush(turns = 50): Promise<void> {
  for (let i = 0; i < turns; i += 1) await new Promise<void>((r) => setImmediate(r));
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Polls `cond` every 10 ms until it holds; throws after `ms` milliseconds. */
export async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${cond.toString()}`);
    await sleep(10);
  }
}
