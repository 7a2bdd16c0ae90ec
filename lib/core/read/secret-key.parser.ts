import { inspect } from 'node:util';
import { splitSecretKey } from '../../transport/vault-path.js';

/** A checked secret key: its segments and the cache key of its latest version. Frozen, shared by every read of the key. */
export interface ParsedSecretKey {
  /** The key's `/`-separated segments, e.g. `['kafka', 'producer']`. */
  readonly segments: readonly string[];
  /** The key as a path, e.g. `kafka/producer`. */
  readonly path: string;
  /** Cache key of the latest version, e.g. `kafka/producer@latest`. */
  readonly latestCacheKey: string;
}

/** Distinct keys remembered by default. */
export const SECRET_KEY_MEMO_SIZE = 10_000;

/**
 * Checks and splits secret keys once per distinct key string (`splitSecretKey`), then answers
 * from a memo: a warm read of a known key allocates nothing here. The memo is bounded: past
 * `maxKeys` distinct keys the oldest one is forgotten (and parsed again when next used). Invalid
 * keys are never remembered.
 */
export class SecretKeyParser {
  readonly #memo = new Map<string, ParsedSecretKey>();
  readonly #maxKeys: number;

  /** @param maxKeys - most distinct keys remembered (≥ 1). */
  constructor(maxKeys = SECRET_KEY_MEMO_SIZE) {
    this.#maxKeys = Math.max(1, Math.floor(maxKeys));
  }

  /**
   * The parsed form of `key`.
   * @throws InvalidSecretKeyError when `key` is not a clean relative path (not a string, empty,
   *   `..`, empty segments, control characters).
   */
  parse(key: string): ParsedSecretKey {
    const known = this.#memo.get(key);
    if (known !== undefined) return known;
    const segments = Object.freeze(splitSecretKey(key));
    const path = segments.join('/');
    const parsed: ParsedSecretKey = Object.freeze({ segments, path, latestCacheKey: `${path}@latest` });
    if (this.#memo.size >= this.#maxKeys) {
      const oldest = this.#memo.keys().next();
      if (oldest.done !== true) this.#memo.delete(oldest.value);
    }
    this.#memo.set(key, parsed);
    return parsed;
  }

  /** The parsed form of `key` when it is remembered (it was checked then); `undefined` otherwise. Never throws. */
  known(key: string): ParsedSecretKey | undefined {
    return this.#memo.get(key);
  }

  /** Number of keys remembered. */
  get size(): number {
    return this.#memo.size;
  }

  toJSON(): Record<string, unknown> {
    return { keys: this.#memo.size };
  }

  [inspect.custom](): string {
    return `SecretKeyParser { keys: ${this.#memo.size} }`;
  }
}
