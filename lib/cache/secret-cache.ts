import { inspect } from 'node:util';
import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '../util/clock.js';
import { deepFreeze } from '../util/deep-freeze.js';

/** Loads a value on a cache miss. */
export type CacheLoader<V> = () => Promise<V>;

/**
 * In-memory cache of secrets (lru-cache underneath): a TTL in milliseconds, a bounded number of
 * entries (least recently used evicted first), and one in-flight load per key: 10,000
 * concurrent misses of one key make one request. Stored values are deep-frozen, so an object
 * handed to a caller cannot be mutated into the cache.
 *
 * `util.inspect` and `JSON.stringify` show sizes only, never keys' values.
 */
export class SecretCache<V extends object> {
  readonly #lru: LRUCache<string, V, CacheLoader<V>>;

  /**
   * @param options.ttlMs - entry lifetime in milliseconds.
   * @param options.maxEntries - most entries kept.
   * @param options.clock - time source (milliseconds).
   */
  constructor(options: { ttlMs: number; maxEntries: number; clock?: Clock }) {
    const clock = options.clock ?? systemClock;
    this.#lru = new LRUCache<string, V, CacheLoader<V>>({
      max: options.maxEntries,
      ttl: options.ttlMs,
      ttlAutopurge: false,
      // Read the clock on every check: no internal timer caching 'now' (which would also disturb fake-timer tests).
      ttlResolution: 0,
      perf: { now: () => clock.now() },
      fetchMethod: async (_key, _stale, { context }) => deepFreeze(await context()),
    });
  }

  /**
   * Returns the fresh cached value for `key`, or loads it with `loader` (sharing the load with
   * every concurrent caller of the same key) and caches the result. A failed load is not cached.
   *
   * @param forceRefresh - ignore a fresh entry and load again (still one load per key at a time).
   */
  async get(key: string, loader: CacheLoader<V>, forceRefresh = false): Promise<V> {
    const value = await this.#lru.fetch(key, { context: loader, forceRefresh });
    // fetchMethod never resolves undefined here; the guard keeps the types honest.
    if (value === undefined) return loader();
    return value;
  }

  /** The fresh cached value, if any; no load. */
  peek(key: string): V | undefined {
    return this.#lru.get(key);
  }

  /** Stores a value directly (deep-frozen). */
  set(key: string, value: V): void {
    this.#lru.set(key, deepFreeze(value));
  }

  /** Drops one entry. */
  delete(key: string): void {
    this.#lru.delete(key);
  }

  /** The keys held (not their values). */
  keys(): string[] {
    return [...this.#lru.keys()];
  }

  /** Drops every entry. */
  clear(): void {
    this.#lru.clear();
  }

  /** Number of entries held. */
  get size(): number {
    return this.#lru.size;
  }

  toJSON(): Record<string, unknown> {
    return { entries: this.#lru.size };
  }

  [inspect.custom](): string {
    return `SecretCache { entries: ${this.#lru.size} }`;
  }
}
