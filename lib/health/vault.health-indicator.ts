import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { getSecretsServiceToken } from '../nest/secrets-service-token.js';
import type { SecretsService } from '../nest/secrets.service.js';

/** Default near-expiry threshold of a lease, as a fraction of its own TTL (see {@link VaultHealthOptions.leaseMinTtlMs}). */
const LEASE_NEAR_EXPIRY_FRACTION = 0.2;
/** Lowest default near-expiry threshold of a lease, in milliseconds. */
const LEASE_NEAR_EXPIRY_FLOOR_MS = 1000;

/** Thresholds of {@link VaultHealthIndicator.isHealthy}, in milliseconds. */
export interface VaultHealthOptions {
  /** Report `degraded` when the token expires sooner than this. Default 60000. */
  tokenMinTtlMs?: number;
  /**
   * Count leases expiring sooner than this as "near expiry" (and report `degraded`). Default: relative
   * to each lease's own TTL, less than a fifth of it left, and
   * never less than 1000 ms; the module renews at about two thirds of the TTL, so a lease gets
   * there only when renewals failed.
   */
  leaseMinTtlMs?: number;
  /** Timeout of the `sys/health` call. Default 2000. */
  timeoutMs?: number;
  /** The named Vault to check (`SecretsModule.forRoot({ name })`); default the unnamed module. The result's details carry `vault`. */
  vault?: string;
  /** Reuse a `sys/health` answer up to this old (milliseconds), so frequent probes do not call Vault each time. Default 5000. */
  cacheMs?: number;
}

/**
 * `@nestjs/terminus` health indicator (import from `nestjs-vault-secrets/health`; needs the
 * optional peer `@nestjs/terminus`). It reads the module's one truth, the supervisor's state
 * and reason (`status()`), plus a `GET sys/health` answer reused for `cacheMs` (default 5 s):
 * - `down`: the module is degraded (Vault unreachable, sealed (503), not initialized (501), a DR
 *   secondary (472) or a standby with no active node, the token cannot be replaced, rate-limited)
 *   and nothing is served from fallbacks;
 * - `degraded`: degraded but fallbacks serve, the token is about to expire, or leases are
 *   close to expiry;
 * - `up` otherwise (a standby or performance standby counts as serving).
 * The details say which: `standby` for both 429 and 473, `performanceStandby` only for 473;
 * `initialized: false` for 501 (then `sealed` is null: not initialized is not sealed); `probedVia:
 * 'lookup-self'` when a proxy hides `sys/health` (404/405) and `GET auth/token/lookup-self` decided.
 * A probe that finds Vault not serving degrades the module itself, so the supervisor, `status()`
 * and this indicator never disagree.
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.vault.isHealthy('vault')]); }
 * ```
 */
@Injectable()
export class VaultHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Checks Vault and the module's state; see the class comment for the rules. Never throws. */
  async isHealthy<const Key extends string = 'vault'>(
    key: Key = 'vault' as Key,
    options: VaultHealthOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const secrets = this.moduleRef.get<SecretsService>(getSecretsServiceToken(options.vault), { strict: false });
    const probe = await secrets.probeHealth(options.timeoutMs ?? 2000, options.cacheMs ?? 5000);
    const status = secrets.status();
    const now = Date.now();
    const tokenTtlMs = status.token?.expiresAt === undefined ? undefined : status.token.expiresAt - now;
    const threshold = (issuedAt: number, expiresAt: number): number =>
      options.leaseMinTtlMs ?? Math.max(LEASE_NEAR_EXPIRY_FLOOR_MS, (expiresAt - issuedAt) * LEASE_NEAR_EXPIRY_FRACTION);
    const leasesNearExpiry = secrets
      .leaseWindows()
      .filter(({ issuedAt, expiresAt }) => expiresAt - now < threshold(issuedAt, expiresAt)).length;
    const fallbackKeys = Object.keys(status.fallbackKeys);
    const details = {
      ...(options.vault === undefined ? {} : { vault: options.vault }),
      state: status.state,
      reason: status.reason ?? null,
      nextAttemptAt: status.nextAttemptAt ?? null,
      reachable: probe.reachable,
      initialized: probe.initialized ?? null,
      sealed: probe.sealed ?? null,
      standby: probe.standby ?? null,
      performanceStandby: probe.performanceStandby ?? null,
      drSecondary: probe.drSecondary ?? null,
      version: probe.version ?? null,
      tokenTtlMs: tokenTtlMs ?? null,
      fallbackActive: fallbackKeys.length > 0,
      fallbackKeys,
      leasesNearExpiry,
      ...(probe.via === 'lookup-self' ? { probedVia: probe.via } : {}),
      ...(probe.error ? { error: probe.error } : {}),
    };
    if (status.state === 'degraded') return fallbackKeys.length > 0 ? indicator.degraded(details) : indicator.down(details);
    if ((tokenTtlMs !== undefined && tokenTtlMs < (options.tokenMinTtlMs ?? 60_000)) || leasesNearExpiry > 0 || status.degraded) {
      return indicator.degraded(details);
    }
    return indicator.up(details);
  }
}
