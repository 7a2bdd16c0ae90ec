/**
 * Namespaces: logging in to one namespace (`auth.namespace`, e.g. the parent) and reading secrets
 * in another (`namespace`, e.g. a child), token calls sent to the namespace the token lives in,
 * and namespace paths normalised as Vault does. The test server records each request's
 * namespace and refuses a token outside the namespace it was created in (or below it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionsError, SecretsManager, type VaultConfig } from '../../lib/index.js';
import { normalizeNamespace } from '../../lib/options/normalize-namespace.js';
import { resolveVaultConfig } from '../../lib/core/resolve-vault-config.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { CapturingLogger } from '../support/capture-logs.js';

let server: VaultTestServer;

beforeAll(async () => {
  server = await VaultTestServer.start();
  await server.admin.kvPut('secret', 'app/db', { password: 'in-a-namespace' });
  await server.admin.writePolicy('app-read', 'path "secret/data/app/*" { capabilities = ["read"] }');
  await server.admin.enableAuthMethod('userpass', 'userpass');
  await server.admin.writeUserpassUser('userpass', 'web', { password: 'pw-123456', token_policies: ['app-read'], token_ttl: 600 });
});
afterAll(() => server.stop());

function manager(config: Partial<VaultConfig>, env: NodeJS.ProcessEnv = {}): SecretsManager {
  return new SecretsManager(
    {
      address: server.address,
      auth: { method: 'userpass', username: 'web', password: 'pw-123456' },
      secretsPath: 'secret/app',
      watch: { enabled: false },
      ...config,
    },
    { env, logger: new CapturingLogger() },
  );
}

describe('auth.namespace', () => {
  it('logs in to the parent namespace, reads in the child, and revokes the token where it lives', async () => {
    server.clearRequests();
    const m = manager({
      namespace: 'team-a/app',
      auth: { method: 'userpass', username: 'web', password: 'pw-123456', namespace: '/team-a' },
    });
    try {
      await m.start();
      expect(await m.fetchSecret('db')).toEqual({ password: 'in-a-namespace' });
    } finally {
      await m.close();
    }
    const byPath = (path: string) => server.requests.filter((r) => r.path === path).map((r) => [r.status, r.namespace]);
    expect(byPath('auth/userpass/login/web')).toEqual([[200, 'team-a/']]);
    expect(byPath('secret/data/app/db')).toEqual([[200, 'team-a/app/']]);
    // Token calls go to the token's namespace (renew-self and lookups take the same path).
    expect(byPath('auth/token/revoke-self')).toEqual([[204, 'team-a/']]);
  });

  it('without auth.namespace, the login goes to `namespace` too', async () => {
    server.clearRequests();
    const m = manager({ namespace: 'team-a/app/' });
    try {
      await m.start();
      expect(await m.fetchSecret('db')).toEqual({ password: 'in-a-namespace' });
    } finally {
      await m.close();
    }
    expect(server.requests.find((r) => r.path === 'auth/userpass/login/web')?.namespace).toBe('team-a/app/');
  });

  it('a token from a child namespace cannot read in the parent: permission denied, not a silent empty answer', async () => {
    const m = manager({
      namespace: 'team-a',
      auth: { method: 'userpass', username: 'web', password: 'pw-123456', namespace: 'team-a/app' },
    });
    try {
      await m.start();
      await expect(m.fetchSecret('db')).rejects.toMatchObject({ code: 'SECRETS_PERMISSION_DENIED' });
    } finally {
      await m.close();
    }
  });

  it('auth.namespace "root" (or "/") logs in to the root namespace: no header', async () => {
    server.clearRequests();
    const m = manager({ namespace: 'team-a/', auth: { method: 'userpass', username: 'web', password: 'pw-123456', namespace: 'root' } });
    try {
      await m.start();
      expect(await m.fetchSecret('db')).toEqual({ password: 'in-a-namespace' });
    } finally {
      await m.close();
    }
    const login = server.requests.find((r) => r.path === 'auth/userpass/login/web');
    expect(login?.namespace).toBeUndefined();
    expect(server.requests.find((r) => r.path === 'secret/data/app/db')?.namespace).toBe('team-a/');
  });
});

describe('namespace normalisation', () => {
  it('canonical form: no leading "/", one trailing "/"; root spelled "", "/" or "root" sends no header', () => {
    expect(normalizeNamespace('/team-a', 'namespace')).toEqual({ value: 'team-a/' });
    expect(normalizeNamespace('team-a', 'namespace')).toEqual({ value: 'team-a/' });
    expect(normalizeNamespace('team-a/app//', 'namespace')).toEqual({ value: 'team-a/app/' });
    expect(normalizeNamespace(' /team-a//app ', 'namespace')).toEqual({ value: 'team-a/app/' });
    expect(normalizeNamespace('/', 'namespace')).toEqual({});
    expect(normalizeNamespace('root', 'namespace')).toEqual({});
    expect(normalizeNamespace('team-a/../x', 'namespace').problem).toMatch(/is not a namespace path/);
  });

  it('applies to the option, VAULT_NAMESPACE and auth.namespace, and sends the canonical header', async () => {
    const base = { address: server.address, token: 't' };
    expect(resolveVaultConfig({ ...base, namespace: '/team-a' }, {}).namespace).toBe('team-a/');
    expect(resolveVaultConfig(base, { VAULT_NAMESPACE: '/team-a/app' }).namespace).toBe('team-a/app/');
    expect(
      resolveVaultConfig({ ...base, namespace: '/team-a/app', auth: { method: 'token', token: 't', namespace: '/team-a' } }, {}),
    ).toMatchObject({
      namespace: 'team-a/app/',
      authNamespace: 'team-a/',
    });
    // Without auth.namespace the token lives in the secrets' namespace.
    expect(resolveVaultConfig({ ...base, namespace: 'team-a' }, {}).authNamespace).toBe('team-a/');
    expect(() => resolveVaultConfig({ ...base, namespace: 'a/ b' }, {})).toThrow(InvalidOptionsError);
    expect(() => resolveVaultConfig({ ...base, auth: { method: 'token', token: 't', namespace: 7 } }, {})).toThrow(
      /auth.namespace must be a namespace path/,
    );

    server.clearRequests();
    const m = manager({ namespace: '/team-a/app' });
    try {
      await m.start();
      await m.fetchSecret('db');
    } finally {
      await m.close();
    }
    expect(server.requests.find((r) => r.path === 'secret/data/app/db')?.namespace).toBe('team-a/app/');
  });
});
