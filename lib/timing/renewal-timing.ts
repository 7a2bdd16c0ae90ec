import { backoffDelayMs } from './backoff.js';

/**
 * Pure timing rules shared by token and lease renewal. All inputs and outputs in milliseconds;
 * `random` returns a number in [0, 1) and is injected so tests are deterministic.
 */

/** Fraction of the time left after which a renewal is attempted (Vault's LifetimeWatcher renews at about 2/3). */
export const RENEW_FRACTION = 2 / 3;
/** Jitter taken off the renewal point, as a fraction of the time left (so renewals land between ~57% and ~67%). */
export const RENEW_JITTER = 0.1;

/**
 * When to renew, counted from now: about two thirds of the time left, minus up to 10% jitter so
 * that many replicas do not renew at the same instant. Never negative.
 *
 * @param timeLeftMs - milliseconds until the token or lease expires.
 */
export function renewDelayMs(timeLeftMs: number, random: () => number = Math.random): number {
  if (timeLeftMs <= 0) return 0;
  return Math.max(0, Math.floor(timeLeftMs * (RENEW_FRACTION - RENEW_JITTER * random())));
}

/**
 * A retry delay that never goes past the deadline: the backoff, or `undefined` when a retry
 * after that delay would land at or after `deadlineMs - marginMs` (give up instead).
 *
 * @param nowMs - current time (ms since epoch); @param deadlineMs - expiry (ms since epoch).
 */
export function boundedRetryDelayMs(
  attempt: number,
  nowMs: number,
  deadlineMs: number,
  random: () => number = Math.random,
  marginMs = 1000,
): number | undefined {
  const left = deadlineMs - marginMs - nowMs;
  if (left <= 0) return undefined;
  return Math.min(backoffDelayMs(attempt, random), left);
}
