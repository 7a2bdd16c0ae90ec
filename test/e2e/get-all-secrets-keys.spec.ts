/**
 * getAllSecrets() reads each listed key at the location its LIST found and stores it in the cache
 * and the "last good" store under the key's own name. A key under `secretsPath` whose name looks
 * like a named-path key (`shared:kafka`, with `shared` one of the `paths`) must not take the place
 * of the named path's key: fetchSecret('shared:kafka') reads `paths.shared` + `kafka`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManager, VaultUnavailableError } from '../../lib/index.js';
import { settle, sleep, until } from '../support/async.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';

let server: VaultTestServer;
let secrets: SecretsManager;
beforeAll(async () => {
  server = await VaultTestServer.start();
  await server.admin.kvPut('secret', 'app/db', { password: 'app-db' });
  await server.admin.kvPut('secret', 'app/shared:kafka', { brokers: 'under-app' });
  await server.admin.kvPut('secret', 'shared/kafka', { brokers: 'named-path' });
  secrets = await new SecretsManager(
    {
      address: server.address,
      token: server.rootToken,
      secretsPath: 'secret/app',
      paths: { shared: 'secret/shared' },
      maxRetries: 0,
      watch: { enabled: false },
    },
    { env: {} },
  ).start();
});
afterAll(async () => {
  await secrets.close();
  await server.stop();
});

describe('getAllSecrets() and keys that look like named-path keys', () => {
  it('returns the key under secretsPath, and fetchSecret("shared:kafka") still reads the named path', async () => {
    const all = await secrets.getAllSecrets();
    expect(all).toEqual({ db: { password: 'app-db' }, 'shared:kafka': { brokers: 'under-app' } });
    expect(await secrets.fetchSecret('shared:kafka')).toEqual({ brokers: 'named-path' });
  });

  it('a named-path read cached first is not replaced by the walk', async () => {
    secrets.invalidate();
    expect(await secrets.fetchSecret('shared:kafka')).toEqual({ brokers: 'named-path' });
    await secrets.fetchSecret('shared:kafka', { refresh: true });
    const all = await secrets.getAllSecrets();
    expect(all['shared:kafka']).toEqual({ brokers: 'under-app' });
    expect(await secrets.fetchSecret('shared:kafka')).toEqual({ brokers: 'named-path' });
  });
});

describe('getAllSecrets() when Vault goes down mid-walk', () => {
  it('rejects with VaultUnavailableError, leaves no unhandled rejection, and works again once Vault is back', async () => {
    for (let i = 0; i < 40; i += 1) await server.admin.kvPut('secret', `app/many/k${i}`, { v: `s${i}` });
    secrets.invalidate();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const removeLatency = server.faults.add({ method: 'GET', path: /^secret\/data\/app\/many\//, latencyMs: 50 });
      const readsBefore = server.requests.length;
      const walk = settle(secrets.getAllSecrets());
      await until(() => server.requests.length - readsBefore >= 8);
      removeLatency();
      const removeDrop = server.faults.add({ drop: true });
      const started = performance.now();
      const outcome = await walk;
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.error).toBeInstanceOf(VaultUnavailableError);
      expect(performance.now() - started).toBeLessThan(15_000);
      await sleep(300); // workers still running settle; none may reject unhandled
      expect(unhandled).toEqual([]);
      removeDrop();
      server.faults.clear();
      await until(() => secrets.status().state === 'ready', 20_000);
      const all = await secrets.getAllSecrets();
      expect(Object.keys(all).filter((k) => k.startsWith('many/'))).toHaveLength(40);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      server.faults.clear();
    }
  }, 40_000);
});

describe('getAllSecrets() and hostile LIST entries', () => {
  it('an entry with "/", "." or "..", empty, or a control character fails the walk naming the folder; nothing outside secretsPath is read', async () => {
    // "db" is known (read before): the entries built on it must still be checked.
    await secrets.fetchSecret('db');
    for (const entry of ['../escape', '..', '../', './', '.', '', '/', 'db/../../escape', 'a\nb', 'db/', '//']) {
      const remove = server.faults.add({ method: 'LIST', path: 'secret/metadata/app/', status: 200, body: { data: { keys: [entry] } } });
      const removeSub = server.faults.add({
        method: 'LIST',
        path: 'secret/metadata/app/db/',
        status: 200,
        body: { data: { keys: ['..'] } },
      });
      const before = server.requests.length;
      const outcome = await settle(secrets.getAllSecrets());
      remove();
      removeSub();
      expect(outcome.ok, JSON.stringify(entry)).toBe(false);
      expect((outcome as { error: Error }).error.message, JSON.stringify(entry)).toMatch(/LIST of "app(\/db)?" returned an entry that/);
      const escaped = server.requests
        .slice(before)
        .filter((r) => !r.path.startsWith('secret/metadata/app') && r.path.startsWith('secret/'));
      expect(escaped, JSON.stringify(entry)).toEqual([]);
    }
  });
});
