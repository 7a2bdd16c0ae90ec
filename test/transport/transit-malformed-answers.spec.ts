/**
 * Malformed transit answers: a decrypt answer whose `plaintext` is not base64 (a proxy rewriting
 * the body, a truncated answer) was decoded leniently by `Buffer.from(..., 'base64')`, which skips
 * bad characters, and returned garbage bytes as the plaintext. It must be a MalformedResponseError.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MalformedResponseError, SecretsManager } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';

let server: VaultTestServer;
let secrets: SecretsManager;
beforeAll(async () => {
  server = await VaultTestServer.start();
  await server.admin.enableSecretsEngine('transit', 'transit');
  await server.admin.createTransitKey('transit', 'k');
  secrets = await new SecretsManager(
    {
      address: server.address,
      token: server.rootToken,
      secretsPath: 'secret',
      fallbackEnv: false,
      watch: { enabled: false },
      maxRetries: 0,
    },
    { env: {} },
  ).start();
});
afterAll(async () => {
  await secrets.close();
  await server.stop();
});

describe('transit: malformed answers', () => {
  it.each(['not base64 at all!', 'aGVsbG8', 'aGVs*bG8=', 'aGVsbG8=\n'])(
    'decrypt answered plaintext %j: MalformedResponseError',
    async (plaintext) => {
      const remove = server.faults.add({ path: /^transit\/decrypt\//, status: 200, body: { data: { plaintext } } });
      try {
        await expect(secrets.transit().decrypt('k', 'vault:v1:AAAA')).rejects.toBeInstanceOf(MalformedResponseError);
      } finally {
        remove();
      }
    },
  );

  it('decryptBatch with one bad plaintext: that item fails, the others succeed', async () => {
    const remove = server.faults.add({
      path: /^transit\/decrypt\//,
      status: 200,
      body: { data: { batch_results: [{ plaintext: 'aGVsbG8=' }, { plaintext: '%%%' }, { plaintext: '' }] } },
    });
    try {
      const results = await secrets
        .transit()
        .decryptBatch('k', [{ ciphertext: 'vault:v1:A' }, { ciphertext: 'vault:v1:B' }, { ciphertext: 'vault:v1:C' }]);
      expect(results[0]).toEqual({ ok: true, value: Buffer.from('hello') });
      expect(results[1]!.ok).toBe(false);
      expect(!results[1]!.ok && results[1]!.error).toBeInstanceOf(MalformedResponseError);
      expect(results[2]).toEqual({ ok: true, value: Buffer.alloc(0) });
    } finally {
      remove();
    }
  });

  it('a valid answer still round-trips', async () => {
    const transit = secrets.transit();
    expect((await transit.decrypt('k', await transit.encrypt('k', 'hello'))).toString()).toBe('hello');
  });
});
