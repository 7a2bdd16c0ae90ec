import { describe, expect, it } from 'vitest';
import { InvalidSecretKeyError, SecretsManager } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';

// On the test server; the parser's own memo is covered by test/unit/secret-key-parser.spec.ts.
describe('warm fetchSecret', () => {
  it('serves a cached key without a request, the same frozen value each time, and still rejects bad keys', async () => {
    const server = await VaultTestServer.start();
    try {
      await server.admin.kvPut('secret', 'app/db', { password: 'p1' });
      const manager = new SecretsManager(
        { address: server.address, token: server.rootToken, secretsPath: 'secret/app', watch: { enabled: false } },
        { env: {} },
      );
      await manager.start();
      const first = await manager.fetchSecret('db');
      server.clearRequests();
      for (let i = 0; i < 100; i += 1) expect(await manager.fetchSecret('db')).toBe(first);
      expect(await manager.fetchSecret('db', {})).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
      expect(server.requestCount()).toBe(0);
      await expect(manager.fetchSecret('../db')).rejects.toBeInstanceOf(InvalidSecretKeyError);
      // refresh and version still go to Vault.
      await server.admin.kvPut('secret', 'app/db', { password: 'p2' });
      expect(await manager.fetchSecret('db', { refresh: true })).toEqual({ password: 'p2' });
      expect(await manager.fetchSecret('db', { version: 1 })).toEqual({ password: 'p1' });
      expect(await manager.fetchSecret('db')).toEqual({ password: 'p2' });
      expect(server.requestCount({ method: 'GET', path: /secret\/data\/app\/db/ })).toBe(2);
      await manager.close();
    } finally {
      await server.stop();
    }
  });
});
