/**
 * REFERENCE §1: KV version 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, envelope, errors, root, startServer, unique } from './support.js';

const RFC3339_NANO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const MERGE_PATCH = { 'Content-Type': 'application/merge-patch+json' };

interface VersionMeta {
  created_time: string;
  custom_metadata: Record<string, string> | null;
  deletion_time: string;
  destroyed: boolean;
  version: number;
}
interface ReadData {
  data: Record<string, unknown> | null;
  metadata: VersionMeta;
}

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

function write(path: string, body: unknown) {
  return root(server, 'POST', `secret/data/${path}`, { body });
}
function read(path: string, query = '') {
  return root(server, 'GET', `secret/data/${path}${query}`);
}

describe('write and read (§1.1, §1.2)', () => {
  it('returns the new version metadata on write and data + metadata on read', async () => {
    const path = unique('rw');
    const written = await write(path, { data: { password: 'p1' } });
    expect(written.status).toBe(200);
    const meta = envelope<VersionMeta>(written).data;
    expect(Object.keys(meta)).toEqual(['created_time', 'custom_metadata', 'deletion_time', 'destroyed', 'version']);
    expect(meta).toMatchObject({ custom_metadata: null, deletion_time: '', destroyed: false, version: 1 });
    expect(meta.created_time).toMatch(RFC3339_NANO);
    expect(Math.abs(Date.parse(meta.created_time) - server.clock.now())).toBeLessThan(1);

    await write(path, { data: { password: 'p2' } });
    const current = await read(path);
    expect(current.status).toBe(200);
    const body = envelope<ReadData>(current);
    expect(body.mount_type).toBe('kv');
    expect(body.data.data).toEqual({ password: 'p2' });
    expect(body.data.metadata.version).toBe(2);
    expect(envelope<ReadData>(await read(path, '?version=1')).data.data).toEqual({ password: 'p1' });
    expect(envelope<ReadData>(await read(path, '?version=0')).data.metadata.version).toBe(2);
  });

  it('answers 404 {"errors":[]} for a missing key or a version that never existed', async () => {
    const path = unique('missing');
    expect((await read(path)).text).toBe('{"errors":[]}\n');
    await write(path, { data: { a: 1 } });
    const never = await read(path, '?version=7');
    expect(never.status).toBe(404);
    expect(never.text).toBe('{"errors":[]}\n');
  });

  it('requires the data wrapper', async () => {
    const answer = await write(unique('nodata'), { password: 'flat' });
    expect(answer.status).toBe(400);
    expect(errors(answer)).toEqual(['no data provided']);
  });
});

describe('check-and-set (§1.2)', () => {
  it('enforces cas 0 / cas N and reports all three errors', async () => {
    const path = unique('cas');
    expect((await write(path, { options: { cas: 0 }, data: { v: 1 } })).status).toBe(200);
    const again = await write(path, { options: { cas: 0 }, data: { v: 2 } });
    expect(again.status).toBe(400);
    expect(errors(again)).toEqual(['check-and-set parameter did not match the current version']);
    expect(envelope<VersionMeta>(await write(path, { options: { cas: 1 }, data: { v: 2 } })).data.version).toBe(2);
    const bad = await write(path, { options: { cas: 'abc' }, data: { v: 3 } });
    expect(errors(bad)).toEqual(['error parsing check-and-set parameter']);

    await server.admin.kvWriteMetadata('secret', path, { cas_required: true });
    const required = await write(path, { data: { v: 3 } });
    expect(required.status).toBe(400);
    expect(errors(required)).toEqual(['check-and-set parameter required for this call']);
  });

  it('honours cas_required in the engine config', async () => {
    const mount = unique('kvcas');
    await server.admin.enableSecretsEngine(mount, 'kv', { version: '2' });
    await server.admin.kvWriteConfig(mount, { cas_required: true });
    const answer = await root(server, 'POST', `${mount}/data/k`, { body: { data: { a: 1 } } });
    expect(errors(answer)).toEqual(['check-and-set parameter required for this call']);
    const warned = await root(server, 'POST', `${mount}/metadata/k`, { body: { cas_required: false } });
    expect(warned.status).toBe(200);
    expect(envelope(warned).warnings).toEqual([
      '"cas_required" set to false, but is mandated by backend config. This value will be ignored.',
    ]);
  });
});

describe('soft delete, undelete, destroy (§1.1, §1.4)', () => {
  it('answers 404 with the plugin envelope for a soft-deleted version', async () => {
    const path = unique('del');
    await write(path, { data: { v: 1 } });
    const deleted = await root(server, 'DELETE', `secret/data/${path}`);
    expect(deleted.status).toBe(204);
    const answer = await read(path);
    expect(answer.status).toBe(404);
    expect(answer.json).not.toHaveProperty('errors');
    expect(answer.text.endsWith('\n')).toBe(false);
    const body = envelope<ReadData>(answer);
    expect(body.request_id).not.toBe('');
    expect(body.mount_type).toBe('');
    expect(body.data.data).toBeNull();
    expect(body.data.metadata).toMatchObject({ destroyed: false, version: 1 });
    expect(body.data.metadata.deletion_time).toMatch(RFC3339_NANO);
    expect((await root(server, 'DELETE', `secret/data/${unique('never')}`)).status).toBe(204);
  });

  it('deletes and undeletes given versions', async () => {
    const path = unique('undel');
    await write(path, { data: { v: 1 } });
    await write(path, { data: { v: 2 } });
    expect((await root(server, 'POST', `secret/delete/${path}`, { body: { versions: [1] } })).status).toBe(204);
    expect((await read(path, '?version=1')).status).toBe(404);
    expect((await read(path, '?version=2')).status).toBe(200);
    expect((await root(server, 'POST', `secret/undelete/${path}`, { body: { versions: [1] } })).status).toBe(204);
    expect(envelope<ReadData>(await read(path, '?version=1')).data.data).toEqual({ v: 1 });
  });

  it('destroys versions: 404 with destroyed true and deletion_time ""', async () => {
    const path = unique('destroy');
    await write(path, { data: { v: 1 } });
    expect((await root(server, 'PUT', `secret/destroy/${path}`, { body: { versions: [1] } })).status).toBe(204);
    const answer = await read(path);
    expect(answer.status).toBe(404);
    expect(envelope<ReadData>(answer).data).toMatchObject({ data: null, metadata: { destroyed: true, deletion_time: '' } });
    // A destroyed version cannot be undeleted.
    await root(server, 'POST', `secret/undelete/${path}`, { body: { versions: [1] } });
    expect((await read(path)).status).toBe(404);
  });

  it('reports missing versions with the case difference of the plugin', async () => {
    const path = unique('nover');
    for (const [endpoint, message] of [
      ['delete', 'No version number provided'],
      ['undelete', 'No version number provided'],
      ['destroy', 'no version number provided'],
    ] as const) {
      const answer = await root(server, 'POST', `secret/${endpoint}/${path}`, { body: {} });
      expect(answer.status).toBe(400);
      expect(errors(answer)).toEqual([message]);
    }
  });

  it('keeps a version with a future deletion_time readable until the clock passes it', async () => {
    const path = unique('dva');
    await server.admin.kvWriteMetadata('secret', path, { delete_version_after: '1h' });
    const written = envelope<VersionMeta>(await write(path, { data: { v: 1 } })).data;
    expect(Date.parse(written.deletion_time) - Date.parse(written.created_time)).toBe(3_600_000);
    const before = await read(path);
    expect(before.status).toBe(200);
    expect(envelope<ReadData>(before).data.metadata.deletion_time).toBe(written.deletion_time);
    server.clock.advance(3_600_001);
    const after = await read(path);
    expect(after.status).toBe(404);
    expect(envelope<ReadData>(after).data.data).toBeNull();
    const metadata = envelope(await root(server, 'GET', `secret/metadata/${path}`)).data;
    expect(metadata['delete_version_after']).toBe('1h0m0s');
  });
});

describe('patch (§1.3)', () => {
  it('requires the merge-patch content type', async () => {
    const answer = await root(server, 'PATCH', `secret/data/${unique('p')}`, { body: { data: { a: 1 } } });
    expect(answer.status).toBe(415);
    expect(errors(answer)).toEqual(['PATCH requires Content-Type of application/merge-patch+json, provided application/json']);
  });

  it('merges into a new version (null removes a key)', async () => {
    const path = unique('patch');
    await write(path, { data: { a: '1', b: '2', nested: { x: 1, y: 2 } } });
    const patched = await root(server, 'PATCH', `secret/data/${path}`, {
      body: { data: { b: null, c: '3', nested: { y: null, z: 3 } } },
      headers: MERGE_PATCH,
    });
    expect(patched.status).toBe(200);
    expect(envelope<VersionMeta>(patched).data.version).toBe(2);
    expect(envelope<ReadData>(await read(path)).data.data).toEqual({ a: '1', c: '3', nested: { x: 1, z: 3 } });
  });

  it('answers 404 with an empty body for a missing key, with flat metadata for a deleted one', async () => {
    const missing = await root(server, 'PATCH', `secret/data/${unique('nokey')}`, { body: { data: { a: 1 } }, headers: MERGE_PATCH });
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('');
    const path = unique('pdel');
    await write(path, { data: { a: 1 } });
    await root(server, 'DELETE', `secret/data/${path}`);
    const deleted = await root(server, 'PATCH', `secret/data/${path}`, { body: { data: { a: 2 } }, headers: MERGE_PATCH });
    expect(deleted.status).toBe(404);
    expect(envelope(deleted).data).toMatchObject({ version: 1, destroyed: false });
  });
});

describe('list (§1.5)', () => {
  it('lists keys relative to the folder, sub-folders with /', async () => {
    const folder = unique('tree');
    await write(`${folder}/foo`, { data: { a: 1 } });
    await write(`${folder}/foo/bar`, { data: { a: 1 } });
    await write(`${folder}/baz/qux/deep`, { data: { a: 1 } });
    const answer = await root(server, 'LIST', `secret/metadata/${folder}`);
    expect(answer.status).toBe(200);
    expect(envelope(answer).data).toEqual({ keys: ['baz/', 'foo', 'foo/'] });
    expect(envelope(await root(server, 'LIST', `secret/metadata/${folder}/baz/`)).data).toEqual({ keys: ['qux/'] });
  });

  it('answers 404 {"errors":[]} for an empty or missing folder', async () => {
    const answer = await root(server, 'LIST', `secret/metadata/${unique('empty')}`);
    expect(answer.status).toBe(404);
    expect(answer.text).toBe('{"errors":[]}\n');
  });

  it('lists only under metadata/', async () => {
    const answer = await root(server, 'LIST', 'secret/data/');
    expect(answer.status).toBe(404);
    expect(envelope(answer).warnings?.[0]).toContain("use 'vault kv list' for this operation");
  });
});

describe('metadata (§1.6) and config (§1.7)', () => {
  it('reads key metadata with versions keyed by decimal strings', async () => {
    const path = unique('meta');
    for (let i = 1; i <= 11; i += 1) await write(path, { data: { i } });
    await server.admin.kvWriteMetadata('secret', path, { custom_metadata: { owner: 'payments' } });
    const answer = await root(server, 'GET', `secret/metadata/${path}`);
    const data = envelope(answer).data;
    expect(Object.keys(data)).toEqual([
      'cas_required',
      'created_time',
      'current_version',
      'custom_metadata',
      'delete_version_after',
      'max_versions',
      'oldest_version',
      'updated_time',
      'versions',
    ]);
    expect(data).toMatchObject({
      cas_required: false,
      current_version: 11,
      custom_metadata: { owner: 'payments' },
      delete_version_after: '0s',
      max_versions: 0,
      oldest_version: 2,
    });
    expect(Object.keys(data['versions'] as object).sort()).toEqual(['10', '11', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(answer.text).toContain('"versions":{"10":');
    expect((await read(path, '?version=1')).status).toBe(404);
    expect(envelope<ReadData>(await read(path)).data.metadata.custom_metadata).toEqual({ owner: 'payments' });
  });

  it('prunes to the key max_versions', async () => {
    const path = unique('prune');
    await server.admin.kvWriteMetadata('secret', path, { max_versions: 3 });
    for (let i = 1; i <= 5; i += 1) await write(path, { data: { i } });
    const data = envelope(await root(server, 'GET', `secret/metadata/${path}`)).data;
    expect(Object.keys(data['versions'] as object).sort()).toEqual(['3', '4', '5']);
    expect(data['oldest_version']).toBe(3);
  });

  it('validates custom_metadata', async () => {
    const custom: Record<string, string> = {};
    for (let i = 0; i < 65; i += 1) custom[`k${i}`] = 'v';
    const answer = await root(server, 'POST', `secret/metadata/${unique('cm')}`, { body: { custom_metadata: custom } });
    expect(answer.status).toBe(400);
    expect(errors(answer)[0]).toContain('custom_metadata validation failed: payload must contain at most 64 keys, provided 65');
  });

  it('patches metadata with merge-patch semantics', async () => {
    const path = unique('mpatch');
    await server.admin.kvWriteMetadata('secret', path, { custom_metadata: { a: '1', b: '2' } });
    const answer = await root(server, 'PATCH', `secret/metadata/${path}`, {
      body: { custom_metadata: { a: null, c: '3' }, max_versions: 4 },
      headers: MERGE_PATCH,
    });
    expect(answer.status).toBe(204);
    const data = envelope(await root(server, 'GET', `secret/metadata/${path}`)).data;
    expect(data).toMatchObject({ custom_metadata: { b: '2', c: '3' }, max_versions: 4 });
  });

  it('deletes all versions and metadata', async () => {
    const folder = unique('gone');
    await write(`${folder}/k`, { data: { a: 1 } });
    expect((await root(server, 'DELETE', `secret/metadata/${folder}/k`)).status).toBe(204);
    expect((await root(server, 'GET', `secret/metadata/${folder}/k`)).status).toBe(404);
    expect((await read(`${folder}/k`)).status).toBe(404);
    expect((await root(server, 'LIST', `secret/metadata/${folder}`)).status).toBe(404);
  });

  it('reads and writes the engine config', async () => {
    const mount = unique('kvcfg');
    await server.admin.enableSecretsEngine(mount, 'kv', { version: '2' });
    const initial = await root(server, 'GET', `${mount}/config`);
    expect(envelope(initial).data).toEqual({ cas_required: false, delete_version_after: '0s', max_versions: 0 });
    const written = await root(server, 'POST', `${mount}/config`, { body: { max_versions: 2, delete_version_after: '90m' } });
    expect(written.status).toBe(204);
    expect(envelope(await root(server, 'GET', `${mount}/config`)).data).toEqual({
      cas_required: false,
      delete_version_after: '1h30m0s',
      max_versions: 2,
    });
  });

  it('reads subkeys', async () => {
    const path = unique('sub');
    await write(path, { data: { a: '1', nested: { b: '2' } } });
    const answer = await root(server, 'GET', `secret/subkeys/${path}`);
    expect(envelope(answer).data).toMatchObject({ subkeys: { a: null, nested: { b: null } } });
  });
});

describe('wrong prefixes (§1.1)', () => {
  it('answers 404 with the versioned-KV warning', async () => {
    const answer = await root(server, 'GET', 'secret/foo');
    expect(answer.status).toBe(404);
    const body = envelope(answer);
    expect(body.data).toBeNull();
    expect(body.warnings).toEqual([
      "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.",
    ]);
    const bare = await root(server, 'GET', 'secret/data');
    expect(envelope(bare).warnings).toEqual(['Non-listing operations on the root of a K/V v2 mount are not supported.']);
  });
});

describe('nested mount paths', () => {
  it('routes a mount whose path contains slashes by longest prefix', async () => {
    const mount = `team/${unique('a')}/kv`;
    await server.admin.enableSecretsEngine(mount, 'kv', { version: '2' });
    await server.admin.kvPut(mount, 'svc/data/inner', { k: 'nested' });
    const answer = await root(server, 'GET', `${mount}/data/svc/data/inner`);
    expect(envelope<ReadData>(answer).data.data).toEqual({ k: 'nested' });
    const noToken = await call(server, 'GET', `${mount}/data/svc/data/inner`);
    expect(noToken.status).toBe(403);
  });
});
