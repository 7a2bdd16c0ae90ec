/**
 * Malformed answers and key handling: bodies that are not Vault's JSON, odd LIST keys,
 * odd 404 bodies, traversal, encoded slashes, unicode, long keys, odd versions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidSecretKeyError, MalformedResponseError, SecretNotFoundError, SecretsError } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { envelope, json, rawServer, rootLookup } from '../support/raw-vault-server.js';
import { makeCore } from '../support/core-harness.js';
import { settle } from '../support/async.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A raw Vault whose KV v2 read of `secret/data/app/<name>` answers `bodies[name]` (status, body). */
async function cannedVault(bodies: Record<string, [number, unknown]>, listKeys?: unknown) {
  let lists = 0;
  const srv = await rawServer((req, res) => {
    const url = req.url ?? '';
    if (url.startsWith('/v1/auth/token/lookup-self')) return json(res, 200, rootLookup);
    if (url.includes('list=true')) {
      lists += 1;
      if (lists > 40) return json(res, 404, { errors: [] }); // stop a runaway walk
      return json(res, 200, envelope({ keys: listKeys }));
    }
    const name = decodeURIComponent(url.replace(/^\/v1\/secret\/data\/app\//, '').split('?')[0]!);
    const canned = bodies[name];
    if (canned) return json(res, canned[0], canned[1]);
    return json(res, 200, envelope({ data: { v: name }, metadata: { version: 1 } }));
  });
  cleanups.push(() => srv.stop());
  const { core } = makeCore({ address: srv.address, token: 't', secretsPath: 'secret/app' });
  cleanups.push(() => core.close());
  return { srv, core, lists: () => lists };
}

describe('responses: held up', () => {
  it('turns bodies that are not Vault JSON into MalformedResponseError, never a wrong value', async () => {
    const { core } = await cannedVault({
      nodata: [200, { request_id: 'x' }],
      nullinner: [200, envelope({ data: null, metadata: { version: 1 } })],
      arrinner: [200, envelope({ data: ['a'], metadata: {} })],
      strinner: [200, envelope({ data: 'password', metadata: {} })],
      nullbody: [200, 'null'],
      arrbody: [200, '[1,2]'],
      numbody: [200, '42'],
      garbage: [200, '{"data": {"data": '],
    });
    for (const key of ['nodata', 'nullinner', 'arrinner', 'strinner', 'nullbody', 'arrbody', 'numbody', 'garbage']) {
      const r = await settle(core.fetchSecret(key));
      expect(!r.ok && r.error, key).toBeInstanceOf(MalformedResponseError);
    }
  });

  it('reads odd KV v2 404 bodies as SecretNotFoundError with a sensible reason', async () => {
    const { core } = await cannedVault({
      deleted: [404, envelope({ data: null, metadata: { deletion_time: '2024-01-01T00:00:00Z', destroyed: false, version: 3 } })],
      destroyed: [404, envelope({ data: null, metadata: { deletion_time: '', destroyed: true, version: 2 } })],
      weird: [404, envelope({ data: null, metadata: 'nope' })],
      nulls: [404, { errors: null, data: null }],
      html: [404, { errors: [] }],
    });
    const reasons: Record<string, string> = {};
    for (const key of ['deleted', 'destroyed', 'weird', 'nulls', 'html']) {
      const r = await settle(core.fetchSecret(key));
      expect(!r.ok && r.error, key).toBeInstanceOf(SecretNotFoundError);
      reasons[key] = (r as { error: SecretNotFoundError }).error.reason;
    }
    expect(reasons).toEqual({ deleted: 'deleted', destroyed: 'destroyed', weird: 'missing', nulls: 'missing', html: 'missing' });
  });

  it('rejects LIST answers whose keys are not an array of strings', async () => {
    for (const keys of [null, 'a', { 0: 'a' }, [1, 2], ['a', null]]) {
      const { core } = await cannedVault({}, keys);
      const r = await settle(core.getAllSecrets());
      expect(!r.ok && r.error, JSON.stringify(keys)).toBeInstanceOf(MalformedResponseError);
    }
  });

  it('checks keys and versions before any request; a/b and a%2Fb stay distinct; unicode and long keys are typed', async () => {
    const server = await VaultTestServer.start();
    cleanups.push(() => server.stop());
    await server.admin.kvPut('secret', 'app/a/b', { v: 'slash' });
    await server.admin.kvPut('secret', 'app/a%2Fb', { v: 'encoded' });
    await server.admin.kvPut('secret', 'app/ключ/🔑', { v: 'unicode' });
    const { core } = makeCore({ address: server.address, token: server.rootToken, secretsPath: 'secret/app' });
    cleanups.push(() => core.close());
    await core.start();
    server.clearRequests();
    for (const key of ['../x', 'a/../../sys', './a', '/abs', 'a//b', 'a/', '', 'a\u0000b', 'a\nb', 42 as unknown as string]) {
      const r = await settle(core.fetchSecret(key));
      expect(!r.ok && r.error, JSON.stringify(key)).toBeInstanceOf(InvalidSecretKeyError);
    }
    for (const version of [0, -1, 1.5, Number.NaN, Infinity, '2' as unknown as number]) {
      const r = await settle(core.fetchSecret('a/b', { version }));
      expect(!r.ok && r.error, String(version)).toBeInstanceOf(InvalidSecretKeyError);
    }
    expect(server.requests).toHaveLength(0);
    expect(await core.fetchSecret('a/b')).toEqual({ v: 'slash' });
    expect(await core.fetchSecret('a%2Fb')).toEqual({ v: 'encoded' });
    expect(await core.fetchSecret('ключ/🔑')).toEqual({ v: 'unicode' });
    const long = await settle(core.fetchSecret('k'.repeat(100_000)));
    expect(!long.ok && long.error).toBeInstanceOf(SecretsError);
  });
});

describe('responses: regressions', () => {
  it('regression: LIST entries "../", "./" and "/" are followed: requests leave secretsPath and the walk never ends', async () => {
    for (const entry of ['../', './', '/', 'x/../../']) {
      const { srv, core, lists } = await cannedVault({}, [entry]);
      const r = await settle(core.getAllSecrets());
      const listUrls = srv.requests.filter((q) => q.url.includes('list=true')).map((q) => q.url);
      expect(
        listUrls.every(
          (u) => u.startsWith('/v1/secret/metadata/app/') && !/\/\.\.?\/|\/\//.test(u.slice('/v1/secret/metadata/app/'.length)),
        ),
        `${entry}: ${listUrls.slice(0, 4).join(' ')}`,
      ).toBe(true);
      expect(lists(), `${entry}: LIST requests`).toBeLessThanOrEqual(2);
      expect(!r.ok && r.error, entry).toBeInstanceOf(MalformedResponseError);
      await cleanups.pop()!();
      await cleanups.pop()!();
    }
  });

  it('regression: getAllSecrets() silently drops a key named "__proto__" (assigned into a plain object)', async () => {
    const server = await VaultTestServer.start();
    cleanups.push(() => server.stop());
    await server.admin.kvPut('secret', 'app/__proto__', { v: 'proto' });
    await server.admin.kvPut('secret', 'app/ok', { v: 'ok' });
    const { core } = makeCore({ address: server.address, token: server.rootToken, secretsPath: 'secret/app' });
    cleanups.push(() => core.close());
    expect(await core.fetchSecret('__proto__')).toEqual({ v: 'proto' });
    const all = await core.getAllSecrets();
    expect(Object.keys(all).sort()).toEqual(['__proto__', 'ok']);
  });

  it('regression: a key holding a lone surrogate escapes as a raw URIError instead of InvalidSecretKeyError', async () => {
    const { core } = await cannedVault({});
    const r = await settle(core.fetchSecret('team/a\uD800b'));
    expect(!r.ok && r.error).toBeInstanceOf(InvalidSecretKeyError);
  });

  it('regression: a version beyond Number.MAX_SAFE_INTEGER is accepted and a different version number is sent', async () => {
    const { srv, core } = await cannedVault({});
    const r = await settle(core.fetchSecret('db', { version: 2 ** 60 }));
    const sent = srv.requests.find((q) => q.url.includes('version='))?.url;
    expect(sent, 'no request should be sent for an unsafe integer').toBeUndefined();
    expect(!r.ok && r.error).toBeInstanceOf(InvalidSecretKeyError);
  });
});
