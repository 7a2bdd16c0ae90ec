import { describe, expect, it } from 'vitest';
import { SecretsEvents, type VaultConfig } from '../../lib/index.js';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { appReadPolicy, freshServerPerTest, supervisedCore } from '../support/core-harness.js';

/**
 * The supervisor (issues 10 and 17), on the test server with its frozen clock shared by the module
 * (no sleeping), asserting what the app saw and how many requests reached Vault. `random` is 0.5:
 * each probe waits 75 % of its step (1 s doubling to the 30 s cap: 22.5 s once capped).
 */

let server: VaultTestServer;
const cores: SecretsCore[] = [];

freshServerPerTest((s) => (server = s), cores, appReadPolicy);

/** A core on the test server, its time moved by the test (see `test/support/core-harness.ts`). */
const harness = (options: Partial<VaultConfig>) => supervisedCore(server, cores, options);
/**
 * Two hours of a sealed Vault with NO read by the app, while every background task is armed: a
 * renewable 60 s token (renewal), the KV watcher (poll every 1 s) and a health probe from the
 * app every 5 s. Vault must see only the supervisor's cheap `sys/health` probes (1 s doubling to a
 * 30 s cap) besides the app's own, not one request per renewal attempt, watcher tick or health
 * probe; status, health and events agree; it converges with no read, within one probe step.
 */
describe('a long outage with no reads', () => {
  it('sealed for 2 hours: only probes reach Vault, one truth for status/health/events, converges alone', async () => {
    await server.admin.enableAuthMethod('approle', 'approle');
    await server.admin.writeAppRole('approle', 'app', { token_ttl: 60, token_max_ttl: 86_400, token_policies: ['app-read'] });
    const roleId = await server.admin.readRoleId('approle', 'app');
    const secretId = await server.admin.generateSecretId('approle', 'app');
    const h = harness({ auth: { method: 'approle', roleId, secretId }, watch: { enabled: true, intervalMs: 1000 } });
    await h.core.start();
    expect(await h.core.fetchSecret('config')).toEqual({ feature: 'v1' });
    server.seal();
    h.sent.length = 0;
    for (let s = 0; s < 7200; s += 5) {
      await h.time.advance(5000);
      const health = await h.core.probeHealth(1000, 0);
      expect(health.sealed).toBe(true);
    }
    const toVault = h.sent.filter((r) => r.path !== 'sys/health');
    // The app's probes are its own calls (1440, one each); the supervisor's own probes follow the
    // ladder: 2 h at 22.5 s once capped ≈ 320, plus a margin for the opening steps.
    const ownProbes = h.count('sys/health') - 1440;
    console.log(`sealed 2 h, no reads: ${ownProbes} supervisor probes, ${toVault.length} other requests`);
    expect(ownProbes).toBeLessThanOrEqual(330);
    // Nothing else: the watcher's read that found the seal (later ticks are gated and nudge no
    // probe); token renewal is under the supervisor (issue 17): not one renew-self while sealed.
    expect(toVault.filter((r) => r.path === 'auth/token/renew-self')).toHaveLength(0);
    expect(toVault.length, JSON.stringify(toVault.map((r) => r.path))).toBeLessThanOrEqual(1);
    expect(h.core.status()).toMatchObject({ state: 'degraded', reason: 'sealed', vault: 'down' });
    expect(h.named(SecretsEvents.VaultUnavailable)).toHaveLength(1);

    server.unseal();
    await server.admin.kvPut('secret', 'app/config', { feature: 'v2' });
    const next = h.core.status().nextAttemptAt!;
    expect(next - server.clock.now()).toBeLessThanOrEqual(30_000); // the cap, whatever the outage length
    await h.time.advance(next - server.clock.now() + 1000);
    expect(h.core.status()).toMatchObject({ state: 'ready' });
    // The budget, from the seal through convergence: ≤ 3 requests besides sys/health (the
    // watcher's polls, which resume once ready, aside).
    const besidesHealth = h.sent.filter((r) => r.path !== 'sys/health' && !r.path.startsWith('secret/metadata/'));
    expect(besidesHealth.length, JSON.stringify(besidesHealth.map((r) => r.path))).toBeLessThanOrEqual(3);
    expect(h.named(SecretsEvents.VaultRecovered).length).toBeGreaterThanOrEqual(1);
    expect(await h.core.fetchSecret('config', { refresh: true })).toEqual({ feature: 'v2' });
  }, 120_000);
});

describe('the issue 17 bound: sealed 30 minutes with a 1-hour AppRole token, no reads', () => {
  it('0 renew-self, ≤ 3 requests besides sys/health from the seal through convergence, the token replaced at recovery', async () => {
    await server.admin.enableAuthMethod('approle', 'approle');
    await server.admin.writeAppRole('approle', 'app', { token_ttl: 3600, token_max_ttl: 3600, token_policies: ['app-read'] });
    const roleId = await server.admin.readRoleId('approle', 'app');
    const secretId = await server.admin.generateSecretId('approle', 'app');
    const h = harness({ auth: { method: 'approle', roleId, secretId } });
    const first = await h.core.start();
    expect(await h.core.fetchSecret('config')).toEqual({ feature: 'v1' });
    // Sealed 40 minutes into the token's hour: its renewal falls due and it dies during the seal.
    await h.time.advance(40 * 60_000);
    server.seal();
    // The one read that finds the seal; then the app reads nothing for 30 minutes.
    expect(await h.core.fetchSecret('config', { refresh: true })).toEqual({ feature: 'v1' });
    const sealedFrom = h.sent.length;
    await h.time.advance(30 * 60_000);
    expect(h.core.status()).toMatchObject({ state: 'degraded', reason: 'sealed' });
    expect(h.core.tokens.info()!.expiresAt!).toBeLessThan(server.clock.now()); // the token died meanwhile

    server.unseal();
    for (let waited = 0; waited < 60_000 && h.core.status().state !== 'ready'; waited += 1000) await h.time.advance(1000);
    await h.time.advance(15_000); // convergence, and any parked renewal (spread over ≤ 10 s)
    expect(h.core.status()).toMatchObject({ state: 'ready', fallbackKeys: {} });
    const besidesHealth = h.sent.slice(sealedFrom).filter((r) => r.path !== 'sys/health');
    console.log(`sealed 30 min, 1-hour AppRole token: ${besidesHealth.map((r) => r.path).join(', ')}`);
    expect(besidesHealth.filter((r) => r.path === 'auth/token/renew-self')).toHaveLength(0);
    expect(besidesHealth.length, JSON.stringify(besidesHealth.map((r) => r.path))).toBeLessThanOrEqual(3);
    // The recovery logged in again: a new, live token.
    expect(h.core.tokens.info()!.accessor).not.toBe(first?.accessor);
    expect(h.core.tokens.info()!.expiresAt!).toBeGreaterThan(server.clock.now());
  }, 60_000);
});
