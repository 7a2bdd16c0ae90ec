/**
 * The supervisor's schedules. Probes of Vault (cheap, unauthenticated `sys/health`) follow
 * {@link probeDelayMs}: 1 s doubling to a 30 s cap. Logins that Vault refused follow the long
 * login windows below: exponential windows with full jitter, after Vault Agent's
 * auto-auth (`command/agentproxyshared/auth/auth.go`: about 1 s doubling up to 5 min).
 *
 * Attempt `n` owns the window `[start(n), start(n) + width(n))`, where `width(n) = min(maxMs,
 * minMs · 2^n)` and windows follow each other. The attempt lands at a uniformly random point of
 * its window (full jitter: replicas that failed together spread over the whole window), and the
 * next window begins where this one ends. So the number of attempts in any period is bounded
 * whatever the random draws (one per window: at most 14 in 30 minutes with the defaults), unlike
 * plain full jitter, where unlucky draws retry almost at once. All values in milliseconds.
 */

/** First window, in milliseconds. */
export const BACKOFF_MIN_MS = 1000;
/** Widest window, in milliseconds (5 minutes, Vault Agent's default `max_backoff`). */
export const BACKOFF_MAX_MS = 300_000;

/** First probe delay while degraded, in milliseconds (jittered to 50-100 %). */
export const PROBE_MIN_MS = 1000;
/** Cap of the probe delay while degraded, in milliseconds, whatever the outage length (jittered to 50-100 %). */
export const PROBE_MAX_MS = 30_000;
/** Least time between two probes a read (or a path fault) may trigger early, in milliseconds. */
export const EARLY_PROBE_MIN_INTERVAL_MS = 2000;

/**
 * Delay before probe `attempt` (0 for the first after the module degraded), in milliseconds:
 * `PROBE_MIN_MS` doubling to `PROBE_MAX_MS`, equal jitter (50-100 % of the step) so replicas
 * spread. Never more than `PROBE_MAX_MS`: a Vault that returns is probed within 30 s.
 * @param random - a number in [0, 1) (injected so tests are deterministic).
 */
export function probeDelayMs(attempt: number, random: () => number = Math.random): number {
  return backoffDelayMs(attempt, random, PROBE_MIN_MS, PROBE_MAX_MS);
}

/** Bounds of the backoff windows, in milliseconds. */
export interface BackoffBounds {
  minMs: number;
  maxMs: number;
}

/** Width of window `attempt` (0 for the first retry), in milliseconds. */
export function backoffWindowMs(attempt: number, bounds: BackoffBounds = { minMs: BACKOFF_MIN_MS, maxMs: BACKOFF_MAX_MS }): number {
  return Math.min(bounds.maxMs, bounds.minMs * 2 ** Math.min(Math.max(0, attempt), 30));
}

/** One planned retry: when it runs and where the following window starts (ms since the epoch). */
export interface PlannedAttempt {
  /** When this attempt runs. */
  at: number;
  /** Where the next window begins (the end of this one). */
  nextWindowStart: number;
}

/**
 * Plans retry `attempt` in the window starting at `windowStart` (ms since the epoch).
 *
 * @param random - a number in [0, 1) (injected so tests are deterministic).
 * @param notBefore - an earliest time Vault asked for (`Retry-After`), ms since the epoch.
 */
export function planAttempt(
  attempt: number,
  windowStart: number,
  random: () => number = Math.random,
  notBefore = 0,
  bounds?: BackoffBounds,
): PlannedAttempt {
  const width = backoffWindowMs(attempt, bounds);
  const at = Math.max(notBefore, windowStart + Math.floor(width * random()));
  return { at, nextWindowStart: Math.max(at, windowStart + width) };
}

/**
 * A retry delay after a transient error: the width of window `attempt` (same formula as the
 * supervisor's windows, {@link backoffWindowMs}, with `baseMs` as the first width and `maxMs` as the
 * widest), with equal jitter: `width * (0.5 + random / 2)`. Milliseconds.
 *
 * @param attempt - 0 for the first retry.
 * @param random - a number in [0, 1) (injected so tests are deterministic).
 */
export function backoffDelayMs(attempt: number, random: () => number = Math.random, baseMs = 1000, maxMs = 60_000): number {
  return Math.floor(backoffWindowMs(attempt, { minMs: baseMs, maxMs }) * (0.5 + random() / 2));
}
