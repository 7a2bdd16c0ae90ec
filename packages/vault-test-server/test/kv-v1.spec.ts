/**
 * REFERENCE §2: KV version 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { envelope, errors, root, startServer, unique } from './support.js';

let server: VaultTestServer;
let mount: string;
beforeAll(async () => {
  server = await startServer();
  mount = unique('kv1');
  await server.admin.enableSecretsEngine(mount, 'kv', { version: '1' });
});
afterAll(() => server.stop());

describe('KV v1', () => {
  it('writes a flat map (204) and reads it verbatim with the default lease_duration', async () => {
    const write = await root(server, 'POST', `${mount}/app/db`, { body: { password: 'x', user: 'app' } });
    expect(write.status).toBe(204);
    const read = await root(server, 'GET', `${mount}/app/db`);
    expect(read.status).toBe(200);
    expect(envelope(read)).toMatchObject({
      lease_id: '',
      renewable: false,
      lease_duration: 2_764_800,
      data: { password: 'x', user: 'app' },
      mount_type: 'kv',
    });
  });

  it('takes lease_duration from a ttl (or legacy lease) key and keeps it in data', async () => {
    await server.admin.kvV1Put(mount, 'ttl/a', { v: '1', ttl: '1h' });
    await server.admin.kvV1Put(mount, 'ttl/b', { v: '1', lease: 90 });
    await server.admin.kvV1Put(mount, 'ttl/c', { v: '1', ttl: 'soon' });
    const a = envelope(await root(server, 'GET', `${mount}/ttl/a`));
    expect(a.lease_duration).toBe(3600);
    expect(a.data).toEqual({ ttl: '1h', v: '1' });
    expect(envelope(await root(server, 'GET', `${mount}/ttl/b`)).lease_duration).toBe(90);
    expect(envelope(await root(server, 'GET', `${mount}/ttl/c`)).lease_duration).toBe(2_764_800);
  });

  it('replaces the whole value on write and refuses an empty body', async () => {
    await server.admin.kvV1Put(mount, 'replace', { a: '1', b: '2' });
    await server.admin.kvV1Put(mount, 'replace', { c: '3' });
    expect(envelope(await root(server, 'GET', `${mount}/replace`)).data).toEqual({ c: '3' });
    const empty = await root(server, 'POST', `${mount}/replace`);
    expect(empty.status).toBe(400);
    expect(errors(empty)).toEqual(['missing data fields']);
  });

  it('deletes idempotently and answers 404 {"errors":[]} for missing reads', async () => {
    await server.admin.kvV1Put(mount, 'gone', { a: '1' });
    expect((await root(server, 'DELETE', `${mount}/gone`)).status).toBe(204);
    expect((await root(server, 'DELETE', `${mount}/gone`)).status).toBe(204);
    const read = await root(server, 'GET', `${mount}/gone`);
    expect(read.status).toBe(404);
    expect(read.text).toBe('{"errors":[]}\n');
  });

  it('lists folders with / and answers 404 for an empty folder', async () => {
    await server.admin.kvV1Put(mount, 'tree/a', { x: '1' });
    await server.admin.kvV1Put(mount, 'tree/sub/b', { x: '1' });
    expect(envelope(await root(server, 'LIST', `${mount}/tree`)).data).toEqual({ keys: ['a', 'sub/'] });
    expect(envelope(await root(server, 'GET', `${mount}/tree/?list=true`)).data).toEqual({ keys: ['a', 'sub/'] });
    expect((await root(server, 'LIST', `${mount}/nothing`)).status).toBe(404);
  });

  it('does not support PATCH', async () => {
    const answer = await root(server, 'PATCH', `${mount}/tree/a`, {
      body: { x: '2' },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(answer.status).toBe(405);
  });
});
