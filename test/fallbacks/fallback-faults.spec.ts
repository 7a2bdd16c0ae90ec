/**
 * Fallback attacks: env variables, fallback files, stale cache, recovery, status, what must never fall back.
 * SecretsCore on the bundled VaultTestServer; outages are a sealed server or injected faults.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { PermissionDeniedError, SecretNotFoundError, VaultUnavailableError, type SecretRotatedEvent } from '../../lib/index.js';
import { FallbackUsedEvent } from '../../lib/events/fallback-used.event.js';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import { resolveVaultConfig } from '../../lib/core/resolve-vault-config.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { CapturingLogger as Capture } from '../support/capture-logs.js';
import { coreOn } from '../support/core-harness.js';
import { MARK } from '../support/leak-markers.js';
import { flush, until } from '../support/async.js';

const dir = mkdtempSync(join(tmpdir(), 'attack2-fallback-'));
const envBackup = { ...process.env };
let server: VaultTestServer;
let cores: SecretsCore[] = [];

afterEach(async () => {
  for (const name of Object.keys(process.env)) if (!(name in envBackup)) delete process.env[name];
  for (const c of cores) await c.close().catch(() => undefined);
  cores = [];
  await server?.stop();
});

/** The module's clock: real time plus what a test skipped with `skip(ms)` (no waiting for a cache TTL). */
let skipped = 0;
const clock = { now: (): number => Date.now() + skipped };
const skip = (ms: number): void => void (skipped += ms);

async function start(options: Record<string, unknown> = {}) {
  skipped = 0;
  server = await VaultTestServer.start({ clockMode: 'realtime' });
  await server.admin.kvPut('secret', 'app/database', { username: 'u', password: 'p' });
  const h = await coreOn(server, { watch: { enabled: false }, maxRetries: 0, ...options }, {}, clock);
  cores.push(h.core);
  const rotations: SecretRotatedEvent[] = [];
  h.emitter.on('secrets.rotated', (e: SecretRotatedEvent) => void rotations.push(e));
  return { ...h, rotations };
}

describe('environment variable fallbacks', () => {
  it('array / number / null / invalid JSON: a typed error naming the variable, never the value; the Vault error is thrown', async () => {
    const { core, logger } = await start({ maxStalenessMs: 0 });
    server.seal();
    for (const [i, text] of [`["${MARK}"]`, '42', 'null', `{"password":"${MARK}"`, `"${MARK}"`].entries()) {
      process.env[`SECRETS_BAD${i}`] = text;
      const error = await core.fetchSecret(`bad${i}`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VaultUnavailableError);
      expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(MARK);
    }
    expect(logger.text).toMatch(/SECRETS_BAD0/);
    expect(logger.text).not.toContain(MARK);
  });

  it('huge JSON object (4 MB) is served; __proto__ stays a plain field, nothing polluted', async () => {
    const { core } = await start({ maxStalenessMs: 0 });
    server.seal();
    process.env.SECRETS_BIG = JSON.stringify({ blob: 'x'.repeat(4_000_000), password: MARK });
    process.env.SECRETS_PROTO = `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted2":true}},"password":"${MARK}"}`;
    process.env.SECRETS_PROTO____proto__ = 'field';
    expect(((await core.fetchSecret('big')) as { blob: string }).blob).toHaveLength(4_000_000);
    const proto = (await core.fetchSecret('proto')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted2).toBeUndefined();
    expect((proto as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(proto)).toContain('__proto__');
  });
});

describe('fallback file', () => {
  it('__proto__ keys at both levels: no prototype pollution, values served as plain data', async () => {
    const file = join(dir, 'proto.json');
    writeFileSync(
      file,
      `{"__proto__":{"password":"top"},"db":{"__proto__":{"isAdmin":true},"password":"${MARK}"},"constructor":{"prototype":"x"}}`,
      { mode: 0o600 },
    );
    const { core } = await start({ maxStalenessMs: 0, fallbackJson: file });
    server.seal();
    const db = (await core.fetchSecret('db')) as Record<string, unknown>;
    expect(db.password).toBe(MARK);
    expect((db as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    expect(Object.getPrototypeOf(db)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    const top = await core.fetchSecret('__proto__').catch((e: unknown) => e);
    expect(top === Object.prototype).toBe(false);
  });
});

describe('stale cache, recovery and status', () => {
  it('fallback served while the cache holds a stale entry: last good value, source stale-cache; recovery with the same value is silent', async () => {
    const { core, events, rotations } = await start({ cache: { ttlMs: 50 } });
    expect(await core.fetchSecret('database')).toEqual({ username: 'u', password: 'p' });
    skip(80); // the 50 ms cache entry is now stale
    server.seal();
    expect(await core.fetchSecret('database')).toEqual({ username: 'u', password: 'p' });
    const used = events.filter((e) => e.name === 'secrets.fallback.used').map((e) => e.payload as FallbackUsedEvent);
    expect(used.map((u) => [u.key, u.source, u.cause])).toEqual([['database', 'stale-cache', 'SECRETS_VAULT_SEALED']]);
    server.unseal();
    await core.supervisor.attemptNow();
    expect(await core.fetchSecret('database')).toEqual({ username: 'u', password: 'p' });
    await flush(); // an announcement would go out with the read's result, not later
    expect(rotations).toHaveLength(0);
    expect(core.status()).toMatchObject({ vault: 'up', degraded: false, fallbackKeys: {} });
  });

  it('recovery with a different value is announced once as recovered; status() clean afterwards', async () => {
    process.env.SECRETS_DATABASE = JSON.stringify({ username: 'u', password: 'old-from-env' });
    const { core, rotations } = await start({ maxStalenessMs: 0 });
    server.seal();
    expect(await core.fetchSecret('database')).toEqual({ username: 'u', password: 'old-from-env' });
    expect(core.status()).toMatchObject({ vault: 'down', degraded: true, fallbackKeys: { database: 'env' } });
    server.unseal();
    await core.supervisor.attemptNow();
    expect(await core.fetchSecret('database')).toEqual({ username: 'u', password: 'p' });
    await until(() => rotations.length > 0);
    await flush(); // and no second announcement
    expect(rotations.map((r) => r.reason)).toEqual(['recovered']);
    expect(core.status()).toMatchObject({ vault: 'up', degraded: false, fallbackKeys: {} });
  });

  it('regression: recovery with EQUAL values in a different key order is announced as a rotation', async () => {
    process.env.SECRETS_DATABASE = JSON.stringify({ username: 'u', password: 'p' }); // same secret; Vault (Go) answers with sorted keys
    const { core, rotations } = await start({ maxStalenessMs: 0 });
    server.seal();
    await core.fetchSecret('database');
    server.unseal();
    await core.supervisor.attemptNow();
    await core.fetchSecret('database');
    await flush(); // an announcement would go out with the read's result, not later
    expect(rotations).toHaveLength(0);
  });

  it('regression: recovery with EQUAL values given as single-field variables is announced as a rotation', async () => {
    process.env.SECRETS_DATABASE__username = 'u';
    process.env.SECRETS_DATABASE__password = 'p';
    const { core, rotations } = await start({ maxStalenessMs: 0 });
    server.seal();
    expect(await core.fetchSecret('database')).toEqual({ username: 'u', password: 'p' });
    server.unseal();
    await core.supervisor.attemptNow();
    await core.fetchSecret('database');
    await flush(); // an announcement would go out with the read's result, not later
    expect(rotations).toHaveLength(0);
  });
});

describe('answers that must never fall back', () => {
  it('403 and 404 (and 400) are thrown even when env and stale cache have the key', async () => {
    process.env.SECRETS_DATABASE = JSON.stringify({ password: 'env' });
    const { core, events } = await start();
    await core.fetchSecret('database');
    server.faults.add({ path: 'secret/data/app/database', status: 403, body: { errors: ['permission denied'] }, times: 1 });
    await expect(core.fetchSecret('database', { refresh: true })).rejects.toBeInstanceOf(PermissionDeniedError);
    server.faults.add({ path: 'secret/data/app/database', status: 404, body: { errors: [] }, times: 1 });
    await expect(core.fetchSecret('database', { refresh: true })).rejects.toBeInstanceOf(SecretNotFoundError);
    server.faults.add({ path: 'secret/data/app/database', status: 400, body: { errors: ['bad request'] }, times: 1 });
    await expect(core.fetchSecret('database', { refresh: true })).rejects.toThrow();
    expect(events.filter((e) => e.name === 'secrets.fallback.used')).toHaveLength(0);
  });

  it('sealed Vault at boot with failFast: boot fails naming the unserved key; with an env fallback it boots', async () => {
    server = await VaultTestServer.start({ clockMode: 'realtime' });
    server.seal();
    const make = () =>
      new SecretsCore(
        resolveVaultConfig(
          {
            address: server.address,
            token: server.rootToken,
            secretsPath: 'secret/app',
            failFast: true,
            watch: { enabled: false, keys: ['database'] },
          },
          {},
        ),
        { logger: new Capture() },
      );
    const failing = make();
    cores.push(failing);
    const error = await failing.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultUnavailableError);
    expect((error as Error).message).toMatch(/failFast.*"database"/);
    process.env.SECRETS_DATABASE = '{"password":"env"}';
    const ok = make();
    cores.push(ok);
    await expect(ok.start()).resolves.toBeUndefined();
  });
});
