/**
 * getAllSecrets() reads each listed key at the location its LIST found and stores it in the cache
 * and the "last good" store under the key's own name. A key under `secretsPath` whose name looks
 * like a named-path key (`shared:kafka`, with `shared` one of the `paths`) must not take the place
 * of the named path's key: fetchSecret('shared:kafka') reads `paths.shared` + `kafka`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManager } from '../../lib/index.js';
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
