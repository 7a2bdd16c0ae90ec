import { describe, expect, it } from 'vitest';
import { InvalidSecretKeyError } from '../../lib/index.js';
import { SecretKeyParser } from '../../lib/core/read/secret-key.parser.js';
import { SecretsManager } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';

describe('SecretKeyParser (warm-path memo)', () => {
  it('parses a key once: the same frozen object for every later call', () => {
    const parser = new SecretKeyParser();
    const parsed = parser.parse('kafka/producer');
    expect(parsed).toEqual({ segments: ['kafka', 'producer'], path: 'kafka/producer', latestCacheKey: 'kafka/producer@latest' });
    expect(Object.isFrozen(parsed) && Object.isFrozen(parsed.segments)).toBe(true);
    expect(parser.parse('kafka/producer')).toBe(parsed);
  });

  it('throws InvalidSecretKeyError for a bad key every time and never remembers it', () => {
    const parser = new SecretKeyParser();
    for (const key of ['', '../etc', 'a//b', 'x\u0000']) {
      expect(() => parser.parse(key)).toThrow(InvalidSecretKeyError);
      expect(() => parser.parse(key)).toThrow(InvalidSecretKeyError);
    }
    expect(parser.size).toBe(0);
  });

  it('is bounded: past maxKeys the oldest key is forgotten and parsed again when used', () => {
    const parser = new SecretKeyParser(3);
    const a = parser.parse('a');
    for (const key of ['b', 'c', 'd']) parser.parse(key);
    expect(parser.size).toBe(3);
    const again = parser.parse('a');
    expect(again).not.toBe(a);
    expect(again).toEqual(a);
    expect(parser.size).toBe(3);
  });
});

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
