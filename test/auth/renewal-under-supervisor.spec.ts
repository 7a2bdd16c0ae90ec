import { describe, expect, it } from 'vitest';
import type { VaultConfig } from '../../lib/index.js';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { freshServerPerTest, supervisedCore } from '../support/core-harness.js';

/**
 * Issue 17, finding 5: token renewal and the scheduled re-login are under the supervisor. While
 * Vault is sealed they send nothing (no renew-self every minute until the token dies); the
 * supervisor's recovery replaces a token that died meanwhile. Test server clock shared with the
 * module, no sleeping.
 */

let server: VaultTestServer;
const cores: SecretsCore[] = [];

freshServerPerTest(
  (s) => (server = s),
  cores,
  async (s) => {
    await s.admin.writePolicy('app-read', 'path "secret/*" { capabilities = ["read", "list"] }');
    await s.admin.enableAuthMethod('approle', 'approle');
  },
);

async function appRole(fields: Record<string, unknown>): Promise<Partial<VaultConfig>> {
  await server.admin.writeAppRole('approle', 'app', { token_policies: ['app-read'], ...fields });
  const roleId = await server.admin.readRoleId('approle', 'app');
  const secretId = await server.admin.generateSecretId('approle', 'app');
  return { auth: { method: 'approle', roleId, secretId }, watch: { enabled: true, intervalMs: 10_000 } };
}

/** Moves time in `stepMs` steps until `done()` or `maxMs` passed. */
async function advanceUntil(h: ReturnType<typeof supervisedCore>, done: () => boolean, maxMs: number, stepMs = 1000): Promise<void> {
  for (let waited = 0; waited < maxMs && !done(); waited += stepMs) await h.time.advance(stepMs);
}

describe('token renewal under the supervisor (finding 5)', () => {
  it('sealed 30 minutes with a 1-hour AppRole token: 0 renew-self, ≤ 3 requests besides sys/health, the token replaced at recovery', async () => {
    const h = supervisedCore(server, cores, await appRole({ token_ttl: 3600, token_max_ttl: 3600 }));
    const first = await h.core.start();
    expect(await h.core.fetchSecret('config')).toEqual({ feature: 'v1' });

    await h.time.advance(30 * 60_000);
    server.seal();
    const sealedFrom = h.sent.length;
    // the watcher sees the seal; the token's renewal falls due during it (at about 37 minutes)
    await advanceUntil(h, () => false, 30 * 60_000, 10_000);
    const duringSeal = h.sent.slice(sealedFrom);
    expect(h.core.status()).toMatchObject({ state: 'degraded', reason: 'sealed' });
    expect(duringSeal.filter((r) => r.path === 'auth/token/renew-self')).toHaveLength(0);
    expect(duringSeal.filter((r) => r.path === 'auth/approle/login')).toHaveLength(0);

    server.unseal();
    await advanceUntil(h, () => h.core.status().state === 'ready', 10 * 60_000, 500);
    // from the seal until converged (the watcher's own polls go on afterwards)
    const fromSeal = h.sent.slice(sealedFrom).filter((r) => r.path !== 'sys/health');
    expect(fromSeal.length, JSON.stringify(fromSeal.map((r) => r.path))).toBeLessThanOrEqual(3);
    expect(fromSeal.filter((r) => r.path === 'auth/token/renew-self')).toHaveLength(0);
    expect(h.core.status().state).toBe('ready');
    // the token died during the seal: the recovery logged in again
    expect(h.core.tokens.info()?.accessor).not.toBe(first?.accessor);
    expect(h.core.tokens.info()!.expiresAt!).toBeGreaterThan(server.clock.now());
    expect(await h.core.fetchSecret('config', { refresh: true })).toEqual({ feature: 'v1' });
  });

  it('sealed 2 hours with a renewable token (1 h TTL, 24 h max): no renew-self while sealed, one renewal or login at recovery', async () => {
    const h = supervisedCore(server, cores, await appRole({ token_ttl: 3600, token_max_ttl: 86_400 }));
    await h.core.start();
    await h.core.fetchSecret('config');
    await h.time.advance(20 * 60_000);
    server.seal();
    const sealedFrom = h.sent.length;
    await advanceUntil(h, () => false, 2 * 60 * 60_000, 30_000);
    const duringSeal = h.sent.slice(sealedFrom);
    expect(duringSeal.filter((r) => r.path === 'auth/token/renew-self')).toHaveLength(0);
    expect(duringSeal.filter((r) => r.path !== 'sys/health').length).toBeLessThanOrEqual(1);

    server.unseal();
    const unsealedFrom = h.sent.length;
    await advanceUntil(h, () => h.core.status().state === 'ready', 10 * 60_000);
    // the renewal parked during the seal runs at recovery, spread over at most 10 s
    await h.time.advance(11_000);
    const after = h.sent.slice(unsealedFrom);
    const tokenCalls = after.filter((r) => r.path === 'auth/token/renew-self' || r.path === 'auth/approle/login');
    expect(tokenCalls).toHaveLength(1);
    expect(h.core.tokens.info()!.expiresAt!).toBeGreaterThan(server.clock.now() + 30 * 60_000);
  });
});
