import { HealthIndicatorService } from '@nestjs/terminus';
import type { ModuleRef } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import type { SecretsService } from '../../lib/index.js';
import type { SecretsCore } from '../../lib/core/secrets-core.js';
import { VaultHealthIndicator } from '../../lib/health/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { freshServerPerTest, supervisedCore } from '../support/core-harness.js';

/**
 * Issue 17, "Done when": with no reads, the module is `ready` ≤ 35 s after Vault returns, for any
 * outage length (1 min, 10 min, 2 h; sealed or unreachable), every trial (jitter draws 0.01, 0.5
 * and 0.99), and the health indicator agrees with `status()` while degraded and at the moment of
 * recovery. Virtual time (the test server's frozen clock shared with the module), no sleeping.
 */

const READY_WITHIN_MS = 35_000;

let server: VaultTestServer;
const cores: SecretsCore[] = [];

freshServerPerTest((s) => (server = s), cores);

/** The real indicator over this core (what `SecretsService` would hand it). */
function indicatorOver(core: SecretsCore): VaultHealthIndicator {
  const service = {
    probeHealth: (timeoutMs?: number, maxAgeMs?: number) => core.probeHealth(timeoutMs, maxAgeMs),
    status: () => core.status(),
    leaseWindows: () => [],
  } as unknown as SecretsService;
  return new VaultHealthIndicator(new HealthIndicatorService(), { get: () => service } as unknown as ModuleRef);
}

type Kind = 'sealed' | 'unreachable';
const trials: Array<[Kind, number, number]> = [];
for (const kind of ['sealed', 'unreachable'] as const)
  for (const minutes of [1, 10, 120]) for (const draw of [0.01, 0.5, 0.99]) trials.push([kind, minutes, draw]);

describe('idle recovery (issue 17): no reads, ready ≤ 35 s after Vault returns', () => {
  it.each(trials)('%s for %i min, jitter draw %f', async (kind, minutes, draw) => {
    const h = supervisedCore(server, cores, { token: server.rootToken }, { random: () => draw });
    const health = indicatorOver(h.core);
    await h.core.start();
    expect(await h.core.fetchSecret('config')).toEqual({ feature: 'v1' });

    const end = kind === 'sealed' ? (server.seal(), () => server.unseal()) : server.faults.add({ drop: true });
    // The one read that finds the outage; then the app reads nothing.
    expect(await h.core.fetchSecret('config', { refresh: true })).toEqual({ feature: 'v1' });
    expect(h.core.status()).toMatchObject({ state: 'degraded', reason: kind });
    await h.time.advance(minutes * 60_000);
    const down = (await health.isHealthy('vault', { cacheMs: 0 }))['vault'];
    expect(down).toMatchObject({ status: 'degraded', state: 'degraded', reason: kind, reachable: kind === 'sealed' });
    expect(h.core.status().state).toBe('degraded');

    end();
    const returnedAt = server.clock.now();
    while (h.core.status().state !== 'ready' && server.clock.now() - returnedAt < 120_000) await h.time.advance(500);
    const delay = server.clock.now() - returnedAt;
    expect(delay).toBeLessThanOrEqual(READY_WITHIN_MS);
    // At the moment of recovery the indicator says what status() says.
    const status = h.core.status();
    const up = (await health.isHealthy('vault', { cacheMs: 0 }))['vault'];
    expect(status).toMatchObject({ state: 'ready', vault: 'up', degraded: false, fallbackKeys: {} });
    expect(up).toMatchObject({ status: 'up', state: 'ready', reason: null, reachable: true, sealed: false, fallbackActive: false });
    console.log(`${kind} ${minutes} min, draw ${draw}: ready ${delay} ms after Vault returned`);
  });

  it('a health check that finds Vault serving ends degraded at once, and reports up', async () => {
    const h = supervisedCore(server, cores, { token: server.rootToken });
    const health = indicatorOver(h.core);
    await h.core.start();
    await h.core.fetchSecret('config');
    server.seal();
    await h.core.fetchSecret('config', { refresh: true });
    await h.time.advance(10 * 60_000);
    server.unseal();
    expect(h.core.status().state).toBe('degraded');
    const first = (await health.isHealthy('vault', { cacheMs: 0 }))['vault'];
    const status = h.core.status();
    // The probe ended `degraded` before it answered; the keys served meanwhile are being re-read:
    // the indicator says `degraded` exactly while status() still lists them.
    expect(status.state).toBe('ready');
    expect(first).toMatchObject({ state: 'ready', reason: null, reachable: true, status: status.degraded ? 'degraded' : 'up' });
    expect(first['fallbackKeys']).toEqual(Object.keys(status.fallbackKeys));
    await h.time.advance(0); // the re-read lands
    expect(h.core.status()).toMatchObject({ state: 'ready', degraded: false, fallbackKeys: {} });
    expect((await health.isHealthy('vault', { cacheMs: 0 }))['vault']).toMatchObject({ status: 'up', state: 'ready' });
  });
});
