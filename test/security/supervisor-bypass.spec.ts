/**
 * `secrets.request(...)` and `secrets.transit()` while Vault is down: they must go through the
 * supervisor like KV reads (refused at once while degraded, bounded by the backoff, never one
 * request to Vault per call), and their faults must be reported to it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsManager, VaultSealedError, VaultUnavailableError } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { settle } from '../support/async.js';
import { supervisorOf } from '../support/core-harness.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(): Promise<{ server: VaultTestServer; secrets: SecretsManager }> {
  const server = await VaultTestServer.start();
  cleanups.push(() => server.stop());
  await server.admin.enableSecretsEngine('transit', 'transit');
  await server.admin.createTransitKey('transit', 'k');
  await server.admin.kvPut('secret', 'app/db', { v: '1' });
  const secrets = await new SecretsManager(
    {
      address: server.address,
      token: server.rootToken,
      secretsPath: 'secret/app',
      fallbackEnv: false,
      watch: { enabled: false },
      maxRetries: 0,
      requestTimeoutMs: 1000,
    },
    { env: {} },
  ).start();
  cleanups.push(() => secrets.close());
  return { server, secrets };
}

describe('raw request and transit respect the supervisor', () => {
  it('while sealed, 50 raw requests do not send 50 requests to Vault', async () => {
    const { server, secrets } = await setup();
    server.seal();
    const first = await settle(secrets.request({ method: 'GET', path: 'sys/mounts' }));
    expect(!first.ok && first.error).toBeInstanceOf(VaultSealedError);
    // the seal seen by a raw request degrades the module, like any other read
    expect(secrets.status().state).toBe('degraded');
    server.clearRequests();
    for (let i = 0; i < 50; i++) {
      const r = await settle(secrets.request({ method: 'GET', path: 'sys/mounts' }));
      expect(!r.ok && r.error).toBeInstanceOf(VaultUnavailableError);
    }
    expect(server.requestCount({ path: 'sys/mounts' })).toBe(0);
  });

  it('while degraded (a KV read saw the seal), 50 transit calls send nothing to Vault', async () => {
    const { server, secrets } = await setup();
    server.seal();
    await settle(secrets.fetchSecret('db', { refresh: true }));
    expect(supervisorOf(secrets).state).toBe('degraded');
    server.clearRequests();
    const transit = secrets.transit();
    for (let i = 0; i < 50; i++) {
      const r = await settle(transit.encrypt('k', 'plaintext'));
      expect(!r.ok && r.error).toBeInstanceOf(VaultUnavailableError);
    }
    expect(server.requestCount({ path: /^transit\// })).toBe(0);
  });
});
