/**
 * Cache attacks: mutation of returned values, concurrent reads, eviction of in-flight loads,
 * invalidation/close during in-flight reads, cache poisoning across versions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsError, VaultUnavailableError } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { envelope, json, rawServer, rootLookup } from '../support/raw-vault-server.js';
import { countedCore, makeCore } from '../support/core-harness.js';
import { settle, until } from '../support/async.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function kvServer(keys: number) {
  const server = await VaultTestServer.start();
  cleanups.push(() => server.stop());
  for (let i = 0; i < keys; i += 1) await server.admin.kvPut('secret', `app/k${i}`, { v: String(i) });
  return server;
}

describe('cache: held up', () => {
  it('returns deep-frozen values: mutation throws and never changes what the next caller sees', async () => {
    const server = await kvServer(1);
    await server.admin.kvPut('secret', 'app/nested', { a: { b: 'c' }, list: ['x'] } as unknown as Record<string, string>);
    const { core } = makeCore({ address: server.address, token: server.rootToken, secretsPath: 'secret/app' });
    cleanups.push(() => core.close());
    const v = await core.fetchSecret<{ a: { b: string }; list: string[] }>('nested');
    expect(() => {
      v.a.b = 'poisoned';
    }).toThrow(TypeError);
    expect(() => v.list.push('y')).toThrow(TypeError);
    const meta = await core.readKv('nested');
    expect(() => Object.assign(meta, { version: 99 })).toThrow(TypeError);
    const all = await core.getAllSecrets();
    expect(() => {
      (all.nested as { a: { b: string } }).a.b = 'poisoned';
    }).toThrow(TypeError);
    expect(await core.fetchSecret('nested')).toEqual({ a: { b: 'c' }, list: ['x'] });
  });

  it('shares one request among concurrent cold reads, does not cache a failure, keeps versions apart', async () => {
    const server = await kvServer(1);
    await server.admin.kvPut('secret', 'app/k0', { v: 'second' });
    // No retries here: this test is about the cache sharing one failed load, not about recovering from it.
    const { core } = makeCore({ address: server.address, token: server.rootToken, secretsPath: 'secret/app', maxRetries: 0 });
    cleanups.push(() => core.close());
    await core.start();
    server.clearRequests();
    const fail = server.faults.add({ path: 'secret/data/app/k0', status: 503, times: 1, latencyMs: 50 });
    const failed = await Promise.all(Array.from({ length: 500 }, () => settle(core.fetchSecret('k0'))));
    expect(failed.every((r) => !r.ok && r.error instanceof VaultUnavailableError)).toBe(true);
    fail();
    expect(server.requestCount({ path: 'secret/data/app/k0' })).toBe(1);
    expect(failed[0]).toMatchObject({ error: expect.objectContaining({ path: 'secret/data/app/k0', status: 503 }) });
    // A bodiless 503 on one path is that path's fault: one confirming probe finds Vault serving and
    // the module stays ready (the next read is sent, not refused).
    await core.supervisor.settled();
    expect(server.requestCount({ path: 'sys/health' })).toBe(1);
    expect(core.status().state).toBe('ready');
    const ok = await Promise.all(Array.from({ length: 500 }, () => core.fetchSecret('k0')));
    expect(ok.every((v) => v.v === 'second')).toBe(true);
    expect(server.requestCount({ path: 'secret/data/app/k0' })).toBe(2);
    expect(await core.fetchSecret('k0', { version: 1 })).toEqual({ v: '0' });
    expect(await core.fetchSecret('k0')).toEqual({ v: 'second' });
    expect((await core.readKv('k0', { version: 1 })).version).toBe(1);
  });
});

describe('cache: regressions', () => {
  it('regression: concurrent reads beyond cache.maxEntries reject with an untyped Error("evicted") (getAllSecrets fails)', async () => {
    const server = await kvServer(6);
    const { core } = makeCore({ address: server.address, token: server.rootToken, secretsPath: 'secret/app', cache: { maxEntries: 2 } });
    cleanups.push(() => core.close());
    const reads = await Promise.all(['k0', 'k1', 'k2', 'k3'].map((k) => settle(core.fetchSecret(k))));
    for (const r of reads) if (!r.ok) expect(r.error, String(r.error)).toBeInstanceOf(SecretsError);
    expect(reads.every((r) => r.ok)).toBe(true);
    const all = await settle(core.getAllSecrets());
    expect(all.ok ? Object.keys(all.value) : String((all as { error: unknown }).error)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
  });

  it('regression: close() during an in-flight read rejects it with an untyped Error("deleted")', async () => {
    const server = await kvServer(1);
    const { core, transport } = countedCore({ address: server.address, token: server.rootToken, secretsPath: 'secret/app' });
    await core.start();
    server.faults.add({ path: 'secret/data/app/k0', latencyMs: 200, times: 1 });
    const read = settle(core.fetchSecret('k0'));
    await until(() => transport.inFlight > 0); // the read is on the wire; the fault holds its answer for 200 ms
    await core.close();
    const r = await read;
    if (!r.ok) expect(r.error, String(r.error)).toBeInstanceOf(SecretsError);
  });

  it('regression: invalidate() during an in-flight read does not stop the pre-rotation value from being cached', async () => {
    let value = 'old';
    let arrived!: () => void;
    const readArrived = new Promise<void>((resolve) => (arrived = resolve));
    const srv = await rawServer((req, res) => {
      if ((req.url ?? '').startsWith('/v1/auth/token/lookup-self')) return json(res, 200, rootLookup);
      const answer = value; // the value Vault had when the request arrived
      arrived();
      setTimeout(() => json(res, 200, envelope({ data: { v: answer }, metadata: { version: answer === 'old' ? 1 : 2 } })), 200);
    });
    cleanups.push(() => srv.stop());
    const { core } = makeCore({ address: srv.address, token: 't' });
    cleanups.push(() => core.close());
    const inflight = core.fetchSecret('db');
    await readArrived;
    value = 'new'; // the secret is rotated in Vault ...
    core.invalidate('db'); // ... and the app drops its cached copy
    await inflight;
    expect(await core.fetchSecret('db'), 'a read after invalidate() must not be served the pre-invalidate value').toEqual({ v: 'new' });
  });
});
