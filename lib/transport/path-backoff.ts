import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import { backoffDelayMs } from '../timing/backoff.js';

/** First back-off of a path that answered 429 without `Retry-After`, in milliseconds (jittered to 50-100 %). */
export const PATH_BACKOFF_MIN_MS = 1000;
/** Longest back-off of a path that answered 429, in milliseconds (also the cap on its `Retry-After`). */
export const PATH_BACKOFF_MAX_MS = 30_000;
/** Most paths remembered as backed off; the oldest are forgotten beyond it. */
const MAX_TRACKED_PATHS = 1000;

interface BackedOff {
  /** Consecutive 429s of this path. */
  strikes: number;
  /** Until when calls to this path are refused, ms since the epoch. */
  until: number;
}

/**
 * Per-path back-off after a 429 (a rate-limit quota on one path,
 * https://developer.hashicorp.com/vault/api-docs/system/rate-limit-quotas): a path that answered
 * 429 is not called again until its `Retry-After` (seconds, capped at 30 s) or, without one,
 * 1 s doubling to 30 s with jitter; a success of the path clears it. Other paths, of the same
 * mount too, are not affected. Sends nothing itself.
 */
export class PathBackoff {
  readonly #paths = new Map<string, BackedOff>();

  /**
   * @param now - the clock, in ms since the epoch.
   * @param random - jitter source in [0, 1).
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Refuses a call to a backed-off path before anything is sent.
   * @param path - the API path without `/v1/`.
   * @throws VaultUnavailableError with kind `path-backoff`, `status` 429 and `retryAfterSeconds`,
   *   naming the path and the time it is called again.
   */
  check(path: string): void {
    const entry = this.#paths.get(path);
    if (!entry) return;
    const now = this.now();
    if (now >= entry.until) return;
    throw new VaultUnavailableError(
      `this path answered 429 (rate limited) and is backed off: no request sent, it is called again at ${new Date(entry.until).toISOString()}`,
      { path, status: 429, kind: 'path-backoff', retryAfterSeconds: Math.ceil((entry.until - now) / 1000) },
    );
  }

  /**
   * Backs `path` off after a 429.
   * @param retryAfterSeconds - Vault's `Retry-After`, in seconds, when it sent one (held to 1-30 s).
   * @returns when the path is called again, ms since the epoch.
   */
  rateLimited(path: string, retryAfterSeconds?: number): number {
    const strikes = (this.#paths.get(path)?.strikes ?? 0) + 1;
    // A Retry-After of 0 would let every call through again at once: at least the first step.
    const delayMs =
      retryAfterSeconds !== undefined
        ? Math.min(Math.max(retryAfterSeconds * 1000, PATH_BACKOFF_MIN_MS), PATH_BACKOFF_MAX_MS)
        : backoffDelayMs(strikes - 1, this.random, PATH_BACKOFF_MIN_MS, PATH_BACKOFF_MAX_MS);
    const until = this.now() + delayMs;
    this.#paths.delete(path);
    if (this.#paths.size >= MAX_TRACKED_PATHS) this.#paths.delete(this.#paths.keys().next().value as string);
    this.#paths.set(path, { strikes, until });
    return until;
  }

  /** The path answered: its back-off (and its count of 429s) is cleared. */
  succeeded(path: string): void {
    if (this.#paths.size > 0) this.#paths.delete(path);
  }
}
