import { LoginHeldError } from '../errors/login-held.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import {
  BACKOFF_MIN_MS,
  EARLY_PROBE_MIN_INTERVAL_MS,
  PROBE_MAX_MS,
  planAttempt,
  probeDelayMs,
  type BackoffBounds,
} from '../timing/backoff.js';
import type { DegradedReason } from './fault-classifier.js';

/** Login windows after a refused login: 1 s doubling to 5 min (Vault Agent's auto-auth backoff), in milliseconds. */
const LOGIN_BOUNDS: BackoffBounds = { minMs: BACKOFF_MIN_MS, maxMs: 300_000 };

/** The next background attempt: when (ms since the epoch) and why it is then. */
export interface PlannedProbe {
  at: number;
  /** `probe`: the probe ladder; `login`: the login windows; `held`: a login held until `at` (lockout-safe). */
  kind: 'probe' | 'login' | 'held';
}

/**
 * When the supervisor tries Vault again, by job:
 * - Vault not serving (unreachable, sealed, no active node...): the probe ladder
 *   ({@link probeDelayMs}: 1 s doubling to 30 s, jittered), whatever the outage length, and
 *   `Retry-After` honoured up to the cap;
 * - a refused login (`auth-failed`, `rate-limited`): the long login windows (1 s doubling to 5 min,
 *   full jitter inside consecutive windows);
 * - a login held by the token manager ({@link LoginHeldError}): nothing before its `retryAt`.
 * Also the early-probe budget: at most one probe a read or a path fault triggers per
 * `EARLY_PROBE_MIN_INTERVAL_MS` (2 s).
 */
export class ProbeSchedule {
  #probes = 0;
  #loginWindow = 0;
  #loginWindowStart = 0;
  #lastProbeAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly random: () => number) {}

  /** Starts over: the module just became degraded (the failure that said so counts as the last contact with Vault). */
  reset(now: number): void {
    this.#lastProbeAt = now;
    this.#probes = 0;
    this.#loginWindow = 0;
    this.#loginWindowStart = now;
  }

  /** Plans the attempt after a failed one (or after the module degraded). `now` in ms since the epoch. */
  next(now: number, reason: DegradedReason, error?: unknown): PlannedProbe {
    if (error instanceof LoginHeldError) return { at: Math.max(now, error.retryAt), kind: 'held' };
    if (reason === 'auth-failed' || reason === 'rate-limited') {
      const asked = error instanceof VaultUnavailableError ? error.retryAfterSeconds : undefined;
      const notBefore = asked === undefined ? 0 : now + Math.min(asked * 1000, LOGIN_BOUNDS.maxMs);
      const planned = planAttempt(this.#loginWindow, Math.max(this.#loginWindowStart, now), this.random, notBefore, LOGIN_BOUNDS);
      this.#loginWindow += 1;
      this.#loginWindowStart = planned.nextWindowStart;
      return { at: planned.at, kind: 'login' };
    }
    const asked = error instanceof VaultUnavailableError ? error.retryAfterSeconds : undefined;
    const delay = Math.max(probeDelayMs(this.#probes, this.random), Math.min((asked ?? 0) * 1000, PROBE_MAX_MS));
    this.#probes += 1;
    return { at: now + delay, kind: 'probe' };
  }

  /** Records that a probe starts now (any probe: planned, early, confirming). */
  probed(now: number): void {
    this.#lastProbeAt = now;
  }

  /** Whether an early probe (a read while degraded, a path fault while ready) may start now. */
  mayProbeEarly(now: number): boolean {
    return now - this.#lastProbeAt >= EARLY_PROBE_MIN_INTERVAL_MS;
  }
}
