/**
 * TTL computation, a port of Vault's `framework.CalculateTTL` (sdk/framework/lease.go).
 * All durations are whole **seconds**; instants are **milliseconds** since the epoch.
 */
import { internalError } from './errors.js';
import { humanDuration } from './go-duration.js';

/** Inputs of {@link calculateTtl}. */
export interface TtlInput {
  /** Requested increment in seconds (0 = none). */
  readonly incrementSeconds: number;
  /** The backend's TTL in seconds (0 = none → mount default). */
  readonly backendTtlSeconds: number;
  /** Period in seconds for periodic tokens (0 = not periodic). */
  readonly periodSeconds: number;
  /** The backend's/role's max TTL in seconds (0 = none). */
  readonly backendMaxTtlSeconds: number;
  /** Explicit max TTL in seconds (0 = none). */
  readonly explicitMaxTtlSeconds: number;
  /** When the lease/token was issued, in ms (undefined = now). Max TTL is measured from here. */
  readonly startMs: number | undefined;
  /** Current time in ms. */
  readonly nowMs: number;
  /** Mount (or system) default TTL in seconds. */
  readonly mountDefaultTtlSeconds: number;
  /** Mount (or system) max TTL in seconds. */
  readonly mountMaxTtlSeconds: number;
}

/** Result of {@link calculateTtl}. */
export interface TtlResult {
  /** The TTL to grant, in seconds. */
  readonly ttlSeconds: number;
  /** Capping warnings, with Vault's exact wording. */
  readonly warnings: string[];
}

/**
 * Computes the TTL to grant, capping it at the effective max TTL measured from the issue time
 * and adding Vault's warnings (`TTL of "1h" exceeded the effective max_ttl of "30m"; TTL value
 * is capped accordingly`).
 * @throws VaultError 500 `past the max TTL, cannot renew` when nothing is left
 */
export function calculateTtl(input: TtlInput): TtlResult {
  const warnings: string[] = [];
  const now = Math.floor(input.nowMs / 1000);
  const start = input.startMs === undefined ? now : Math.floor(input.startMs / 1000);

  let maxTtl = input.mountMaxTtlSeconds;
  if (input.backendMaxTtlSeconds > 0 && input.backendMaxTtlSeconds < maxTtl) maxTtl = input.backendMaxTtlSeconds;
  if (input.explicitMaxTtlSeconds > 0 && input.explicitMaxTtlSeconds < maxTtl) maxTtl = input.explicitMaxTtlSeconds;
  if (maxTtl <= 0) throw internalError('max TTL must be greater than zero');

  let ttl: number;
  let maxValidTime: number | undefined;
  if (input.periodSeconds > 0) {
    let period = input.periodSeconds;
    if (period > maxTtl) {
      warnings.push(
        `period of "${humanDuration(period)}" exceeded the effective max_ttl of "${humanDuration(maxTtl)}"; period value is capped accordingly`,
      );
      period = maxTtl;
    }
    ttl = period;
    if (input.explicitMaxTtlSeconds > 0) maxValidTime = start + input.explicitMaxTtlSeconds;
  } else {
    if (input.incrementSeconds > 0) ttl = input.incrementSeconds;
    else if (input.backendTtlSeconds > 0) ttl = input.backendTtlSeconds;
    else ttl = input.mountDefaultTtlSeconds;
    maxValidTime = start + maxTtl;
  }

  if (maxValidTime !== undefined) {
    const maxValidTtl = maxValidTime - now;
    if (maxValidTtl <= 0) throw internalError('past the max TTL, cannot renew');
    if (maxValidTtl - ttl < 0) {
      warnings.push(
        `TTL of "${humanDuration(ttl)}" exceeded the effective max_ttl of "${humanDuration(maxValidTtl)}"; TTL value is capped accordingly`,
      );
      ttl = maxValidTtl;
    }
  }
  return { ttlSeconds: ttl, warnings };
}
