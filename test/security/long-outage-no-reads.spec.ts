import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretsEvents, type VaultConfig } from '../../lib/index.js';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { supervisedCore } from '../support/core-harness.js';

/**
 * The supervisor (issue 10): each finding of the issue as measured by a user, on the test server
 * with its frozen clock shared by the module (no sleeping), asserting what the app saw and how
 * many requests reached Vault. `random` is 0.5: each attempt lands in the middle of its window
 * (1 s, 2 s, 4 s, ... up to 5 min).
 */

let server: VaultTestServer;
const cores: SecretsCore[] = [];

beforeEach(async () => {
  server = await VaultTestServer.start();
  await server.admin.kvPut('secret', 'app/config', { feature: 'v1' });
  await server.admin.writePolicy('app-read', 'path "secret/data/app/*" { capabilities = ["read"] }');
});

afterEach(async () => {
  for (const core of cores.splice(0)) await core.close();
  await server.stop();
  delete process.env.SECRETS_STRIPE;
});

/** A core on the test server, its time moved by the test (see `test/support/core-harness.ts`). */
const harness = (options: Partial<VaultConfig>) => supervisedCore(server, cores, options);
/** Every request is dropped, `sys/health` included: Vault is unreachable. */

/**
 * Two hours of a sealed Vault with NO read by the app, while every background task is armed: a
 * renewable 60 s token (renewal), the KV watcher (poll every 1 s) and a health probe from the
 * app every 5 s. Vault must see about one request per backoff window (1 s .. 5 min), not one per
 * renewal attempt, watcher tick or health probe; status, health and events agree; it converges
 * with no read.
 */
describe('a long outage with no reads', () => {
  it('sealed for 2 hours: requests bounded by the backoff, one truth for status/health/events, converges alone', async () => {
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
    // the app's probes are its own calls (one each); the supervisor's attempts are sys/health
    // too: 2 h = windows 1, 2, 4, ..., 256 s then 300 s, about 30 attempts
    expect(h.count('sys/health') - 1440).toBeLessThanOrEqual(35);
    // token renewals give up when the token expires; the watcher is gated
    expect(toVault.length, JSON.stringify(toVault.map((r) => r.path))).toBeLessThanOrEqual(20);
    expect(h.core.status()).toMatchObject({ state: 'degraded', reason: 'sealed', vault: 'down' });
    expect(h.named(SecretsEvents.VaultUnavailable)).toHaveLength(1);

    server.unseal();
    await server.admin.kvPut('secret', 'app/config', { feature: 'v2' });
    const next = h.core.status().nextAttemptAt!;
    await h.time.advance(next - server.clock.now() + 1000);
    expect(h.core.status()).toMatchObject({ state: 'ready' });
    expect(h.named(SecretsEvents.VaultRecovered).length).toBeGreaterThanOrEqual(1);
    expect(await h.core.fetchSecret('config', { refresh: true })).toEqual({ feature: 'v2' });
  });
});
