import { describe, expect, it } from 'vitest';
import { SecretsEvents, type VaultConfig } from '../../lib/index.js';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { appReadPolicy, freshServerPerTest, supervisedCore } from '../support/core-harness.js';

/**
 * The supervisor (issue 10): each finding of the issue as measured by a user, on the test server
 * with its frozen clock shared by the module (no sleeping), asserting what the app saw and how
 * many requests reached Vault. `random` is 0.5: each attempt lands in the middle of its window
 * (1 s, 2 s, 4 s, ... up to 5 min).
 */

let server: VaultTestServer;
const cores: SecretsCore[] = [];

freshServerPerTest((s) => (server = s), cores, appReadPolicy);

/** A core on the test server, its time moved by the test (see `test/support/core-harness.ts`). */
const harness = (options: Partial<VaultConfig>) => supervisedCore(server, cores, options);
/** Every request is dropped, `sys/health` included: Vault is unreachable. */

/**
 * `sys/health` 474 (a standby whose HA connection to the active node is unhealthy, Vault 1.19+)
 * and 530 (a node removed from the raft cluster, 1.19+) are nodes that cannot serve the app
 * (REFERENCE.md §8.1). The supervisor's attempt took them for healthy: the module went `ready`
 * (VaultRecovered, health `up`) each window while every read failed, then degraded again.
 */
describe('sys/health 474 and 530 are not serving', () => {
  for (const [status, body, reason] of [
    [474, { initialized: true, sealed: false, standby: true, ha_connection_healthy: false }, 'standby-no-active'],
    [530, { initialized: true, sealed: false, standby: true, removed_from_cluster: true }, 'unreachable'],
  ] as const) {
    it(`sys/health ${status}: stays degraded, no recovery announced, health agrees`, async () => {
      const h = harness({ token: server.rootToken });
      await h.core.start();
      expect(await h.core.fetchSecret('config')).toEqual({ feature: 'v1' });
      server.faults.add({ path: 'sys/health', status, body });
      server.faults.add({ path: /^secret\//, status: 500, body: { errors: ['local node not active but active cluster node not found'] } });
      await expect(h.core.fetchSecret('config', { refresh: true })).resolves.toEqual({ feature: 'v1' }); // last good value
      expect(h.core.status()).toMatchObject({ state: 'degraded' });
      for (let i = 0; i < 10; i += 1) {
        await h.time.advance(h.core.status().nextAttemptAt! - server.clock.now());
        expect(h.core.status().state).toBe('degraded');
      }
      expect(h.core.status().reason).toBe(reason);
      expect(h.named(SecretsEvents.VaultRecovered)).toHaveLength(0);
      expect(h.named(SecretsEvents.VaultUnavailable)).toHaveLength(1);
    });
  }
});
