/**
 * Issue 21: getAllSecrets() pipelines the walk: a sub-folder's LIST is sent as soon as a slot is
 * free, ahead of the reads still queued, so its keys join the queue early instead of after every
 * read of the folder above.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManager } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';

let server: VaultTestServer;
let secrets: SecretsManager;
beforeAll(async () => {
  server = await VaultTestServer.start();
  for (let i = 0; i < 20; i++) await server.admin.kvPut('secret', `app/k${String(i).padStart(2, '0')}`, { v: String(i) });
  await server.admin.kvPut('secret', 'app/sub/inner', { v: 'inner' });
  secrets = await new SecretsManager(
    { address: server.address, token: server.rootToken, secretsPath: 'secret/app', bulkConcurrency: 2, watch: { enabled: false } },
    { env: {} },
  ).start();
});
afterAll(async () => {
  await secrets.close();
  await server.stop();
});

describe('getAllSecrets() pipelining (issue 21)', () => {
  it('lists a sub-folder before the reads queued ahead of it, and still reads every key once', async () => {
    const from = server.requests.length;
    const all = await secrets.getAllSecrets();
    expect(Object.keys(all)).toHaveLength(21);
    expect(all['sub/inner']).toEqual({ v: 'inner' });
    const sent = server.requests.slice(from).map((r) => r.path);
    const subList = sent.findIndex((p) => p.startsWith('secret/metadata/app/sub'));
    const topReads = sent.filter((p) => /^secret\/data\/app\/k\d+$/.test(p));
    expect(topReads).toHaveLength(20);
    // With 2 slots, the sub-folder's LIST waits for at most the two reads under way, not for 20.
    expect(subList).toBeGreaterThan(0);
    expect(sent.slice(0, subList).filter((p) => p.startsWith('secret/data/')).length).toBeLessThanOrEqual(2);
  });
});
