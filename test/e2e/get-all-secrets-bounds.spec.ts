/**
 * Issue 22 item 14: getAllSecrets() on a LIST cycle (a folder that lists itself) sent LISTs for
 * ever (1,686 in 15 s). The walk is bounded: 32 levels of folders and 100 000 entries, each with
 * a typed error naming the folder.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MalformedResponseError, SecretsManager, UnsupportedOperationError } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { settle } from '../support/async.js';

let server: VaultTestServer;
let secrets: SecretsManager;
beforeAll(async () => {
  server = await VaultTestServer.start();
  await server.admin.kvPut('secret', 'app/db', { password: 'x' });
  secrets = await new SecretsManager(
    { address: server.address, token: server.rootToken, secretsPath: 'secret/app', maxRetries: 0, watch: { enabled: false } },
    { env: {} },
  ).start();
});
afterAll(async () => {
  await secrets.close();
  await server.stop();
});
afterEach(() => server.faults.clear());

const lists = (): number => server.requests.filter((r) => r.method === 'LIST' || r.query['list'] === 'true').length;

describe('getAllSecrets() bounds (issue 22 item 14)', () => {
  it('a folder that lists itself ends with a MalformedResponseError naming the folder after 33 LISTs', async () => {
    server.faults.add({ method: 'LIST', path: /^secret\/metadata\/app/, status: 200, body: { data: { keys: ['loop/'] } } });
    const before = lists();
    const r = await settle(secrets.getAllSecrets());
    expect(r.ok).toBe(false);
    const error = !r.ok && (r.error as Error);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as Error).message).toMatch(/more than 32 levels deep at "app(\/loop){33}"/);
    expect(lists() - before).toBeLessThanOrEqual(33);
  }, 20_000);

  it('more than 100 000 entries end with an UnsupportedOperationError naming the folder', async () => {
    const keys = Array.from({ length: 100_001 }, (_, i) => `k${i}`);
    server.faults.add({ method: 'LIST', path: 'secret/metadata/app/', status: 200, body: { data: { keys } } });
    const r = await settle(secrets.getAllSecrets());
    expect(!r.ok && r.error).toBeInstanceOf(UnsupportedOperationError);
    expect((r as { error: Error }).error.message).toMatch(/100000 keys \(reached in "app"\)/);
  }, 20_000);

  it('a cycle that branches (every folder lists two sub-folders) is stopped by the depth bound after a few hundred LISTs, not ~50,000', async () => {
    server.faults.add({ method: 'LIST', path: /^secret\/metadata\/app/, status: 200, body: { data: { keys: ['a/', 'b/'] } } });
    const before = lists();
    const r = await settle(secrets.getAllSecrets());
    expect(!r.ok && r.error).toBeInstanceOf(MalformedResponseError);
    expect((r as { error: Error }).error.message).toMatch(/more than 32 levels deep/);
    // Folders are walked depth first: each of the bulkConcurrency (32) workers reaches the bound within 33 LISTs.
    expect(lists() - before).toBeLessThanOrEqual(33 * 32 + 32);
  }, 30_000);
});
