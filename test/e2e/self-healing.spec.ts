import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AuthFailedError,
  PermissionDeniedError,
  SecretsEvents,
  VaultUnavailableError,
  type SecretEngine,
  type VaultConfig,
} from '../../lib/index.js';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import { createTestJwtIssuer, kubernetesServiceAccountClaims, VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { appReadPolicy, freshServerPerTest, supervisedCore } from '../support/core-harness.js';

/**
 * The supervisor (issue 10): each finding of the issue as measured by a user, on the test server
 * with its frozen clock shared by the module (no sleeping), asserting what the app saw and how
 * many requests reached Vault. `random` is 0.5: each attempt lands in the middle of its window
 * (1 s, 2 s, 4 s, ... up to 5 min).
 */

let server: VaultTestServer;
const cores: SecretsCore[] = [];

freshServerPerTest((s) => (server = s), cores, appReadPolicy);

/** A core on the test server, its time moved by the test (see `test/support/core-harness.ts`). */
const harness = (options: Partial<VaultConfig>) => supervisedCore(server, cores, options);
/** Every request is dropped, `sys/health` included: Vault is unreachable. */
const takeVaultDown = (): (() => void) => server.faults.add({ drop: true });

describe('finding 1 and 9: boot with Vault down, then Vault comes back, with no read by the app', () => {
  it('boots with ONE attempt, serves the fallback without a request, then converges by itself within one backoff window and announces the new value', async () => {
    process.env.SECRETS_STRIPE = JSON.stringify({ key: 'from-env' });
    const up = takeVaultDown();
    const h = harness({ token: server.rootToken });
    expect(await h.core.start()).toBeUndefined();
    expect(h.count('auth/token/lookup-self')).toBe(1); // one attempt at boot, no retry loop
    expect(h.core.status()).toMatchObject({ state: 'degraded', reason: 'unreachable', vault: 'down', degraded: true });
    // One warning for the fault, one saying what to check (a new-user trial found two near-identical lines and no hint).
    const warnings = h.logger.lines.filter((l) => l.startsWith('warn'));
    expect(warnings.filter((l) => l.includes('Vault is unavailable'))).toHaveLength(1);
    expect(warnings.filter((l) => l.includes(`Nothing answered at ${server.address} at boot`) && l.includes('VAULT_ADDR'))).toHaveLength(1);
    const bootedAt = server.clock.now();

    h.sent.length = 0;
    expect(await h.core.fetchSecret('stripe')).toEqual({ key: 'from-env' });
    const error = await h.core.fetchSecret('unknown').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultUnavailableError);
    // First probe 1 s after the failed boot attempt, jittered to 50-100 %: 750 ms at random 0.5.
    expect((error as VaultUnavailableError).nextAttemptAt).toBe(bootedAt + 750);
    expect((error as Error).message).toContain(new Date(bootedAt + 750).toISOString());
    expect(h.sent).toHaveLength(0); // the supervisor backs off: reads send nothing
    expect(h.core.status().fallbackKeys).toEqual({ stripe: 'env' });

    up();
    await server.admin.kvPut('secret', 'app/stripe', { key: 'from-vault' });
    await h.time.advance(1000); // one backoff window, no read by the app
    expect(h.core.status()).toMatchObject({ state: 'ready', vault: 'up', degraded: false, fallbackKeys: {} });
    expect(h.rotations.map((r) => [r.key, r.reason, r.secret()])).toEqual([['stripe', 'recovered', { key: 'from-vault' }]]);
    expect(h.named(SecretsEvents.VaultUnavailable)).toEqual([expect.objectContaining({ available: false, reason: 'unreachable' })]);
    expect(h.named(SecretsEvents.VaultRecovered)).toHaveLength(1);
  });
});

describe('finding 5: sealed Vault', () => {
  it('for a minute at 10 reads/s: at most one probe per 2 s (reads nudge, never reach Vault), every read served; idle, it comes back by itself', async () => {
    const h = harness({ token: server.rootToken, cache: { ttlMs: 50 } });
    await h.core.start();
    expect(await h.core.fetchSecret('config')).toEqual({ feature: 'v1' });
    server.seal();
    h.sent.length = 0;
    let failed = 0;
    const probeTimes: number[] = [];
    for (let i = 0; i < 600; i += 1) {
      const before = h.count('sys/health');
      await h.time.advance(100);
      await h.core.fetchSecret('config').then(
        (v) => expect(v).toEqual({ feature: 'v1' }),
        () => (failed += 1),
      );
      for (let n = h.count('sys/health') - before; n > 0; n -= 1) probeTimes.push(server.clock.now());
    }
    expect(failed).toBe(0);
    expect(h.core.status()).toMatchObject({ state: 'degraded', reason: 'sealed', fallbackKeys: { config: 'stale-cache' } });
    // The read that found the seal, then only probes: no read, renewal or login reached the sealed Vault.
    expect(h.sent.length - h.count('sys/health')).toBeLessThanOrEqual(1);
    // Reads nudge early probes, at most one per 2 s: ≤ 31 in the minute. Only the ladder's own
    // opening steps (0.75 s, then 1.5 s later at random 0.5) are closer than 2 s.
    const gaps = probeTimes.slice(1).map((t, i) => t - probeTimes[i]!);
    console.log(`sealed 60 s at 10 reads/s: ${probeTimes.length} probes, gaps ${gaps.join(' ')} ms`);
    expect(probeTimes.length).toBeLessThanOrEqual(31);
    expect(gaps[0]).toBe(1500);
    expect(Math.min(...gaps.slice(1))).toBeGreaterThanOrEqual(2000);

    server.unseal();
    await server.admin.kvPut('secret', 'app/config', { feature: 'v2' });
    const next = h.core.status().nextAttemptAt!;
    await h.time.advance(next - server.clock.now()); // within one backoff step, no read
    expect(h.core.status()).toMatchObject({ state: 'ready', fallbackKeys: {} });
    expect(h.rotations.map((r) => [r.key, r.reason])).toEqual([['config', 'recovered']]);
  });
});

describe('finding 4: an AppRole secret_id that stops working', () => {
  it('30 minutes of reads every second: ≤ 3 refused logins per 15 minutes (lockout-safe, issue 17), 0 failed reads of a key with a last good value, AuthFailedError with Vault’s reason', async () => {
    await server.admin.enableAuthMethod('approle', 'approle');
    await server.admin.writeAppRole('approle', 'app', {
      token_ttl: 60,
      token_max_ttl: 60,
      token_policies: ['app-read'],
      secret_id_num_uses: 1,
    });
    const roleId = await server.admin.readRoleId('approle', 'app');
    const secretId = await server.admin.generateSecretId('approle', 'app');
    const h = harness({ auth: { method: 'approle', roleId, secretId } });
    await h.core.start();
    expect(await h.core.fetchSecret('config')).toEqual({ feature: 'v1' });
    let failed = 0;
    for (let s = 0; s < 1800; s += 1) {
      await h.time.advance(1000);
      await h.core.fetchSecret('config').catch(() => (failed += 1));
    }
    expect(failed).toBe(0);
    // Vault locks the role_id at 5 failures in 15 minutes: at most 3 refused logins in any 15 minutes (issue 17)
    const refusedAt = server.requests.filter((r) => r.path === 'auth/approle/login' && r.status === 400).map((r) => r.at);
    for (const at of refusedAt) expect(refusedAt.filter((t) => t >= at && t < at + 15 * 60_000).length).toBeLessThanOrEqual(3);
    expect(refusedAt.length).toBeGreaterThanOrEqual(3); // it does keep trying (after 1 min, then 5 min, then 15 min)
    expect(server.requests.filter((r) => r.path === 'auth/approle/login' && r.status === 403)).toHaveLength(0);
    expect(h.core.status()).toMatchObject({ state: 'degraded', reason: 'auth-failed', fallbackKeys: { config: 'stale-cache' } });
    const refused = await h.core.tokens.reauthenticate().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthFailedError);
    expect((refused as Error).message).toMatch(/invalid|secret id/i);
    expect((refused as Error).message).not.toMatch(/polic/i);
  });
});

describe('finding 6: a dead token on Vault ≤ 1.16 answers 403 "permission denied"', () => {
  it('one lookup-self tells it from a policy denial; a dead token gets one re-login and the read succeeds', async () => {
    await server.stop();
    server = await VaultTestServer.start({ vaultVersion: '1.16' });
    await server.admin.kvPut('secret', 'app/config', { feature: 'v1' });
    await server.admin.kvPut('secret', 'other/x', { y: '1' });
    await server.admin.writePolicy('app-read', 'path "secret/data/app/*" { capabilities = ["read"] }');
    await server.admin.enableAuthMethod('userpass', 'userpass');
    await server.admin.writeUserpassUser('userpass', 'app', { password: 'pw', token_policies: ['app-read'], token_ttl: 3600 });
    const h = harness({ auth: { method: 'userpass', username: 'app', password: 'pw' }, secretsPath: 'secret' });
    await h.core.start();
    // A policy denial: one lookup-self, no login, PermissionDeniedError.
    h.sent.length = 0;
    await expect(h.core.fetchSecret('other/x')).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(h.count('auth/token/lookup-self')).toBe(1);
    expect(h.count(/login/)).toBe(0);
    // The token is revoked behind the module's back: Vault 1.16 says "permission denied" too.
    await server.admin.revokeToken((await (h.core.tokens as unknown as { getToken(): Promise<string> }).getToken()) as string);
    h.sent.length = 0;
    expect(await h.core.fetchSecret('app/config')).toEqual({ feature: 'v1' });
    expect(h.count('auth/token/lookup-self')).toBe(1);
    expect(h.count('auth/userpass/login/app')).toBe(1);
    expect(h.count('secret/data/app/config')).toBe(2);
    expect(h.core.status().state).toBe('ready');
  });
});

describe('finding 6: the projected JWT file missing at re-login', () => {
  it('goes to auth-failed, reads serve the last good value, and the next attempt after the file is back logs in', async () => {
    const issuer = createTestJwtIssuer();
    await server.admin.enableAuthMethod('kubernetes', 'kubernetes');
    await server.admin.writeKubernetesConfig('kubernetes', {
      kubernetes_host: 'https://kubernetes.default.svc',
      pem_keys: [issuer.publicKeyPem],
    });
    await server.admin.writeKubernetesRole('kubernetes', 'web', {
      bound_service_account_names: ['web'],
      bound_service_account_namespaces: ['apps'],
      token_policies: ['app-read'],
      token_ttl: 60,
      token_max_ttl: 60,
    });
    const dir = mkdtempSync(join(tmpdir(), 'self-healing-'));
    const jwtFile = join(dir, 'token');
    const writeJwt = (): void =>
      writeFileSync(
        jwtFile,
        issuer.sign(kubernetesServiceAccountClaims({ namespace: 'apps', serviceAccountName: 'web', projected: true }), {
          nowMs: server.clock.now(),
          expiresInSeconds: 3600,
        }),
      );
    writeJwt();
    const h = harness({ auth: { method: 'kubernetes', role: 'web', jwtFile } });
    await h.core.start();
    expect(await h.core.fetchSecret('config')).toEqual({ feature: 'v1' });
    rmSync(jwtFile);
    let failed = 0;
    for (let s = 0; s < 120; s += 1) {
      await h.time.advance(1000);
      await h.core.fetchSecret('config', { refresh: true }).catch(() => (failed += 1));
    }
    expect(failed).toBe(0);
    expect(h.core.status()).toMatchObject({ state: 'degraded', reason: 'auth-failed', fallbackKeys: { config: 'stale-cache' } });
    writeJwt();
    await h.time.advance(h.core.status().nextAttemptAt! - server.clock.now());
    expect(h.core.status()).toMatchObject({ state: 'ready', fallbackKeys: {} });
  });
});

describe('finding 9b: a token given as `token` that expired', () => {
  it('is not sent again and again: auth-failed, then one lookup per backoff window', async () => {
    const { client_token } = await server.admin.createToken({ policies: ['app-read'], ttl: 60, explicit_max_ttl: 60 });
    const h = harness({ token: client_token });
    await h.core.start();
    expect(await h.core.fetchSecret('config')).toEqual({ feature: 'v1' });
    await h.time.advance(61_000);
    h.sent.length = 0;
    let served = 0;
    for (let i = 0; i < 600; i += 1) {
      await h.time.advance(1000);
      await h.core.fetchSecret('config', { refresh: true }).then(() => (served += 1));
    }
    expect(served).toBe(600); // the last good value
    expect(h.core.status()).toMatchObject({ state: 'degraded', reason: 'auth-failed' });
    // One attempt per window (sys/health + one lookup-self of the dead token): 9 windows in 10 minutes. Was one request per read.
    expect(h.count('auth/token/lookup-self')).toBeLessThanOrEqual(10);
    expect(h.sent.length).toBeLessThanOrEqual(20);
  });
});

describe('finding 3: a lease that expires during an outage', () => {
  const shortLived: SecretEngine<{ token: string }> = {
    name: 'short',
    async fetch({ client }) {
      const res = await client.request<{ data: { data: { feature: string } }; request_id: string }>({
        method: 'GET',
        path: 'secret/data/app/config',
      });
      return {
        data: { token: `${res.body!.data.data.feature}-${res.body!.request_id}` },
        lease: { id: `short/creds/x/${res.body!.request_id}`, duration: 10, renewable: false },
      };
    },
  };

  it('is fetched again and announced when Vault returns, with no read by the app', async () => {
    const h = harness({ token: server.rootToken, engines: [shortLived], leases: { overlapMs: 0 } });
    await h.core.start();
    const first = await h.core.leased.fetchFrom<{ token: string }>('short', 'x', undefined, 'short');
    expect(h.core.status().leases.count).toBe(1);
    const up = takeVaultDown();
    await h.time.advance(20_000); // the 10 s lease expires while Vault is down
    expect(h.core.status()).toMatchObject({ state: 'degraded', leases: { count: 0 } });
    expect(h.named(SecretsEvents.LeaseExpired)).toHaveLength(1);
    up();
    await h.time.advance(h.core.status().nextAttemptAt! - server.clock.now());
    expect(h.core.status()).toMatchObject({ state: 'ready', leases: { count: 1 } });
    const rotation = h.rotations.find((r) => r.key === 'short');
    expect(rotation).toMatchObject({ reason: 'recovered', previousLeaseId: first.leaseId });
    expect(rotation!.currentLeaseId).not.toBe(first.leaseId);
  });
});

describe('finding 2 and 10: one truth for status(), events and health', () => {
  it('a DR secondary (sys/health 472) is down; probes within a few seconds share one sys/health call', async () => {
    const h = harness({ token: server.rootToken });
    await h.core.start();
    server.faults.add({
      path: 'sys/health',
      status: 472,
      body: { initialized: true, sealed: false, standby: true, replication_dr_mode: 'secondary' },
    });
    h.sent.length = 0;
    for (let i = 0; i < 10; i += 1) expect(await h.core.probeHealth(1000, 5000)).toMatchObject({ drSecondary: true });
    expect(h.count('sys/health')).toBe(1);
    await h.time.advance(0);
    expect(h.core.status()).toMatchObject({ state: 'degraded', reason: 'dr-secondary', vault: 'down' });
  });
});
