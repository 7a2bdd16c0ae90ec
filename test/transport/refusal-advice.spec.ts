/**
 * Issue 22 item 11 (rest): a refused token and a KV v2 policy written without `data/` get messages
 * that name the fix. A wrong token gave `Vault refused the token login (auth/token/lookup-self):
 * invalid token` with the advice only in `cause`; a token whose policy names `secret/app/*` on a KV v2
 * mount got a bare "permission denied" (BR-07: KV v2 rules must name `secret/data/...`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthFailedError, PermissionDeniedError, SecretsManager, type VaultConfig } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { settle } from '../support/async.js';

let vault: VaultTestServer;
const managers: SecretsManager[] = [];

beforeEach(async () => {
  vault = await VaultTestServer.start();
});
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close();
  await vault.stop();
});

function manager(options: Partial<VaultConfig>): SecretsManager {
  const m = new SecretsManager(
    { address: vault.address, secretsPath: 'secret/app', watch: { enabled: false }, fallbackEnv: false, ...options },
    { env: {} },
  );
  managers.push(m);
  return m;
}

async function tokenWith(policy: string): Promise<string> {
  await vault.admin.writePolicy('p', policy);
  return (await vault.admin.createToken({ policies: ['p'] })).client_token;
}

describe('a token Vault refuses at boot', () => {
  it('names VAULT_TOKEN and the token option in the message, not only in cause', async () => {
    const r = await settle(manager({ token: 'hvs.not-a-token-vault-knows' }).start());
    const error = !r.ok && r.error;
    expect(error).toBeInstanceOf(AuthFailedError);
    const message = (error as Error).message;
    expect(message).toContain('invalid token');
    expect(message).toMatch(/VAULT_TOKEN/);
    expect(message).toMatch(/`token` option/);
    expect(message).toMatch(/expired or revoked/);
    expect(message).not.toContain('hvs.not-a-token-vault-knows');
  });
});

describe('a KV v2 policy written for secret/<path> (BR-07)', () => {
  const V1_STYLE = 'path "secret/app/*" { capabilities = ["read", "list"] }';

  it.each([2, 'auto'] as const)('a denied read says KV v2 rules need secret/data/<path> (kvVersion %s)', async (kvVersion) => {
    await vault.admin.kvPut('secret', 'app/db', { password: 'x' });
    const m = await manager({ token: await tokenWith(V1_STYLE), kvVersion }).start();
    const r = await settle(m.fetchSecret('db'));
    const error = !r.ok && r.error;
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as Error).message).toContain('secret/data/app/db');
    expect((error as Error).message).toMatch(/KV v2/);
    expect((error as Error).message).toMatch(/"secret\/app\/db" does not grant/);
  });

  it('a denied list says KV v2 lists need secret/metadata/<path>', async () => {
    await vault.admin.kvPut('secret', 'app/db', { password: 'x' });
    const m = await manager({ token: await tokenWith(V1_STYLE), kvVersion: 2 }).start();
    const r = await settle(m.getAllSecrets());
    const error = !r.ok && r.error;
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as Error).message).toMatch(/KV v2.*`secret\/metadata\/app\/`/);
  });

  it('a denial on a KV v1 mount gets no data/ hint', async () => {
    await vault.admin.enableSecretsEngine('kv1', 'kv', { version: '1' });
    await vault.admin.request('POST', 'kv1/app/db', { password: 'x' });
    const m = await manager({
      token: await tokenWith('path "kv1/other/*" { capabilities = ["read"] }'),
      secretsPath: 'kv1/app',
      kvVersion: 1,
    }).start();
    const r = await settle(m.fetchSecret('db'));
    const error = !r.ok && r.error;
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as Error).message).not.toMatch(/data\//);
  });
});
