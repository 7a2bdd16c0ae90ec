import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionsError, SecretsManager, AuthFailedError, type VaultConfig } from '../../lib/index.js';
import { coreOf, supervisorOf } from '../support/core-harness.js';
import { createTestJwtIssuer, kubernetesServiceAccountClaims, VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';

let server: VaultTestServer;
const dir = mkdtempSync(join(tmpdir(), 'auth-'));

beforeAll(async () => {
  server = await VaultTestServer.start();
  await server.admin.kvPut('secret', 'app/db', { password: 'auth-methods' });
  await server.admin.writePolicy('app-read', 'path "secret/data/app/*" { capabilities = ["read"] }');
});
afterAll(() => server.stop());

/** Starts a standalone manager with `auth`, reads one secret, and returns what the module learned about its token. */
async function readWith(
  auth: VaultConfig['auth'],
  extra: Partial<VaultConfig> = {},
): Promise<{ manager: SecretsManager; accessor: string | undefined }> {
  const manager = await new SecretsManager(
    { address: server.address, auth, secretsPath: 'secret/app', watch: { enabled: false }, ...extra },
    { env: {} },
  ).start();
  expect(await manager.fetchSecret('db')).toEqual({ password: 'auth-methods' });
  return { manager, accessor: manager.tokenInfo()?.accessor };
}

describe('approle', () => {
  beforeAll(async () => {
    await server.admin.enableAuthMethod('team/approle', 'approle');
    await server.admin.writeAppRole('team/approle', 'web', { token_policies: ['app-read'], token_ttl: 600 });
  });

  it('logs in with role_id and a secret_id from a file, on a mount containing "/"', async () => {
    const roleId = await server.admin.readRoleId('team/approle', 'web');
    const secretIdFile = join(dir, 'secret-id');
    writeFileSync(secretIdFile, `${await server.admin.generateSecretId('team/approle', 'web')}\n`);
    const { manager } = await readWith({ method: 'approle', mount: 'team/approle', roleId, secretIdFile });
    expect(manager.tokenInfo()).toMatchObject({ policies: expect.arrayContaining(['app-read']), obtainedByLogin: true });
    await manager.close();
  });

  it('unwraps a response-wrapped secret_id once and keeps it for later logins', async () => {
    const roleId = await server.admin.readRoleId('team/approle', 'web');
    process.env.TEST_WRAPPED_SECRET_ID = await server.admin.generateSecretId('team/approle', 'web', { wrapTtl: '60s' });
    const { manager } = await readWith({
      method: 'approle',
      mount: 'team/approle',
      roleId,
      secretIdEnv: 'TEST_WRAPPED_SECRET_ID',
      secretIdWrapped: true,
    });
    expect(server.requestCount({ path: 'sys/wrapping/unwrap' })).toBe(1);
    await manager.close();
    delete process.env.TEST_WRAPPED_SECRET_ID;
  });

  it('fails with Vault’s reason when the secret_id is wrong, without echoing it', async () => {
    const roleId = await server.admin.readRoleId('team/approle', 'web');
    const manager = new SecretsManager(
      { address: server.address, auth: { method: 'approle', mount: 'team/approle', roleId, secretId: 'wrong-secret-id-value' } },
      { env: {} },
    );
    const error = await manager.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthFailedError);
    expect((error as Error).message).toContain('invalid role or secret ID');
    expect((error as Error).message).not.toMatch(/polic/);
    expect(inspect(error, { depth: 10 })).not.toContain('wrong-secret-id-value');
    await manager.close();
  });
});

describe('userpass', () => {
  it('logs in with a password from an env var', async () => {
    await server.admin.enableAuthMethod('userpass', 'userpass');
    await server.admin.writeUserpassUser('userpass', 'app', { password: 'pw-from-env', token_policies: ['app-read'] });
    process.env.TEST_VAULT_PASSWORD = 'pw-from-env';
    const { manager } = await readWith({ method: 'userpass', username: 'app', passwordEnv: 'TEST_VAULT_PASSWORD' });
    expect(inspect(manager, { depth: 10, showHidden: true })).not.toContain('pw-from-env');
    await manager.close();
    delete process.env.TEST_VAULT_PASSWORD;
  });
});

describe('kubernetes', () => {
  it('re-reads the service-account JWT file at every login (projected tokens rotate)', async () => {
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
      token_ttl: 600,
      token_type: 'batch',
    });
    const jwtFile = join(dir, 'k8s-token');
    const sign = (): string =>
      issuer.sign(kubernetesServiceAccountClaims({ namespace: 'apps', serviceAccountName: 'web', projected: true }), {
        nowMs: server.clock.now(),
        expiresInSeconds: 3600,
      });
    writeFileSync(jwtFile, sign());
    const { manager, accessor } = await readWith({ method: 'kubernetes', role: 'web', jwtFile });
    // Expire the (batch) token on the server, and rotate the file to a JWT of another service account:
    // the re-login must read the file again, and is refused for it.
    server.clock.advance(601_000);
    writeFileSync(
      jwtFile,
      issuer.sign(kubernetesServiceAccountClaims({ namespace: 'apps', serviceAccountName: 'intruder', projected: true }), {
        nowMs: server.clock.now(),
        expiresInSeconds: 3600,
      }),
    );
    server.clearRequests();
    // The token cannot be replaced: the module is degraded (auth-failed) and the read is served from the last good value.
    expect(await manager.fetchSecret('db', { refresh: true })).toEqual({ password: 'auth-methods' });
    expect(manager.status()).toMatchObject({ state: 'degraded', reason: 'auth-failed', fallbackKeys: { db: 'stale-cache' } });
    expect(server.requests.filter((r) => r.path === 'auth/kubernetes/login').map((r) => r.status)).toEqual([403]);
    // Reads send nothing more until the supervisor's next attempt.
    await manager.fetchSecret('db', { refresh: true });
    expect(server.requests.filter((r) => r.path === 'auth/kubernetes/login')).toHaveLength(1);
    // The refusal carries Vault's own reason, never advice about token policies.
    const refused = await coreOf(manager)
      .tokens.reauthenticate()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthFailedError);
    expect((refused as Error).message).toMatch(/service account name not authorized/);
    expect((refused as Error).message).not.toMatch(/polic/);
    writeFileSync(jwtFile, sign());
    await supervisorOf(manager).attemptNow();
    expect(await manager.fetchSecret('db', { refresh: true })).toEqual({ password: 'auth-methods' });
    expect(manager.tokenInfo()?.accessor).not.toBe(accessor);
    await manager.close();
  });
});

describe('jwt', () => {
  it('logs in with a JWT from a callback, called at each login', async () => {
    const issuer = createTestJwtIssuer();
    await server.admin.enableAuthMethod('jwt', 'jwt');
    await server.admin.writeJwtConfig('jwt', { jwt_validation_pubkeys: [issuer.publicKeyPem] });
    await server.admin.writeJwtRole('jwt', 'ci', {
      user_claim: 'sub',
      bound_audiences: ['vault'],
      token_policies: ['app-read'],
      token_ttl: 600,
    });
    let calls = 0;
    const { manager } = await readWith({
      method: 'jwt',
      role: 'ci',
      jwtProvider: () => {
        calls += 1;
        return issuer.sign({ sub: 'pipeline', aud: 'vault' }, { nowMs: server.clock.now(), expiresInSeconds: 300 });
      },
    });
    expect(calls).toBe(1);
    await manager.close();
  });
});

describe('auth options', () => {
  it('lists every problem of a bad auth block at once', () => {
    const error = (() => {
      try {
        new SecretsManager(
          { address: server.address, auth: { method: 'approle', secretId: 'x', secretIdFile: '/f', mount: '', typo: 1 } as never },
          { env: {} },
        );
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidOptionsError);
    const problems = (error as InvalidOptionsError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('unknown option "auth.typo"'),
        expect.stringContaining('auth.mount must be a mount path'),
        expect.stringContaining('the role_id is required'),
        expect.stringContaining('give the secret_id only once'),
      ]),
    );
    expect(JSON.stringify(problems)).not.toContain('"x"');
  });

  it('rejects an unknown method', () => {
    expect(() => new SecretsManager({ address: server.address, auth: { method: 'ldap' } as never }, { env: {} })).toThrow(
      /auth.method must be one of agent, token, approle, kubernetes, jwt, userpass/,
    );
  });
});

describe('agent mode', () => {
  it('sends no token: the Vault Agent at address authenticates', async () => {
    // A stand-in agent: a proxy that adds the token, as Vault Agent's auto-auth does.
    const { createServer, request } = await import('node:http');
    const target = new URL(server.address);
    const seen: Array<string | undefined> = [];
    const agent = createServer((req, res) => {
      seen.push(req.headers['x-vault-token'] as string | undefined);
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, 'x-vault-token': server.rootToken },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve));
    const port = (agent.address() as { port: number }).port;
    try {
      const manager = await new SecretsManager(
        { address: `http://127.0.0.1:${port}`, auth: { method: 'agent' }, secretsPath: 'secret/app', watch: { enabled: false } },
        { env: {} },
      ).start();
      expect(await manager.fetchSecret('db')).toEqual({ password: 'auth-methods' });
      expect(seen.every((t) => t === undefined)).toBe(true);
      expect(manager.tokenInfo()).toBeUndefined();
      await manager.close();
    } finally {
      agent.closeAllConnections();
      await new Promise((resolve) => agent.close(resolve));
    }
  });
});
