/**
 * Rotation attacks: the KV watcher, rotateSecret with and without generators, handlers.
 * SecretsCore on the bundled VaultTestServer; polls forced with `watcher.pollOnce()`.
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { RotationConflictError, SecretNotFoundError, VaultUnavailableError, type SecretRotatedEvent } from '../../lib/index.js';
import { type SecretsCore } from '../../lib/core/secrets-core.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { coreOn } from '../support/core-harness.js';
import { deferred } from '../support/async.js';
import { MARK } from '../support/leak-markers.js';

let server: VaultTestServer;
let cores: SecretsCore[] = [];
afterEach(async () => {
  for (const c of cores) await c.close().catch(() => undefined);
  cores = [];
  await server?.stop();
});

async function start(options: Record<string, unknown> = {}) {
  server = await VaultTestServer.start({ clockMode: 'realtime' });
  await server.admin.kvPut('secret', 'app/config', { feature: 'v1', password: `${MARK}-1` });
  const h = await coreOn(server, { watch: { enabled: true, intervalMs: 60_000 }, ...options });
  cores.push(h.core);
  const rotations: SecretRotatedEvent[] = [];
  h.emitter.on('secrets.rotated', (e: SecretRotatedEvent) => void rotations.push(e));
  return { ...h, rotations };
}

describe('KV watcher', () => {
  it('regression: new version seen in metadata but the data read hits a 503: the OLD value is announced as version-changed and the new one is never announced', async () => {
    const { core, rotations } = await start();
    expect(await core.fetchSecret('config')).toMatchObject({ feature: 'v1' });
    await server.admin.kvPut('secret', 'app/config', { feature: 'v2', password: `${MARK}-2` });
    const outage = server.faults.add({ method: 'GET', path: 'secret/data/app/config', status: 503, body: { errors: ['overloaded'] } });
    await core.watcher.pollOnce(); // metadata says v2, the data read fails
    outage();
    await core.supervisor.attemptNow(); // the 503 degraded the module; its background attempt brings it back
    await core.watcher.pollOnce(); // Vault is fine again
    await core.watcher.pollOnce();
    // Handlers must never be told "version-changed" with a value that is not that version...
    for (const r of rotations) expect(r.secret()).not.toMatchObject({ feature: 'v1' });
    // ...and v2 must be announced once Vault answers again.
    expect(rotations.filter((r) => (r.secret() as { feature: string }).feature === 'v2')).toHaveLength(1);
  });

  it('regression: rotateSecret during an outage "rotates" to the stale fallback value and announces it', async () => {
    const { core, rotations } = await start({ watch: { enabled: false } });
    await core.fetchSecret('config');
    server.faults.add({ method: 'GET', path: 'secret/data/app/config', status: 503, body: { errors: ['overloaded'] } });
    const result = await core.rotateSecret('config').then(
      (v) => v,
      (e: unknown) => e,
    );
    // An explicit rotation could not read the new value: it must fail, not announce the old value as new.
    expect(result).toBeInstanceOf(VaultUnavailableError);
    expect(rotations).toHaveLength(0);
  });

  it('regression: key deleted (metadata) and re-created up to the same version number between two polls: change missed', async () => {
    const { core, rotations } = await start();
    await server.admin.kvPut('secret', 'app/config', { feature: 'v2' });
    await server.admin.kvPut('secret', 'app/config', { feature: 'v3' });
    expect(await core.fetchSecret('config')).toEqual({ feature: 'v3' });
    await core.watcher.pollOnce();
    await server.admin.kvDeleteMetadata('secret', 'app/config');
    for (const v of ['x1', 'x2', 'x3']) await server.admin.kvPut('secret', 'app/config', { feature: v });
    await core.watcher.pollOnce();
    expect(rotations.map((r) => (r.secret() as { feature: string }).feature)).toEqual(['x3']);
    expect(await core.fetchSecret('config')).toEqual({ feature: 'x3' });
  });

  it('regression: key deleted then re-created: the previousVersion of the event is the internal marker "gone"', async () => {
    const { core, rotations, events } = await start();
    await core.fetchSecret('config');
    await core.watcher.pollOnce();
    await server.admin.kvDeleteMetadata('secret', 'app/config');
    await core.watcher.pollOnce();
    expect(events.filter((e) => e.name === 'secrets.deleted')).toHaveLength(1);
    await server.admin.kvPut('secret', 'app/config', { feature: 'again' });
    await core.watcher.pollOnce();
    expect(rotations).toHaveLength(1);
    expect(rotations[0]!.currentVersion).toBe(1);
    expect(rotations[0]!.previousVersion).not.toBe('gone');
  });

  it('watcher while Vault is down: no error storm, no fallback events, no rotation', async () => {
    const { core, rotations, events, logger } = await start();
    await core.fetchSecret('config');
    for (let i = 0; i < 20; i += 1) core.watcher.track(`k${i}`);
    server.seal();
    for (let i = 0; i < 5; i += 1) await core.watcher.pollOnce();
    server.unseal();
    expect(rotations).toHaveLength(0);
    expect(events.filter((e) => /fallback|deleted/.test(e.name))).toHaveLength(0);
    // One line: the supervisor saying the module is degraded (the polls themselves send nothing and log nothing).
    // The supervisor's own background attempts (one per backoff window, on the wall clock) are left out: on a slow
    // machine one may fall inside this test.
    const lines = logger.lines.filter((l) => /^(warn|error)/.test(l) && !/Vault is still unavailable .*next attempt at/.test(l));
    expect(lines).toEqual([expect.stringMatching(/Vault is unavailable \(sealed/)]);
  });

  it('regression: KV v1 watcher: the rotation event carries an unsalted hash of the secret value (previousVersion)', async () => {
    server = await VaultTestServer.start({ clockMode: 'realtime' });
    await server.admin.enableSecretsEngine('kv1', 'kv', { version: '1' });
    await server.admin.kvV1Put('kv1', 'app/pin', { pin: '4711' });
    const h = await coreOn(server, { secretsPath: 'kv1/app', kvVersion: 1, watch: { enabled: true, intervalMs: 60_000 } });
    cores.push(h.core);
    const rotations: SecretRotatedEvent[] = [];
    h.emitter.on('secrets.rotated', (e: SecretRotatedEvent) => void rotations.push(e));
    await h.core.fetchSecret('pin');
    await server.admin.kvV1Put('kv1', 'app/pin', { pin: '8812' });
    await h.core.watcher.pollOnce();
    expect(rotations).toHaveLength(1);
    const shown = `${String(rotations[0])}\n${JSON.stringify(rotations[0])}\n${inspect(rotations[0])}`;
    // A 4-digit PIN is recovered from this "version" with 10,000 hashes.
    const hashOf = (pin: string) => createHash('sha256').update(JSON.stringify({ pin })).digest('base64url').slice(0, 16);
    let recovered: string | undefined;
    for (let n = 0; n < 10_000 && recovered === undefined; n += 1) {
      const pin = String(n).padStart(4, '0');
      if (shown.includes(hashOf(pin))) recovered = pin;
    }
    expect(recovered).toBeUndefined();
  });

  it('huge number of watched keys: one poll = one request per key, bounded concurrency, completes', async () => {
    const { core } = await start({ bulkConcurrency: 16 });
    for (let i = 0; i < 1000; i += 1) core.watcher.track(`many/k${i}`);
    server.clearRequests();
    const t0 = Date.now();
    await core.watcher.pollOnce();
    expect(server.requestCount({ path: /^secret\/metadata\/app\/many\// })).toBe(1000);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});

describe('rotateSecret', () => {
  it('on a key that does not exist: SecretNotFoundError, nothing announced', async () => {
    const { core, rotations } = await start();
    await expect(core.rotateSecret('nope')).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(rotations).toHaveLength(0);
  });

  it('generator returning a non-object (string / array / null) never writes garbage to Vault', async () => {
    for (const bad of ['just-a-string', ['a', 'b'], null, 42]) {
      const { core } = await start({ rotation: { config: () => bad as never } });
      const result = await core.rotateSecret('config').then(
        () => 'ok',
        (e: unknown) => e,
      );
      expect(result).not.toBe('ok');
      // Whatever happened, the secret must still be readable as an object.
      core.invalidate();
      expect(typeof (await core.fetchSecret('config'))).toBe('object');
      await core.close();
      await server.stop();
    }
  });

  it('generator throwing: the error propagates, nothing written or announced', async () => {
    const { core, rotations } = await start({
      rotation: {
        config: () => {
          throw new Error('generator broke');
        },
      },
    });
    server.clearRequests();
    await expect(core.rotateSecret('config')).rejects.toThrow('generator broke');
    expect(rotations).toHaveLength(0);
    expect(server.requestCount({ method: 'POST', path: 'secret/data/app/config' })).toBe(0);
  });

  it('slow generator and a concurrent writer: RotationConflictError, nothing overwritten, no value in the error', async () => {
    const gate = deferred();
    const generating = deferred();
    const { core, rotations } = await start({
      rotation: {
        config: async () => {
          generating.resolve();
          await gate.promise;
          return { feature: 'generated', password: `${MARK}-gen` };
        },
      },
    });
    const rotating = core.rotateSecret('config').catch((e: unknown) => e);
    await generating.promise; // the generator runs: the current version it will write on is already read
    await server.admin.kvPut('secret', 'app/config', { feature: 'operator' });
    gate.resolve();
    const error = await rotating;
    expect(error).toBeInstanceOf(RotationConflictError);
    expect(inspect(error, { depth: 10, showHidden: true }) + JSON.stringify(error) + String((error as Error).stack)).not.toContain(MARK);
    core.invalidate();
    expect(await core.fetchSecret('config')).toEqual({ feature: 'operator' });
    expect(rotations).toHaveLength(0);
  });

  it('two concurrent generator rotations: exactly one wins, the other conflicts', async () => {
    let n = 0;
    const { core } = await start({ rotation: { config: async () => ({ feature: `gen-${(n += 1)}` }) } });
    const results = await Promise.allSettled([core.rotateSecret('config'), core.rotateSecret('config')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof RotationConflictError)).toHaveLength(1);
  });
});
