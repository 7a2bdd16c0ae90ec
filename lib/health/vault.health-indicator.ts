import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { getSecretsServiceToken } from '../nest/secrets-service-token.js';
import type { SecretsService } from '../nest/secrets.service.js';

/** Thresholds of {@link VaultHealthIndicator.isHealthy}, in milliseconds. */
export interface VaultHealthOptions {
  /** Report `degraded` when the token expires sooner than this. Default 60000. */
  tokenMinTtlMs?: number;
  /** Count leases expiring sooner than this as "near expiry" (and report `degraded`). Default 30000. */
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
 * - `down`: the module is degraded (Vault unreachable, sealed, a DR secondary (472) or a standby
 *   with no active node, the token cannot be replaced, rate-limited) and nothing is served from
 *   fallbacks;
 * - `degraded`: degraded but fallbacks serve, the token is about to expire, or leases are
 *   close to expiry;
 * - `up` otherwise (a standby or performance standby counts as serving).
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
    const leasesNearExpiry = secrets.leaseExpiries().filter((t) => t - now < (options.leaseMinTtlMs ?? 30_000)).length;
    const fallbackKeys = Object.keys(status.fallbackKeys);
    const details = {
      ...(options.vault === undefined ? {} : { vault: options.vault }),
      state: status.state,
      reason: status.reason ?? null,
      nextAttemptAt: status.nextAttemptAt ?? null,
      reachable: probe.reachable,
      sealed: probe.sealed ?? null,
      standby: probe.standby ?? null,
      drSecondary: probe.drSecondary ?? null,
      version: probe.version ?? null,
      tokenTtlMs: tokenTtlMs ?? null,
      fallbackActive: fallbackKeys.length > 0,
      fallbackKeys,
      leasesNearExpiry,
      ...(probe.error ? { error: probe.error } : {}),
    };
    if (status.state === 'degraded') return fallbackKeys.length > 0 ? indicator.degraded(details) : indicator.down(details);
    if ((tokenTtlMs !== undefined && tokenTtlMs < (options.tokenMinTtlMs ?? 60_000)) || leasesNearExpiry > 0 || status.degraded) {
      return indicator.degraded(details);
    }
    return indicator.up(details);
  }
}
