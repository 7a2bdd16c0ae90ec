import { inspect } from 'node:util';
import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '../../timing/clock.js';
import { deepFreeze } from '../../util/deep-freeze.js';

/** Loads a value on a cache miss. */
export type CacheLoader<V> = () => Promise<V>;

interface InFlight<V> {
  promise: Promise<V>;
  /** The key was invalidated or refreshed since this load started: its value is not stored. */
  stale: boolean;
}

/**
 * In-memory cache of secrets: a TTL in milliseconds and a bounded number of entries (lru-cache:
 * least recently used evicted first), plus one in-flight load per key, so 10,000 concurrent
 * misses of one key make one request. Stored values are deep-frozen, so an object handed to a
 * caller cannot be mutated into the cache.
 *
 * A load that was in flight when its key was invalidated (`delete`, `clear`) or refreshed still
 * answers its own callers but is not stored, and later callers start a fresh load (or share the
 * refresh): a value read before a rotation, or before a refresh, never lands in the cache after
 * it. Eviction never fails a load in progress.
 *
 * `util.inspect` and `JSON.stringify` show sizes only.
 */
export class SecretCache<V extends object> {
  readonly #lru: LRUCache<string, V>;
  readonly #inFlight = new Map<string, InFlight<V>>();

  /**
   * @param options.ttlMs - entry lifetime in milliseconds.
   * @param options.maxEntries - most entries kept.
   * @param options.clock - time source (milliseconds).
   */
  constructor(options: { ttlMs: number; maxEntries: number; clock?: Clock }) {
    const clock = options.clock ?? systemClock;
    this.#lru = new LRUCache<string, V>({
      max: options.maxEntries,
      ttl: options.ttlMs,
      ttlAutopurge: false,
      // Read the clock on every check: no internal timer caching 'now' (which would also disturb fake-timer tests).
      ttlResolution: 0,
      perf: { now: () => clock.now() },
    });
  }

  /**
   * Returns the fresh cached value for `key`, or loads it with `loader` (sharing the load with
   * every concurrent caller of the same key) and caches the result. A failed load is not cached.
   *
   * @param forceRefresh - ignore a fresh entry and any load already in flight; start a new load.
   */
  get(key: string, loader: CacheLoader<V>, forceRefresh = false): Promise<V> {
    if (!forceRefresh) {
      const cached = this.#lru.get(key);
      if (cached !== undefined) return Promise.resolve(cached);
      const pending = this.#inFlight.get(key);
      if (pending) return pending.promise;
    }
    let loading: Promise<V>;
    try {
      loading = loader();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    // A refresh supersedes the load in flight: that one answers its callers but stores nothing.
    this.#drop(key);
    // The load leaves the in-flight map in the same handlers that store its value (no extra
    // promise per load); the entry exists before they run, as promise handlers never run at once.
    const entry: InFlight<V> = {
      stale: false,
      promise: loading.then(
        (value) => {
          this.#forget(key, entry);
          const frozen = deepFreeze(value);
          if (!entry.stale) this.#lru.set(key, frozen);
          return frozen;
        },
        (error: unknown) => {
          this.#forget(key, entry);
          throw error;
        },
      ),
    };
    this.#inFlight.set(key, entry);
    return entry.promise;
  }

  /** The fresh cached value, if any; no load. */
  peek(key: string): V | undefined {
    return this.#lru.get(key);
  }

  /** Stores a value directly (deep-frozen). */
  set(key: string, value: V): void {
    this.#lru.set(key, deepFreeze(value));
  }

  /** Drops one entry; a load of it in flight will not be stored. */
  delete(key: string): void {
    this.#drop(key);
    this.#lru.delete(key);
  }

  /** The keys held or being loaded (not their values). */
  keys(): string[] {
    return [...new Set([...this.#lru.keys(), ...this.#inFlight.keys()])];
  }

  /** Drops every entry; loads in flight will not be stored. */
  clear(): void {
    for (const entry of this.#inFlight.values()) entry.stale = true;
    this.#inFlight.clear();
    this.#lru.clear();
  }

  /** Number of entries held. */
  get size(): number {
    return this.#lru.size;
  }

  /** Drops `entry` from the in-flight map unless a later load of `key` replaced it. */
  #forget(key: string, entry: InFlight<V>): void {
    if (this.#inFlight.get(key) === entry) this.#inFlight.delete(key);
  }

  /** Takes the load of `key` in flight, if any, out of the map: it will not store its value. */
  #drop(key: string): void {
    const entry = this.#inFlight.get(key);
    if (entry === undefined) return;
    entry.stale = true;
    this.#inFlight.delete(key);
  }

  toJSON(): Record<string, unknown> {
    return { entries: this.#lru.size };
  }

  [inspect.custom](): string {
    return `SecretCache { entries: ${this.#lru.size} }`;
  }
}
