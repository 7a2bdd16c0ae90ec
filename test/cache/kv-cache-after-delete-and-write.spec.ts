/**
 * Issue 22 item 16: the cache never serves what Vault said is gone or replaced.
 * BR-04: a refresh that saw the latest version deleted (404) dropped nothing, so the next read was
 * served the deleted value from the cache. BR-06: a write through `request()` left the old value cached.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretNotFoundError, SecretsManager } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { settle } from '../support/async.js';

let server: VaultTestServer;
let secrets: SecretsManager;
beforeAll(async () => {
  server = await VaultTestServer.start();
});
afterAll(() => server.stop());
beforeEach(async () => {
  await server.admin.kvPut('secret', 'app/db', { password: 'v1' });
  secrets = await new SecretsManager(
    {
      address: server.address,
      token: server.rootToken,
      secretsPath: 'secret/app',
      paths: { shared: 'secret/app' },
      maxRetries: 0,
      watch: { enabled: false },
      cache: { ttlMs: 600_000 },
    },
    { env: {} },
  ).start();
});
afterEach(async () => {
  server.faults.clear();
  await secrets.close();
});

describe('the KV cache after a delete or a write (issue 22 item 16)', () => {
  it('a refresh that sees the latest version deleted drops the cached value (BR-04)', async () => {
    expect(await secrets.fetchSecret('db')).toEqual({ password: 'v1' });
    await server.admin.kvDeleteLatest('secret', 'app/db');
    expect((await settle(secrets.fetchSecret('db', { refresh: true }))).ok).toBe(false);
    const again = await settle(secrets.fetchSecret('db'));
    expect(again.ok).toBe(false);
    expect(!again.ok && again.error).toBeInstanceOf(SecretNotFoundError);
  });

  it('nor serves it as the last good value when Vault goes down afterwards', async () => {
    expect(await secrets.fetchSecret('db')).toEqual({ password: 'v1' });
    await server.admin.kvDeleteLatest('secret', 'app/db');
    await settle(secrets.fetchSecret('db', { refresh: true }));
    server.faults.add({ path: 'secret/data/app/db', status: 500 });
    const r = await settle(secrets.fetchSecret('db', { refresh: true }));
    expect(r.ok).toBe(false);
  });

  it('a write through request() to the KV v2 data path is read back, not the cached value (BR-06)', async () => {
    expect(await secrets.fetchSecret('db')).toEqual({ password: 'v1' });
    expect(await secrets.fetchSecret('shared:db')).toEqual({ password: 'v1' });
    await secrets.request({ method: 'POST', path: 'secret/data/app/db', body: { data: { password: 'v2' } } });
    expect(await secrets.fetchSecret('db')).toEqual({ password: 'v2' });
    expect(await secrets.fetchSecret('shared:db')).toEqual({ password: 'v2' });
  });

  it('a DELETE of the metadata through request() makes the key missing at once', async () => {
    expect(await secrets.fetchSecret('db')).toEqual({ password: 'v1' });
    await secrets.request({ method: 'DELETE', path: '/secret/metadata/app/db' });
    const r = await settle(secrets.fetchSecret('db'));
    expect(!r.ok && r.error).toBeInstanceOf(SecretNotFoundError);
  });

  it('a read through request() keeps the cache', async () => {
    expect(await secrets.fetchSecret('db')).toEqual({ password: 'v1' });
    await server.admin.kvPut('secret', 'app/db', { password: 'v2' });
    await secrets.request({ method: 'GET', path: 'secret/data/app/db' });
    expect(await secrets.fetchSecret('db')).toEqual({ password: 'v1' });
  });
});
