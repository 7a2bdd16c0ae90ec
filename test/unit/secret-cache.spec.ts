/**
 * SecretCache (lib/core/read/secret-cache.ts): one load per key however many callers miss at once,
 * and a load never stores a value older than what the cache already knows: not after the key was
 * invalidated, and not over the answer of a refresh that started after it.
 */
import { describe, expect, it } from 'vitest';
import { SecretCache } from '../../lib/core/read/secret-cache.js';

interface Value {
  v: string;
}

/** A load the test settles by hand. */
function deferred(): { promise: Promise<Value>; resolve: (v: string) => void; reject: (e: Error) => void; calls: number } {
  let resolve!: (v: string) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<Value>((res, rej) => {
    resolve = (v) => res({ v });
    reject = rej;
  });
  return { promise, resolve, reject, calls: 0 };
}

const newCache = (): SecretCache<Value> => new SecretCache<Value>({ ttlMs: 60_000, maxEntries: 100 });

describe('SecretCache loads', () => {
  it('10,000 concurrent misses make one load; every caller gets the same frozen value; nothing stays in flight', async () => {
    const cache = newCache();
    const load = deferred();
    let loads = 0;
    const loader = (): Promise<Value> => {
      loads += 1;
      return load.promise;
    };
    const waiting = Array.from({ length: 10_000 }, () => cache.get('k', loader));
    load.resolve('one');
    const values = await Promise.all(waiting);
    expect(loads).toBe(1);
    expect(new Set(values).size).toBe(1);
    expect(Object.isFrozen(values[0])).toBe(true);
    expect(cache.keys()).toEqual(['k']);
    expect(cache.peek('k')).toBe(values[0]);
  });

  it('a key invalidated (delete or clear) during its load: the callers get the value, the cache does not keep it, the next miss loads again', async () => {
    for (const drop of ['delete', 'clear'] as const) {
      const cache = newCache();
      const first = deferred();
      const pending = cache.get('k', () => first.promise);
      if (drop === 'delete') cache.delete('k');
      else cache.clear();
      const second = deferred();
      const next = cache.get('k', () => second.promise);
      first.resolve('before');
      expect((await pending).v, drop).toBe('before');
      expect(cache.peek('k'), drop).toBeUndefined();
      second.resolve('after');
      expect((await next).v, drop).toBe('after');
      expect(cache.peek('k')?.v, drop).toBe('after');
    }
  });

  it('a load started before a refresh and answering after it does not replace the refreshed value', async () => {
    const cache = newCache();
    const old = deferred();
    const oldRead = cache.get('k', () => old.promise);
    const fresh = deferred();
    const refreshed = cache.get('k', () => fresh.promise, true);
    fresh.resolve('new');
    expect((await refreshed).v).toBe('new');
    old.resolve('old');
    expect((await oldRead).v).toBe('old');
    expect(cache.peek('k')?.v).toBe('new');
    // And a caller after both gets the refreshed value, not a new load.
    expect((await cache.get('k', () => Promise.reject(new Error('no load expected')))).v).toBe('new');
  });

  it('a failed load is not cached and leaves nothing in flight', async () => {
    const cache = newCache();
    await expect(cache.get('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(cache.keys()).toEqual([]);
    expect((await cache.get('k', () => Promise.resolve({ v: 'up' }))).v).toBe('up');
  });

  it('a loader that throws synchronously fails the returned promise (get never throws) and leaves nothing in flight', async () => {
    const cache = newCache();
    let outcome: Promise<Value> | undefined;
    expect(() => {
      outcome = cache.get('k', () => {
        throw new Error('sync');
      });
    }).not.toThrow();
    await expect(outcome).rejects.toThrow('sync');
    expect(cache.keys()).toEqual([]);
    expect((await cache.get('k', () => Promise.resolve({ v: 'ok' }))).v).toBe('ok');
  });
});
