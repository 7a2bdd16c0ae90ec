import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoginHeldError } from '../../lib/errors/login-held.error.js';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { supervisedCore } from '../support/core-harness.js';

/**
 * Issue 17, finding 6: logins never trip Vault's user lockout (5 failed logins lock the role_id
 * or username for 15 minutes). A credential refused as such is sent at most 3 times per 15
 * minutes; a rewritten credential file is tried within about a second; a "locked" answer (403
 * `permission denied` on the login) waits the lockout out. Test server clock, no sleeping.
 */

let server: VaultTestServer;
let dir: string;
const cores: SecretsCore[] = [];

beforeEach(async () => {
  server = await VaultTestServer.start();
  dir = await mkdtemp(join(tmpdir(), 'lockout-'));
  await server.admin.kvPut('secret', 'app/config', { feature: 'v1' });
  await server.admin.writePolicy('app-read', 'path "secret/*" { capabilities = ["read", "list"] }');
});

afterEach(async () => {
  for (const core of cores.splice(0)) await core.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const logins = (path: string, status: number) =>
  server.requests.filter((r) => r.path === path && r.method === 'POST' && r.status === status).length;

/** An AppRole with a 60 s token whose secret_id the app reads from a file. */
async function appRoleFromFile() {
  await server.admin.enableAuthMethod('approle', 'approle');
  await server.admin.writeAppRole('approle', 'app', { token_policies: ['app-read'], token_ttl: 60, token_max_ttl: 60 });
  const roleId = await server.admin.readRoleId('approle', 'app');
  const secretId = await server.admin.generateSecretId('approle', 'app');
  const secretIdFile = join(dir, 'secret-id');
  await writeFile(secretIdFile, secretId);
  const h = supervisedCore(server, cores, { auth: { method: 'approle', roleId, secretIdFile } });
  return { h, roleId, secretId, secretIdFile };
}

describe('lockout-safe logins (finding 6)', () => {
  it('a dead secret_id for 15 minutes under reads: ≤ 3 refused logins, no lockout; a rewritten file logs in within 2 s', async () => {
    const { h, secretId, secretIdFile } = await appRoleFromFile();
    await h.core.start();
    expect(await h.core.fetchSecret('config')).toEqual({ feature: 'v1' });
    await server.admin.request('POST', 'auth/approle/role/app/secret-id/destroy', { secret_id: secretId });

    let failed = 0;
    const read = () => h.core.fetchSecret('config', { refresh: true }).catch(() => void (failed += 1));
    for (let t = 0; t < 60_000; t += 50) {
      await h.time.advance(50);
      await read();
    }
    for (let t = 60_000; t < 15 * 60_000; t += 1000) {
      await h.time.advance(1000);
      await read();
    }
    expect(failed).toBe(0);
    expect(logins('auth/approle/login', 400)).toBeGreaterThanOrEqual(1);
    expect(logins('auth/approle/login', 400)).toBeLessThanOrEqual(3);
    expect(logins('auth/approle/login', 403)).toBe(0);
    const hold = h.core.tokens.loginHold();
    expect(hold).toMatchObject({ state: 'held' });
    expect(hold!.retryAt).toBeGreaterThan(server.clock.now());
    expect(JSON.stringify(hold)).not.toContain(secretId);
    // status() says why no login is sent and until when, without the credential.
    const status = h.core.status();
    expect(status).toMatchObject({ state: 'degraded', reason: 'auth-failed' });
    expect(status.login).toEqual({
      state: 'held',
      retryAt: hold!.retryAt,
      refusedLogins: logins('auth/approle/login', 400),
      reason: expect.stringMatching(/invalid/i) as unknown,
    });
    expect(JSON.stringify(status)).not.toContain(secretId);

    // the operator writes a fresh secret_id: the module logs in within 2 s
    const fresh = await server.admin.generateSecretId('approle', 'app');
    await writeFile(secretIdFile, fresh);
    const written = server.clock.now();
    for (let t = 0; t < 2000 && logins('auth/approle/login', 200) < 2; t += 100) await h.time.advance(100);
    expect(logins('auth/approle/login', 200)).toBe(2);
    const loggedIn = server.requests.filter((r) => r.path === 'auth/approle/login' && r.status === 200).at(-1)!;
    expect(loggedIn.at - written).toBeLessThanOrEqual(2000);
    expect(h.core.tokens.loginHold()).toBeUndefined();
    expect(h.core.status().login).toBeUndefined();
  });

  it('a role_id already locked: one 403, then no login until the lockout is over, then a login', async () => {
    const { h, roleId, secretId } = await appRoleFromFile();
    await h.core.start();
    // someone else trips the lockout of this role_id
    for (let i = 0; i < 5; i += 1) {
      await server.admin
        .request('POST', 'auth/approle/login', { role_id: roleId, secret_id: 'wrong' }, { token: '' })
        .catch(() => undefined);
    }
    expect(logins('auth/approle/login', 400)).toBe(5);
    await expect(h.core.tokens.reauthenticate('test')).rejects.toThrow();
    expect(logins('auth/approle/login', 403)).toBe(1);
    await expect(h.core.tokens.reauthenticate('test')).rejects.toBeInstanceOf(LoginHeldError);
    expect(h.core.tokens.loginHold()).toMatchObject({ state: 'locked' });
    const locked = h.core.status().login;
    expect(locked).toMatchObject({ state: 'locked', reason: expect.any(String) as unknown });
    // Waited out: 15 minutes (Vault's lockout) and a margin after the locked answer.
    expect(locked!.retryAt - server.clock.now()).toBeGreaterThanOrEqual(15 * 60_000);
    const sentAt = server.requests.length;
    for (let t = 0; t < 14 * 60_000; t += 60_000) {
      await h.time.advance(60_000);
      await h.core.tokens.reauthenticate('test').catch((error: unknown) => expect(error).toBeInstanceOf(LoginHeldError));
    }
    expect(server.requests.slice(sentAt).filter((r) => r.path === 'auth/approle/login')).toHaveLength(0);
    await h.time.advance(2 * 60_000);
    // Once the lockout is over the supervisor's own attempt logs in: no call from the app is needed.
    expect(logins('auth/approle/login', 200)).toBe(2);
    expect(h.core.supervisor.state).toBe('ready');
    expect(h.core.status().login).toBeUndefined();
    expect(JSON.stringify(h.logger.lines)).not.toContain(secretId);
  });
});
