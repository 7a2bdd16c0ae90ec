import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidSecretKeyError,
  PermissionDeniedError,
  SecretNotFoundError,
  SecretsModule,
  SecretsService,
  UnsupportedOperationError,
  VaultSealedError,
  VaultUnavailableError,
  type VaultConfig,
} from '../../lib/index.js';
import { bootApp } from '../support/boot-app.js';
import { onTestServer, startTestVault, uniqueName, type TestVault } from '../support/test-vault.js';
import { supervisorOf } from '../support/core-harness.js';

let vault: TestVault;

beforeAll(async () => {
  vault = await startTestVault();
});
afterAll(() => vault.stop());

async function service(options: VaultConfig): Promise<{ secrets: SecretsService; close: () => Promise<void> }> {
  const { app } = await bootApp([SecretsModule.forRoot({ address: vault.address, token: vault.rootToken, ...options })]);
  return { secrets: app.get(SecretsService), close: () => app.close() };
}

describe('KV v2 reads', () => {
  let mount: string;
  beforeAll(async () => {
    mount = uniqueName('kv2');
    await vault.admin.enableSecretsEngine(mount, 'kv', { version: '2' });
    await vault.admin.kvPut(mount, 'app/database', { password: 'v1-password' });
    await vault.admin.kvPut(mount, 'app/database', { password: 'v2-password' });
    await vault.admin.kvPut(mount, 'app/database', { password: 'v3-password' });
    await vault.admin.kvPut(mount, 'app/kafka/producer', { user: 'producer', password: 'kafka' });
    await vault.admin.kvPut(mount, 'app/kafka/consumer', { user: 'consumer', password: 'kafka' });
    await vault.admin.kvPut(mount, 'app/team a/key ü?#%', { value: 'odd' });
  });

  it('returns the inner data of the latest version, the same for secret/data/app and secret/app', async () => {
    for (const secretsPath of [`${mount}/data/app`, `${mount}/app`]) {
      const { secrets, close } = await service({ secretsPath });
      expect(await secrets.fetchSecret('database')).toEqual({ password: 'v3-password' });
      await close();
    }
  });

  it('reads pinned versions, cached apart from the latest', async () => {
    const { secrets, close } = await service({ secretsPath: `${mount}/app` });
    expect(await secrets.fetchSecret('database', { version: 1 })).toEqual({ password: 'v1-password' });
    expect(await secrets.fetchSecret('database')).toEqual({ password: 'v3-password' });
    expect(await secrets.fetchSecret('database', { version: 2 })).toEqual({ password: 'v2-password' });
    const withMeta = await secrets.fetchSecretWithMetadata('database');
    expect(withMeta.version).toBe(3);
    await close();
  });

  it('reports a missing key, a never-written version, a soft-deleted and a destroyed version, each as SecretNotFoundError saying which', async () => {
    const path = uniqueName('lifecycle');
    await vault.admin.kvPut(mount, `app/${path}`, { v: '1' });
    await vault.admin.kvPut(mount, `app/${path}`, { v: '2' });
    await vault.admin.kvPut(mount, `app/${path}`, { v: '3' });
    await vault.admin.kvDeleteVersions(mount, `app/${path}`, [1]);
    await vault.admin.kvDestroy(mount, `app/${path}`, [2]);
    const { secrets, close } = await service({ secretsPath: `${mount}/app` });
    await expect(secrets.fetchSecret('nope')).rejects.toMatchObject({ name: 'SecretNotFoundError', reason: 'missing' });
    await expect(secrets.fetchSecret(path, { version: 9 })).rejects.toMatchObject({ reason: 'missing', version: 9 });
    await expect(secrets.fetchSecret(path, { version: 1 })).rejects.toMatchObject({ reason: 'deleted', version: 1 });
    await expect(secrets.fetchSecret(path, { version: 2 })).rejects.toMatchObject({ reason: 'destroyed', version: 2 });
    expect(await secrets.fetchSecret(path)).toEqual({ v: '3' });
    await vault.admin.kvDeleteLatest(mount, `app/${path}`);
    const error = await secrets.fetchSecret(path, { refresh: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as SecretNotFoundError).reason).toBe('deleted');
    expect((error as SecretNotFoundError).message).toContain('soft-deleted');
    await close();
  });

  it('describes a key: versions and custom metadata, no values', async () => {
    await vault.admin.kvWriteMetadata(mount, 'app/database', { custom_metadata: { owner: 'payments' } });
    const { secrets, close } = await service({ secretsPath: `${mount}/app` });
    const description = await secrets.describeSecret('database');
    expect(description).toMatchObject({
      key: 'database',
      mount,
      path: 'app/database',
      kvVersion: 2,
      currentVersion: 3,
      customMetadata: { owner: 'payments' },
    });
    expect(Object.keys(description.versions ?? {})).toEqual(['1', '2', '3']);
    expect(JSON.stringify(description)).not.toContain('password');
    await close();
  });

  it('encodes odd characters in keys and rejects malformed keys before any request', async () => {
    const { secrets, close } = await service({ secretsPath: `${mount}/app` });
    expect(await secrets.fetchSecret('team a/key ü?#%')).toEqual({ value: 'odd' });
    const before = vault.server?.requestCount() ?? 0;
    for (const key of ['', '../sys/mounts', 'a//b', './x', '/abs', 'x/']) {
      await expect(secrets.fetchSecret(key)).rejects.toBeInstanceOf(InvalidSecretKeyError);
    }
    await expect(secrets.fetchSecret('database', { version: 0 })).rejects.toBeInstanceOf(InvalidSecretKeyError);
    if (vault.server) expect(vault.server.requestCount()).toBe(before);
    await close();
  });

  it('bulk-loads every key recursively, one read per key, skipping deleted keys, then serves them from the cache', async () => {
    const folder = uniqueName('bulk');
    await vault.admin.kvPut(mount, `${folder}/database`, { password: 'db' });
    await vault.admin.kvPut(mount, `${folder}/kafka/producer`, { user: 'producer', password: 'kafka' });
    await vault.admin.kvPut(mount, `${folder}/kafka/consumer`, { user: 'consumer', password: 'kafka' });
    await vault.admin.kvPut(mount, `${folder}/deep/er/still/key`, { k: 'v' });
    await vault.admin.kvPut(mount, `${folder}/gone`, { k: 'v' });
    await vault.admin.kvDeleteLatest(mount, `${folder}/gone`);
    const { secrets, close } = await service({ secretsPath: `${mount}/${folder}` });
    vault.server?.clearRequests();
    const all = await secrets.getAllSecrets();
    expect(Object.keys(all)).toEqual(['database', 'deep/er/still/key', 'kafka/consumer', 'kafka/producer']);
    expect(all['kafka/producer']).toEqual({ user: 'producer', password: 'kafka' });
    if (vault.server) {
      // one read per listed key (the soft-deleted one is read once and left out)
      expect(vault.server.requestCount({ method: 'GET', path: new RegExp(`^${mount}/data/`) })).toBe(5);
      vault.server.clearRequests();
      await secrets.fetchSecret('kafka/producer');
      await secrets.getAllSecrets();
      expect(vault.server.requestCount({ path: new RegExp(`^${mount}/data/`) })).toBe(1);
    }
    await close();
  });

  it('treats LIST of an empty or missing folder as no keys', async () => {
    const { secrets, close } = await service({ secretsPath: `${mount}/${uniqueName('empty')}` });
    expect(await secrets.getAllSecrets()).toEqual({});
    await close();
  });

  it('works on a mount whose name contains "/" (data/ inserted once, after the mount)', async () => {
    const nested = `${uniqueName('team')}/a/kv`;
    await vault.admin.enableSecretsEngine(nested, 'kv', { version: '2' });
    await vault.admin.kvPut(nested, 'svc/data/inner', { k: 'nested' });
    for (const options of [
      { secretsPath: `${nested}/data/svc` },
      { secretsPath: `${nested}/svc`, secretsMount: nested },
      { secretsPath: `${nested}/svc`, kvVersion: 'auto' as const },
    ]) {
      const { secrets, close } = await service(options);
      expect(await secrets.fetchSecret('data/inner')).toEqual({ k: 'nested' });
      await close();
    }
  });
});

describe('KV v1 reads', () => {
  it('reads, lists and detects v1 with kvVersion auto; refuses versioned reads', async () => {
    const mount = uniqueName('kv1');
    await vault.admin.enableSecretsEngine(mount, 'kv', { version: '1' });
    await vault.admin.kvV1Put(mount, 'app/database', { password: 'kv1-password' });
    await vault.admin.kvV1Put(mount, 'app/nested/one', { a: '1' });
    for (const kvVersion of [1, 'auto'] as const) {
      const { secrets, close } = await service({ secretsPath: `${mount}/app`, kvVersion });
      expect(await secrets.fetchSecret('database')).toEqual({ password: 'kv1-password' });
      expect(await secrets.getAllSecrets()).toEqual({ database: { password: 'kv1-password' }, 'nested/one': { a: '1' } });
      await expect(secrets.fetchSecret('database', { version: 1 })).rejects.toBeInstanceOf(UnsupportedOperationError);
      expect(await secrets.describeSecret('database')).toEqual({ key: 'database', mount, path: 'app/database', kvVersion: 1 });
      await close();
    }
  });

  it('detects KV v2 with kvVersion auto, once per mount', async () => {
    const mount = uniqueName('auto2');
    await vault.admin.enableSecretsEngine(mount, 'kv', { version: '2' });
    await vault.admin.kvPut(mount, 'app/a', { x: '1' });
    await vault.admin.kvPut(mount, 'app/b', { x: '2' });
    const { secrets, close } = await service({ secretsPath: `${mount}/app`, kvVersion: 'auto' });
    vault.server?.clearRequests();
    await Promise.all([secrets.fetchSecret('a'), secrets.fetchSecret('b')]);
    if (vault.server) expect(vault.server.requestCount({ path: /^sys\/internal\/ui\/mounts\// })).toBe(1);
    await close();
  });
});

describe('cache', () => {
  it('serves 10,000 concurrent cold reads of one key with one request', async () => {
    const path = uniqueName('stampede');
    await vault.admin.kvPut('secret', `${path}/hot`, { value: 'hot' });
    const { secrets, close } = await service({ secretsPath: `secret/${path}` });
    vault.server?.clearRequests();
    const results = await Promise.all(Array.from({ length: 10_000 }, () => secrets.fetchSecret('hot')));
    expect(new Set(results).size).toBe(1);
    if (vault.server) expect(vault.server.requestCount({ path: `secret/data/${path}/hot` })).toBe(1);
    await close();
  });

  it('hands out values that cannot be mutated into the cache', async () => {
    const path = uniqueName('frozen');
    await vault.admin.kvPut('secret', `${path}/k`, { value: 'original', nested: { a: 1 } });
    const { secrets, close } = await service({ secretsPath: `secret/${path}` });
    const first = await secrets.fetchSecret<{ value: string; nested: { a: number } }>('k');
    expect(() => {
      first.value = 'changed';
    }).toThrow(TypeError);
    expect(() => {
      first.nested.a = 2;
    }).toThrow(TypeError);
    expect((await secrets.fetchSecret('k')).value).toBe('original');
    await close();
  });

  it('expires entries after cache.ttlMs and refreshes on demand', async () => {
    const path = uniqueName('ttl');
    await vault.admin.kvPut('secret', `${path}/k`, { value: 'one' });
    const { secrets, close } = await service({ secretsPath: `secret/${path}`, cache: { ttlMs: 50 } });
    expect((await secrets.fetchSecret('k')).value).toBe('one');
    await vault.admin.kvPut('secret', `${path}/k`, { value: 'two' });
    expect((await secrets.fetchSecret('k')).value).toBe('one');
    expect((await secrets.fetchSecret('k', { refresh: true })).value).toBe('two');
    await close();
  });
});

describe('Vault answers that are not data', () => {
  it('maps a policy 403 to PermissionDeniedError', async () => {
    const path = uniqueName('denied');
    await vault.admin.kvPut('secret', `${path}/allowed`, { v: 'ok' });
    await vault.admin.kvPut('secret', `${path}/forbidden`, { v: 'no' });
    await vault.admin.writePolicy(path, `path "secret/data/${path}/allowed" { capabilities = ["read"] }`);
    const limited = await vault.admin.createToken({ policies: [path], ttl: '1h' });
    const { app } = await bootApp([
      SecretsModule.forRoot({ address: vault.address, token: limited.client_token, secretsPath: `secret/${path}` }),
    ]);
    const secrets = app.get(SecretsService);
    expect(await secrets.fetchSecret('allowed')).toEqual({ v: 'ok' });
    await expect(secrets.fetchSecret('forbidden')).rejects.toBeInstanceOf(PermissionDeniedError);
    await app.close();
  });

  it.skipIf(!onTestServer)('maps a sealed Vault to VaultSealedError, and reads again after unsealing', async () => {
    const server = vault.server!;
    const path = uniqueName('sealed');
    await vault.admin.kvPut('secret', `${path}/k`, { v: 'sealed-test' });
    const { secrets, close } = await service({ secretsPath: `secret/${path}` });
    server.seal();
    try {
      const error = await secrets.fetchSecret('k').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VaultSealedError);
      expect(error).toBeInstanceOf(VaultUnavailableError);
    } finally {
      server.unseal();
    }
    await supervisorOf(secrets).attemptNow(); // the background attempt, now instead of at its planned time
    expect(await secrets.fetchSecret('k')).toEqual({ v: 'sealed-test' });
    await close();
  });

  it.skipIf(!onTestServer)('maps dropped connections, 5xx and timeouts to VaultUnavailableError', async () => {
    const server = vault.server!;
    const path = uniqueName('faults');
    await vault.admin.kvPut('secret', `${path}/k`, { v: 'x' });
    const { secrets, close } = await service({ secretsPath: `secret/${path}`, requestTimeoutMs: 200 });
    const target = `secret/data/${path}/k`;
    for (const rule of [{ drop: true }, { status: 500, body: { errors: ['internal error'] } }, { latencyMs: 1000 }]) {
      const remove = server.faults.add({ path: target, ...rule });
      await expect(secrets.fetchSecret('k', { refresh: true })).rejects.toBeInstanceOf(VaultUnavailableError);
      remove();
      // The fault degraded the module; its background attempt (run now) brings it back before the next fault.
      await supervisorOf(secrets).attemptNow();
    }
    expect(await secrets.fetchSecret('k', { refresh: true })).toEqual({ v: 'x' });
    await close();
  });
});
