import { describe, expect, it } from 'vitest';
import type { VaultConfig } from '../../lib/index.js';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { freshServerPerTest, supervisedCore } from '../support/core-harness.js';

/**
 * Issue 17: a probe asks "does Vault serve?" once; it must not be retried (one probe = one
 * request) nor be refused by the `sys` mount's circuit breaker after failed probes (the probe
 * that would find Vault back is then never sent). And when the module leaves `degraded`, every
 * path's breaker is closed: the first reads after an outage go to Vault, not to a breaker that
 * opened during it. On the test server, its frozen clock shared by the module (the breakers'
 * 5 s half-open delay is real time, so a breaker opened in a test stays open for the test).
 */

let server: VaultTestServer;
const cores: SecretsCore[] = [];

freshServerPerTest((s) => (server = s), cores);

const harness = (options: Partial<VaultConfig> = {}) => supervisedCore(server, cores, { token: server.rootToken, ...options });

describe('probes and circuit breakers', () => {
  it('a probe is one request (no retries) and is never refused by a breaker: 8 failed probes, 8 requests, then the 9th finds Vault', async () => {
    const h = harness({ maxRetries: 3 });
    await h.core.start();
    const remove = server.faults.add({ path: 'sys/health', status: 502, body: { errors: ['bad gateway'] } });
    server.clearRequests();
    for (let i = 0; i < 8; i += 1) expect(await h.core.probeHealth(1000, 0)).toMatchObject({ reachable: false });
    expect(server.requestCount({ path: 'sys/health' })).toBe(8);
    remove();
    expect(await h.core.probeHealth(1000, 0)).toMatchObject({ reachable: true, sealed: false });
    expect(server.requestCount({ path: 'sys/health' })).toBe(9);
    expect(h.core.status().state).toBe('ready');
  });

  it('leaving degraded closes every breaker: the first read after the outage comes from Vault', async () => {
    const h = harness();
    await h.core.start();
    expect(await h.core.fetchSecret('config')).toEqual({ feature: 'v1' });
    // The path's breaker opens (5 failed calls straight through the HTTP client) ...
    const failing = server.faults.add({ path: /^secret\//, status: 502, body: { errors: [] } });
    for (let i = 0; i < 5; i += 1) await expect(h.core.client.request({ method: 'GET', path: 'secret/data/app/config' })).rejects.toThrow();
    await expect(h.core.client.request({ method: 'GET', path: 'secret/data/app/config' })).rejects.toThrow(/circuit open/);
    failing();
    // ... then Vault goes away, and comes back.
    server.faults.add({ drop: true });
    await h.core.probeHealth(1000, 0);
    expect(h.core.status()).toMatchObject({ state: 'degraded', reason: 'unreachable' });
    server.faults.clear();
    await server.admin.kvPut('secret', 'app/config', { feature: 'v2' });
    await h.time.advance(h.core.status().nextAttemptAt! - server.clock.now());
    expect(h.core.status()).toMatchObject({ state: 'ready' });
    expect(await h.core.fetchSecret('config', { refresh: true })).toEqual({ feature: 'v2' });
    expect(h.core.status().fallbackKeys).toEqual({});
  });
});
