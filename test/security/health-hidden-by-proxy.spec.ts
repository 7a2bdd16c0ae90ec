import { describe, expect, it } from 'vitest';
import { SecretsEvents, type VaultConfig } from '../../lib/index.js';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { appReadPolicy, freshServerPerTest, supervisedCore } from '../support/core-harness.js';

/**
 * Issue 17: a gateway in front of Vault that does not pass `sys/health` (it answers 404 or 405,
 * with an empty, HTML or JSON body). Measured before: the module stayed degraded forever (6
 * probes, 0 logins in 40 s). The probes (the supervisor's and the health indicator's) then ask
 * `GET auth/token/lookup-self` instead: 200 serving, 403 serving but the token is dead, 503 sealed,
 * no answer unreachable. On the test server with its frozen clock shared by the module.
 */

let server: VaultTestServer;
const cores: SecretsCore[] = [];

freshServerPerTest((s) => (server = s), cores, appReadPolicy);

const harness = (options: Partial<VaultConfig>) => supervisedCore(server, cores, options);

/** Vault goes away (every request dropped) and a read finds it: the module is degraded. */
async function outage(h: ReturnType<typeof harness>): Promise<void> {
  server.faults.add({ drop: true });
  await expect(h.core.fetchSecret('config', { refresh: true })).resolves.toEqual({ feature: 'v1' }); // the last good value
  expect(h.core.status()).toMatchObject({ state: 'degraded', reason: 'unreachable' });
}

/** Moves time to the supervisor's next planned probe. */
async function toNextProbe(h: ReturnType<typeof harness>): Promise<void> {
  await h.time.advance(h.core.status().nextAttemptAt! - server.clock.now());
}

const PROXY_ANSWERS = [
  { status: 404, body: '', what: 'an empty 404' },
  { status: 404, body: '<html><body><h1>404 Not Found</h1></body></html>', what: 'an HTML 404' },
  { status: 405, body: { message: 'Method Not Allowed' }, what: 'a JSON 405' },
] as const;

describe('sys/health hidden by a proxy', () => {
  for (const answer of PROXY_ANSWERS) {
    it(`Vault back behind a proxy answering ${answer.what} on sys/health: recovered through lookup-self within the probe bound`, async () => {
      const h = harness({ token: server.rootToken });
      await h.core.start();
      await h.core.fetchSecret('config');
      await outage(h);
      for (let i = 0; i < 4; i += 1) await toNextProbe(h); // some minutes' worth of ladder while down
      server.faults.clear();
      server.faults.add({ path: 'sys/health', status: answer.status, body: answer.body });
      await server.admin.kvPut('secret', 'app/config', { feature: 'v2' });
      const returned = server.clock.now();
      h.sent.length = 0;
      await toNextProbe(h);
      expect(h.core.status()).toMatchObject({ state: 'ready' });
      expect(server.clock.now() - returned).toBeLessThanOrEqual(30_000);
      expect(h.count('auth/token/lookup-self')).toBe(1);
      expect(h.named(SecretsEvents.VaultRecovered)).toHaveLength(1);
      expect(await h.core.fetchSecret('config', { refresh: true })).toEqual({ feature: 'v2' });
      // The health indicator's probe agrees with status(), and the hidden sys/health is remembered.
      h.sent.length = 0;
      for (let i = 0; i < 3; i += 1) {
        const health = await h.core.probeHealth(1000, 0);
        expect(health).toMatchObject({ reachable: true, via: 'lookup-self' });
        expect(h.core.status().state).toBe('ready');
      }
      expect(h.count('sys/health')).toBe(0);
      expect(h.count('auth/token/lookup-self')).toBe(3);
    });
  }

  it('the health indicator’s probe alone ends degraded behind the proxy (no supervisor probe due)', async () => {
    const h = harness({ token: server.rootToken });
    await h.core.start();
    await h.core.fetchSecret('config');
    await outage(h);
    server.faults.clear();
    server.faults.add({ path: 'sys/health', status: 404, body: '' });
    const health = await h.core.probeHealth(1000, 0);
    expect(health).toMatchObject({ reachable: true, via: 'lookup-self', sealed: false });
    expect(h.core.status()).toMatchObject({ state: 'ready' });
  });

  it('behind the proxy, a sealed Vault (lookup-self 503) is `sealed`, and unsealing recovers it', async () => {
    const h = harness({ token: server.rootToken });
    await h.core.start();
    server.faults.add({ path: 'sys/health', status: 404, body: '' });
    server.seal();
    await expect(h.core.fetchSecret('config', { refresh: true })).rejects.toThrow();
    expect(h.core.status()).toMatchObject({ state: 'degraded', reason: 'sealed' });
    for (let i = 0; i < 3; i += 1) {
      await toNextProbe(h);
      expect(h.core.status()).toMatchObject({ state: 'degraded', reason: 'sealed' });
    }
    expect(await h.core.probeHealth(1000, 0)).toMatchObject({ reachable: true, sealed: true, via: 'lookup-self' });
    server.unseal();
    await toNextProbe(h);
    expect(h.core.status()).toMatchObject({ state: 'ready' });
  });

  it('behind the proxy, a token that died during the outage (lookup-self 403) is replaced by one login at recovery', async () => {
    await server.admin.enableAuthMethod('approle', 'approle');
    await server.admin.writeAppRole('approle', 'app', { token_ttl: 3600, token_max_ttl: 86_400, token_policies: ['app-read'] });
    const roleId = await server.admin.readRoleId('approle', 'app');
    const secretId = await server.admin.generateSecretId('approle', 'app');
    const h = harness({ auth: { method: 'approle', roleId, secretId } });
    await h.core.start();
    await h.core.fetchSecret('config');
    const accessor = h.core.status().token?.accessor;
    await outage(h);
    server.faults.clear();
    await server.admin.request('POST', 'auth/token/revoke-accessor', { accessor });
    server.faults.add({ path: 'sys/health', status: 404, body: '' });
    h.sent.length = 0;
    await toNextProbe(h);
    expect(h.core.status()).toMatchObject({ state: 'ready' });
    expect(h.count('auth/approle/login')).toBe(1);
    expect(h.core.status().token?.accessor).not.toBe(accessor);
    expect(await h.core.fetchSecret('config', { refresh: true })).toEqual({ feature: 'v1' });
  });
});
