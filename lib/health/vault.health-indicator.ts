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
}

/**
 * `@nestjs/terminus` health indicator (import from `nestjs-vault-secrets/health`; needs the
 * optional peer `@nestjs/terminus`). Calls `GET sys/health` and reports: reachable, sealed,
 * standby, the token's time left (ms), whether fallbacks are serving, and leases near expiry.
 * - `down`: Vault unreachable, sealed or not initialized and nothing is served from fallbacks;
 * - `degraded`: Vault unreachable or sealed but fallbacks serve, the token is about to expire,
 *   or leases are close to expiry;
 * - `up` otherwise (a standby counts as reachable).
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
    const probe = await secrets.probeHealth(options.timeoutMs ?? 2000);
    const status = secrets.status();
    const now = Date.now();
    const tokenTtlMs = status.token?.expiresAt === undefined ? undefined : status.token.expiresAt - now;
    const leasesNearExpiry = secrets.leaseExpiries().filter((t) => t - now < (options.leaseMinTtlMs ?? 30_000)).length;
    const details = {
      ...(options.vault === undefined ? {} : { vault: options.vault }),
      reachable: probe.reachable,
      sealed: probe.sealed ?? null,
      standby: probe.standby ?? null,
      version: probe.version ?? null,
      tokenTtlMs: tokenTtlMs ?? null,
      fallbackActive: status.degraded,
      fallbackKeys: Object.keys(status.fallbackKeys),
      leasesNearExpiry,
      ...(probe.error ? { error: probe.error } : {}),
    };
    const vaultDown = !probe.reachable || probe.sealed === true || probe.initialized === false;
    if (vaultDown) return status.degraded ? indicator.degraded(details) : indicator.down(details);
    if ((tokenTtlMs !== undefined && tokenTtlMs < (options.tokenMinTtlMs ?? 60_000)) || leasesNearExpiry > 0 || status.degraded) {
      return indicator.degraded(details);
    }
    return indicator.up(details);
  }
}
