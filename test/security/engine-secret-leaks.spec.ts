/**
 * Secrets in output: provoke failures across leases, rotation and fallbacks with marker values,
 * then scan every log line (Nest Logger overridden), error, event payload and inspected object.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsEvents, SecretsManager, type EngineSecret, type SecretEngine, type VaultEnvelope } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { captureNestLogs } from '../support/capture-logs.js';
import { dump, MARK } from '../support/leak-markers.js';

const envBackup = { ...process.env };
let server: VaultTestServer | undefined;
afterEach(async () => {
  for (const name of Object.keys(process.env)) if (!(name in envBackup)) delete process.env[name];
  await server?.stop();
});

let n = 0;
/** A custom engine: a 3 s non-renewable lease whose value is read from KV (so sealing Vault breaks it). */
const shortLived: SecretEngine<{ token: string }> = {
  name: 'short',
  async fetch({ client }, path): Promise<EngineSecret<{ token: string }>> {
    const res = await client.request<VaultEnvelope<{ data: { token: string } }>>({ method: 'GET', path: `secret/data/${path}` });
    n += 1;
    return { data: { token: res.body!.data!.data.token }, lease: { id: `short/creds/x/lease${n}`, duration: 3, renewable: false } };
  },
};

describe('no secret in any output', () => {
  it('leases, rotations, fallbacks and events under failure: nothing shows the marker', async () => {
    const logs = captureNestLogs();
    try {
      server = await VaultTestServer.start({ clockMode: 'realtime' });
      await server.admin.kvPut('secret', 'app/config', { password: `${MARK}-kv` });
      await server.admin.kvPut('secret', 'src', { token: `${MARK}-lease` });
      process.env.SECRETS_BROKEN = `{"password":"${MARK}-env"`;
      process.env.SECRETS_ENVONLY = JSON.stringify({ password: `${MARK}-envonly` });
      const payloads: unknown[] = [];
      const m = new SecretsManager(
        {
          address: server.address,
          token: server.rootToken,
          secretsPath: 'secret/app',
          requestTimeoutMs: 1000,
          maxRetries: 0,
          engines: [shortLived],
          leases: { overlapMs: 0, handlerTimeoutMs: 200 },
          watch: { enabled: true, intervalMs: 100_000 },
          rotation: { config: () => ({ password: `${MARK}-generated` }) },
        },
        { logger: logs },
      );
      for (const name of Object.values(SecretsEvents)) m.on(name, (p) => void payloads.push(p));
      const expired = new Promise<void>((resolve) => m.on('secrets.lease.expired', () => resolve()));
      m.on('secrets.rotated', () => {
        throw new Error('handler failed');
      });
      await m.start();
      await m.fetchSecret('config');
      await m.rotateSecret('config');
      const state = await m.fetchFrom('short', 'src');
      server.seal();
      const errors: unknown[] = [];
      for (const key of ['broken', 'envonly', 'config', 'absent'])
        await m.fetchSecret(key, { refresh: true }).then(
          (v) => payloads.push(v),
          (e: unknown) => errors.push(e),
        );
      errors.push(await m.rotateSecret('config').catch((e: unknown) => e));
      await expired; // the 3 s lease could be neither renewed nor replaced while sealed
      server.unseal();
      await m.fetchSecret('envonly').catch((e: unknown) => errors.push(e));
      const everything = [
        logs.text,
        ...errors.map(dump),
        ...payloads.filter((p) => p?.constructor?.name !== 'Object').map(dump),
        dump(m),
        dump(m.status()),
        dump(state.leaseId),
      ].join('\n');
      await m.close();
      expect(payloads.map((p) => p?.constructor?.name)).toEqual(
        expect.arrayContaining(['SecretRotatedEvent', 'FallbackUsedEvent', 'LeaseExpiredEvent', 'VaultAvailabilityEvent']),
      );
      expect(logs.text).toMatch(/expired before it could be renewed/);
      expect(logs.text).toMatch(/handler failed/);
      expect(logs.text).toMatch(/SECRETS_BROKEN/);
      expect(everything).not.toContain(MARK);
    } finally {
      logs.restore();
    }
  }, 30_000);
});
