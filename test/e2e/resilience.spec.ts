import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManager, VaultUnavailableError } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { coreOf } from '../support/core-harness.js';

let server: VaultTestServer;
beforeAll(async () => {
  server = await VaultTestServer.start();
  await server.admin.kvPut('secret', 'app/slow', { v: 'slow' });
  await server.admin.kvPut('secret', 'app/fast', { v: 'fast' });
});
afterAll(() => server.stop());

const manager = (): Promise<SecretsManager> =>
  new SecretsManager(
    {
      address: server.address,
      token: server.rootToken,
      secretsPath: 'secret/app',
      requestTimeoutMs: 300,
      maxRetries: 0,
      maxStalenessMs: 0,
      fallbackEnv: false,
      watch: { enabled: false },
    },
    { env: {} },
  ).start();

// The transport's own breaker, under the supervisor (which stops reads after the first fault):
// these tests call the HTTP client directly.
const read = (m: SecretsManager, key: string): Promise<unknown> =>
  coreOf(m)
    .client.request<{ data: { data: unknown } }>({ method: 'GET', path: `secret/data/app/${key}` })
    .then((r) => r.body?.data.data);

describe('circuit breaker', () => {
  it('opens after 5 consecutive failures of a mount and fails fast without calling Vault', async () => {
    const m = await manager();
    const remove = server.faults.add({ path: /^secret\/data\/app\//, status: 502, body: { errors: [] } });
    for (let i = 0; i < 5; i += 1) await expect(read(m, 'fast')).rejects.toBeInstanceOf(VaultUnavailableError);
    server.clearRequests();
    const error = await read(m, 'fast').catch((e: unknown) => e);
    expect((error as Error).message).toContain('circuit open');
    expect(server.requestCount({ path: 'secret/data/app/fast' })).toBe(0);
    // Other mounts keep working: the token lookup path has its own breaker.
    expect(await m.probeHealth()).toMatchObject({ reachable: true });
    remove();
    await m.close();
  });

  it('is not re-opened by calls that fail late, after another call already succeeded', async () => {
    const m = await manager();
    const remove = server.faults.add({ path: 'secret/data/app/slow', latencyMs: 1000 });
    const hanging = Array.from({ length: 6 }, () => read(m, 'slow').catch((e: unknown) => e));
    expect(await read(m, 'fast')).toEqual({ v: 'fast' }); // Vault answers meanwhile
    const late = await Promise.all(hanging);
    expect(late.every((e) => e instanceof VaultUnavailableError)).toBe(true);
    remove();
    server.clearRequests();
    expect(await read(m, 'fast')).toEqual({ v: 'fast' });
    expect(server.requestCount({ path: 'secret/data/app/fast' })).toBe(1);
    await m.close();
  });
});
