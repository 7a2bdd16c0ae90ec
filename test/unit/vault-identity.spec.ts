/**
 * The identity `vaultConfigLoader` compares before handing its values over to the module: the
 * same Vault, namespaces, auth identity and KV locations, or no sharing at all.
 */
import { describe, expect, it } from 'vitest';
import type { AuthMethod, VaultConfig } from '../../lib/index.js';
import { resolveVaultConfig } from '../../lib/core/resolve-vault-config.js';
import { vaultIdentity } from '../../lib/nest/vault-identity.js';

const base: VaultConfig = {
  address: 'http://vault.test:8200',
  namespace: 'team-a',
  token: 'hvs.token-of-team-a',
  secretsPath: 'secret/data/app',
};
const identity = (config: VaultConfig): Promise<string | undefined> => vaultIdentity(resolveVaultConfig(config, {}));

describe('vaultIdentity', () => {
  it('is the same for two separately resolved copies of one configuration (so the loader can hand over)', async () => {
    expect(await identity(base)).toBeDefined();
    expect(await identity(base)).toBe(await identity({ ...base }));
    const approle: VaultConfig = { ...base, token: undefined, auth: { method: 'approle', roleId: 'role-1', secretId: 'sid-1' } };
    expect(await identity(approle)).toBe(await identity({ ...approle }));
  });

  it.each<[string, VaultConfig]>([
    ['address', { ...base, address: 'http://other-vault.test:8200' }],
    ['namespace', { ...base, namespace: 'team-b' }],
    ['auth namespace', { ...base, auth: { method: 'token', token: 'hvs.token-of-team-a', namespace: 'root-ns' } }],
    ['token', { ...base, token: 'hvs.token-of-team-b' }],
    ['auth method', { ...base, token: undefined, auth: { method: 'userpass', username: 'web', password: 'hvs.token-of-team-a' } }],
    ['secretsPath', { ...base, secretsPath: 'secret/data/other' }],
    ['kvVersion', { ...base, kvVersion: 1 }],
    ['paths', { ...base, paths: { shared: 'secret/data/shared' } }],
  ])('differs when the %s differs', async (_what, other) => {
    expect(await identity(other)).not.toBe(await identity(base));
  });

  it('differs when only the secretsMount differs', async () => {
    const path = { ...base, secretsPath: 'team/kv/app' };
    expect(await identity({ ...path, secretsMount: 'team/kv' })).not.toBe(await identity({ ...path, secretsMount: 'team' }));
  });

  it('tells AppRole role IDs, secret IDs and userpass users apart', async () => {
    const approle = (roleId: string, secretId: string): VaultConfig => ({
      ...base,
      token: undefined,
      auth: { method: 'approle', roleId, secretId },
    });
    const userpass = (username: string): VaultConfig => ({
      ...base,
      token: undefined,
      auth: { method: 'userpass', username, password: 'pw-123456' },
    });
    expect(await identity(approle('role-1', 'sid-1'))).not.toBe(await identity(approle('role-2', 'sid-1')));
    expect(await identity(approle('role-1', 'sid-1'))).not.toBe(await identity(approle('role-1', 'sid-2')));
    expect(await identity(userpass('web'))).not.toBe(await identity(userpass('batch')));
  });

  it('a custom auth method is the same identity only as the same object', async () => {
    const method = (): AuthMethod => ({ name: 'custom', canLogin: true, login: () => Promise.reject(new Error('not called')) });
    const shared = method();
    expect(await identity({ ...base, token: undefined, auth: shared })).toBe(await identity({ ...base, token: undefined, auth: shared }));
    expect(await identity({ ...base, token: undefined, auth: method() })).not.toBe(
      await identity({ ...base, token: undefined, auth: method() }),
    );
  });

  it('holds no credential in clear', async () => {
    const id = await identity(base);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id).not.toContain('token-of-team-a');
  });
});
