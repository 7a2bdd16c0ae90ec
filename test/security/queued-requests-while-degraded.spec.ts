/**
 * Reads queued behind `maxConcurrentRequests` while Vault hangs: once the first timeouts degrade
 * the module, the reads still waiting for a slot must fail at once instead of each going to Vault
 * and waiting the full timeout. Requests to Vault stay bounded by the backoff, not the queue length.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsManager } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { settle } from '../support/async.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('queued reads while Vault hangs', () => {
  it('200 concurrent cold reads, 4 slots, Vault hanging: a handful of requests, not 200', async () => {
    const server = await VaultTestServer.start();
    cleanups.push(() => server.stop());
    const secrets = await new SecretsManager(
      {
        address: server.address,
        token: server.rootToken,
        secretsPath: 'secret/app',
        fallbackEnv: false,
        watch: { enabled: false },
        maxRetries: 0,
        requestTimeoutMs: 300,
        maxConcurrentRequests: 4,
      },
      { env: {} },
    ).start();
    cleanups.push(() => secrets.close());
    server.faults.add({ path: /^secret\//, latencyMs: 5000 });
    server.clearRequests();
    const t0 = Date.now();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => settle(secrets.fetchSecret(`key-${i}`))));
    const elapsed = Date.now() - t0;
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(secrets.status().state).toBe('degraded');
    expect(server.requestCount({ path: /^secret\// })).toBeLessThanOrEqual(8);
    expect(elapsed).toBeLessThan(2000);
  }, 60_000);
});
