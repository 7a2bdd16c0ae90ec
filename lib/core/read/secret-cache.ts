import { inspect } from 'node:util';
import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '../../timing/clock.js';
import { deepFreeze } from '../../util/deep-freeze.js';

/** Loads a value on a cache miss. */
export type CacheLoader<V> = () => Promise<V>;

interface InFlight<V> {
  promise: Promise<V>;
  generation: number;
}

/**
 * In-memory cache of secrets: a TTL in milliseconds and a bounded number of entries (lru-cache:
 * least recently used evicted first), plus one in-flight load per key, so 10,000 concurrent
 * misses of one key make one request. Stored values are deep-frozen, so an object handed to a
 * caller cannot be mutated into the cache.
 *
 * A load that was in flight when its key was invalidated (`delete`, `clear`) still answers its
 * own callers but is not stored, and later callers start a fresh load: a value read before a
 * rotation never lands in the cache after it. Eviction never fails a load in progress.
 *
 * `util.inspect` and `JSON.stringify` show sizes only.
 */
export class SecretCache<V extends object> {
  readonly #lru: LRUCache<string, V>;
  readonly #inFlight = new Map<string, InFlight<V>>();
  readonly #generations = new Map<string, number>();
  #epoch = 0;

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
    const generation = this.#generation(key);
    // The load leaves the in-flight map in the same handlers that store its value (no extra
    // promise per load); the entry exists before they run, as promise handlers never run at once.
    const entry: InFlight<V> = {
      generation,
      promise: loader().then(
        (value) => {
          this.#forget(key, entry);
          const frozen = deepFreeze(value);
          if (this.#generation(key) === generation) this.#lru.set(key, frozen);
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
    this.#generations.set(key, this.#generation(key) + 1);
    this.#inFlight.delete(key);
    this.#lru.delete(key);
  }

  /** The keys held or being loaded (not their values). */
  keys(): string[] {
    return [...new Set([...this.#lru.keys(), ...this.#inFlight.keys()])];
  }

  /** Drops every entry; loads in flight will not be stored. */
  clear(): void {
    this.#epoch += 1;
    this.#generations.clear();
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

  #generation(key: string): number {
    return this.#epoch * 1_000_000 + (this.#generations.get(key) ?? 0);
  }

  toJSON(): Record<string, unknown> {
    return { entries: this.#lru.size };
  }

  [inspect.custom](): string {
    return `SecretCache { entries: ${this.#lru.size} }`;
  }
}
