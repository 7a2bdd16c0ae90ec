import { describe, expect, it } from 'vitest';
import { InvalidRequestError, InvalidTokenError, VaultUnavailableError, type VaultConfig } from '../../lib/index.js';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import { sendRawRequest } from '../../lib/core/raw-request.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { freshServerPerTest, supervisedCore } from '../support/core-harness.js';

/**
 * Issue 17, "fault the path, not the module", as measured: one path answering 500 every 200 ms
 * made the module `degraded` in 192 of 199 samples and only 7 of 199 KV reads succeeded; a 429
 * from a per-path rate-limit quota did the same; a `BigInt` body was reported as a network error
 * and degraded the module; 20 raw calls answered 403 `invalid token` gave `degraded/auth-failed`
 * while the token still worked. Now: the call fails (typed, with the path), the module stays
 * `ready` and every other key is still read from Vault. On the test server, its frozen clock
 * shared by the module.
 */

let server: VaultTestServer;
const cores: SecretsCore[] = [];

freshServerPerTest(
  (s) => (server = s),
  cores,
  async (s) => {
    await s.admin.kvPut('secret', 'app/hot', { n: '1' });
    await s.admin.writePolicy('app', 'path "secret/*" { capabilities = ["create", "read", "update", "list"] }');
  },
);

const harness = (options: Partial<VaultConfig> = {}) => supervisedCore(server, cores, { token: server.rootToken, ...options });

/** An AppRole module (so logins can be counted). */
async function approleHarness() {
  await server.admin.enableAuthMethod('approle', 'approle');
  await server.admin.writeAppRole('approle', 'app', { token_ttl: 3600, token_max_ttl: 86_400, token_policies: ['app'] });
  const roleId = await server.admin.readRoleId('approle', 'app');
  const secretId = await server.admin.generateSecretId('approle', 'app');
  return supervisedCore(server, cores, { auth: { method: 'approle', roleId, secretId } });
}

/** A read of `config` fresh from Vault: the value written just before, and no key served from a fallback. */
async function readsFromVault(h: ReturnType<typeof harness>, round: number): Promise<void> {
  await server.admin.kvPut('secret', 'app/config', { feature: `v${round}` });
  expect(await h.core.fetchSecret('config', { refresh: true })).toEqual({ feature: `v${round}` });
  expect(h.core.status()).toMatchObject({ state: 'ready', fallbackKeys: {} });
}

describe('a fault of one path does not degrade the module', () => {
  it('a path answering 500 on every call: each call fails with the path, the module stays ready, other keys come from Vault', async () => {
    const h = harness();
    await h.core.start();
    server.faults.add({ path: 'secret/data/app/hot', status: 500, body: { errors: ['internal error'] } });
    for (let round = 0; round < 20; round += 1) {
      const error = await sendRawRequest(h.core.requester, { method: 'GET', path: 'secret/data/app/hot' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VaultUnavailableError);
      // Vault's 500, until the path's own breaker opens after 5 failed calls: then the call fails fast, sending nothing.
      expect(error).toMatchObject(round < 5 ? { status: 500, path: 'secret/data/app/hot' } : { path: 'secret/data/app/hot' });
      if (round >= 5)
        expect([500, 'circuit-open']).toContain(
          (error as VaultUnavailableError).kind === 'circuit-open' ? 'circuit-open' : (error as VaultUnavailableError).status,
        );
      await readsFromVault(h, round);
      await h.time.advance(200);
    }
  });

  it('a 429 from a per-path rate-limit quota backs off that path alone (no request while backed off), the module stays ready', async () => {
    await server.admin.writeQuotaConfig({ enable_rate_limit_response_headers: true });
    await server.admin.writeRateLimitQuota('hot', { path: 'secret/data/app/hot', rate: 1, interval: '1m' });
    const h = harness();
    await h.core.start();
    await sendRawRequest(h.core.requester, { method: 'GET', path: 'secret/data/app/hot' }); // the quota's one request
    const limited = await sendRawRequest(h.core.requester, { method: 'GET', path: 'secret/data/app/hot' }).catch((e: unknown) => e);
    expect(limited).toMatchObject({ status: 429, path: 'secret/data/app/hot' });
    expect((limited as Error).message).toContain('rate limit quota exceeded');
    server.clearRequests();
    for (let round = 0; round < 20; round += 1) {
      const error = await sendRawRequest(h.core.requester, { method: 'GET', path: 'secret/data/app/hot' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VaultUnavailableError);
      expect(error).toMatchObject({ kind: 'path-backoff', path: 'secret/data/app/hot' });
      expect((error as Error).message).toMatch(/secret\/data\/app\/hot.*called again at \d{4}-/);
      await readsFromVault(h, round);
    }
    expect(server.requestCount({ path: 'secret/data/app/hot' })).toBe(0);
    // Other paths of the same mount were never refused by its breaker.
    expect(server.requestCount({ method: 'GET', path: 'secret/data/app/config' })).toBe(20);
  });

  it('429s do not open the mount’s circuit breaker: the mount’s other paths keep going to Vault', async () => {
    const h = harness();
    await h.core.start();
    server.faults.add({ path: /^secret\/data\/app\/hot/, status: 429, body: { errors: ['rate limit quota exceeded'] } });
    // Straight through the HTTP client (under the supervisor a path fault is not retried there).
    for (let i = 0; i < 8; i += 1) {
      const path = `secret/data/app/hot${i}`;
      await expect(h.core.client.request({ method: 'GET', path })).rejects.toMatchObject({ status: 429 });
    }
    await expect(h.core.client.request({ method: 'GET', path: 'secret/data/app/config' })).resolves.toMatchObject({ status: 200 });
  });

  it('a BigInt body is an InvalidRequestError: nothing is sent, the module stays ready', async () => {
    const h = harness();
    await h.core.start();
    server.clearRequests();
    const error = await sendRawRequest(h.core.requester, {
      method: 'POST',
      path: 'secret/data/app/big',
      body: { data: { n: 10n } },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(server.requestCount({ path: 'secret/data/app/big' })).toBe(0);
    expect(h.core.status()).toMatchObject({ state: 'ready' });
    await readsFromVault(h, 1);
  });

  it('20 calls to a path answering 403 `invalid token` while the token works: one lookup-self, no login, module ready', async () => {
    const h = await approleHarness();
    await h.core.start();
    await h.core.fetchSecret('config');
    server.faults.add({ path: 'secret/data/app/odd', status: 403, body: { errors: ['invalid token'] } });
    h.sent.length = 0;
    const errors = await Promise.all(
      Array.from({ length: 20 }, () =>
        sendRawRequest(h.core.requester, { method: 'GET', path: 'secret/data/app/odd' }).catch((e: unknown) => e),
      ),
    );
    expect(errors.every((e) => e instanceof InvalidTokenError)).toBe(true);
    expect(h.core.status()).toMatchObject({ state: 'ready' });
    expect(h.count('auth/token/lookup-self')).toBeLessThanOrEqual(1);
    expect(h.count('auth/approle/login')).toBe(0);
    await readsFromVault(h, 2);
    // Later calls within the verdict's life cost no more lookups.
    for (let i = 0; i < 5; i += 1)
      await expect(sendRawRequest(h.core.requester, { method: 'GET', path: 'secret/data/app/odd' })).rejects.toBeInstanceOf(
        InvalidTokenError,
      );
    expect(h.count('auth/token/lookup-self')).toBeLessThanOrEqual(1);
    expect(h.count('auth/approle/login')).toBe(0);
  });
});
