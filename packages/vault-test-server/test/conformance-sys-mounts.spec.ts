/**
 * Conformance of the mounts `sys/` group with Vault's API docs
 * (developer.hashicorp.com/vault/api-docs/system/mounts, …/system/remount) and with what a Vault
 * answers for paths it does not serve (REFERENCE §0.4: `unsupported path` inside a mount,
 * `no handler for route` outside every mount, `plugin not found in the catalog` for an unknown
 * type).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, envelope, errors, root, startServer, unique } from './support.js';

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

type MountTable = Record<string, { type: string; options: Record<string, string> | null; accessor: string }>;

describe('sys/mounts with type generic', () => {
  it('mounts the kv engine (Vault mountAliases generic → kv) and sys/mounts keeps reporting type generic', async () => {
    const path = unique('legacy');
    const enabled = await root(server, 'POST', `sys/mounts/${path}`, { body: { type: 'generic' } });
    expect(enabled.status).toBe(204);
    const mounts = envelope<MountTable>(await root(server, 'GET', 'sys/mounts')).data;
    expect(mounts[`${path}/`]).toMatchObject({ type: 'generic', options: null });
    const one = await root(server, 'GET', `sys/mounts/${path}`);
    expect(envelope<{ type: string }>(one).data.type).toBe('generic');

    // It behaves as KV (version 1: no data/ prefix).
    expect((await root(server, 'PUT', `${path}/app/config`, { body: { url: 'https://example.test' } })).status).toBe(204);
    const read = await root(server, 'GET', `${path}/app/config`);
    expect(envelope(read).data).toEqual({ url: 'https://example.test' });
    expect(envelope<{ keys: string[] }>(await root(server, 'LIST', `${path}/app`)).data.keys).toEqual(['config']);
  });

  it('with options.version 2 behaves as KV v2', async () => {
    const path = unique('legacy-v2');
    await root(server, 'POST', `sys/mounts/${path}`, { body: { type: 'generic', options: { version: '2' } } });
    expect(envelope<MountTable>(await root(server, 'GET', 'sys/mounts')).data[`${path}/`]).toMatchObject({
      type: 'generic',
      options: { version: '2' },
    });
    const written = await root(server, 'POST', `${path}/data/app`, { body: { data: { a: 1 } } });
    expect(envelope<{ version: number }>(written).data.version).toBe(1);
  });
});

describe('sys/remount', () => {
  it('moves a secrets engine with its data and answers a migration_id (data and top level, with the queue warning)', async () => {
    const from = unique('from');
    const to = unique('to');
    await root(server, 'POST', `sys/mounts/${from}`, { body: { type: 'kv', options: { version: '2' } } });
    await server.admin.kvPut(from, 'app', { password: 'x' });
    const before = envelope<MountTable>(await root(server, 'GET', 'sys/mounts')).data[`${from}/`];

    const answer = await root(server, 'POST', 'sys/remount', { body: { from, to } });
    expect(answer.status).toBe(200);
    const id = envelope<{ migration_id: string }>(answer).data.migration_id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((answer.json as { migration_id: string }).migration_id).toBe(id);
    expect(envelope(answer).warnings?.[0]).toContain('Mount move has been queued');

    const status = await root(server, 'GET', `sys/remount/status/${id}`);
    expect(status.status).toBe(200);
    expect(envelope(status).data).toEqual({
      migration_id: id,
      migration_info: { source_mount: `${from}/`, target_mount: `${to}/`, status: 'success' },
    });
    const mounts = envelope<MountTable>(await root(server, 'GET', 'sys/mounts')).data;
    expect(mounts).not.toHaveProperty(`${from}/`);
    expect(mounts[`${to}/`]?.accessor).toBe(before?.accessor);
    expect(envelope<{ data: unknown }>(await root(server, 'GET', `${to}/data/app`)).data.data).toEqual({ password: 'x' });
    expect(errors(await root(server, 'GET', `${from}/data/app`))[0]).toContain('no handler for route');
  });

  it('moves auth methods within auth/ and refuses protected or conflicting paths', async () => {
    const from = unique('up');
    const to = unique('up-moved');
    await root(server, 'POST', `sys/auth/${from}`, { body: { type: 'userpass' } });
    expect((await root(server, 'POST', 'sys/remount', { body: { from: `auth/${from}`, to: `auth/${to}` } })).status).toBe(200);
    expect(envelope<MountTable>(await root(server, 'GET', 'sys/auth')).data).toHaveProperty(`${to}/`);

    const cases: Array<[Record<string, string>, string]> = [
      [{ from: `auth/${to}`, to: 'elsewhere' }, 'cannot remount auth mount to non-auth mount "elsewhere/"'],
      [{ from: 'auth/token', to: 'auth/tok2' }, 'cannot remount "auth/token/"'],
      [{ from: 'sys', to: 'sys2' }, 'cannot remount "sys/"'],
      [{ from: 'secret', to: 'cubbyhole/x' }, 'cannot remount to destination cubbyhole/x/'],
      [{ from: unique('nothing'), to: unique('x') }, 'no matching mount at'],
      [{ from: 'secret', to: 'secret' }, 'path already in use at "secret/"'],
      [{ from: 'secret' }, "both 'from' and 'to' path must be specified as a string"],
    ];
    for (const [body, message] of cases) {
      const answer = await root(server, 'POST', 'sys/remount', { body });
      expect(answer.status).toBe(400);
      expect(errors(answer)[0]).toContain(message);
    }
  });

  it('needs sudo, and an unknown migration id reads as 404', async () => {
    await server.admin.writePolicy('remount-update', 'path "sys/remount" { capabilities = ["update"] }');
    const token = (await server.admin.createToken({ policies: ['remount-update'] })).client_token;
    const denied = await call(server, 'POST', 'sys/remount', { token, body: { from: 'secret', to: unique('x') } });
    expect(denied.status).toBe(403);
    expect((await root(server, 'GET', 'sys/remount/status/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });
});

describe('paths that are not served', () => {
  it('a path inside a mount answers 404 "unsupported path" (multierror)', async () => {
    for (const path of ['sys/no-such-endpoint', 'auth/token/no-such-endpoint']) {
      const answer = await root(server, 'GET', path);
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({ errors: ['1 error occurred:\n\t* unsupported path\n\n'] });
    }
  });

  it('a path under no mount answers 404 "no handler for route" with the request path', async () => {
    const answer = await root(server, 'GET', 'nomount/foo/bar');
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ errors: ['no handler for route "nomount/foo/bar". route entry not found.'] });
    const auth = await root(server, 'POST', 'auth/github/login', { body: { token: 'x' } });
    expect(auth.status).toBe(404);
    expect(errors(auth)).toEqual(['no handler for route "auth/github/login". route entry not found.']);
  });

  it('an operation a served path lacks answers 405 "unsupported operation"', async () => {
    const answer = await root(server, 'DELETE', 'sys/key-status');
    expect(answer.status).toBe(405);
    expect(answer.json).toEqual({ errors: ['1 error occurred:\n\t* unsupported operation\n\n'] });
  });

  it('a type without a plugin answers 400 "plugin not found in the catalog"', async () => {
    for (const [table, type] of [
      ['mounts', 'ssh'],
      ['auth', 'github'],
    ] as const) {
      const answer = await root(server, 'POST', `sys/${table}/${unique(type)}`, { body: { type } });
      expect(answer.status).toBe(400);
      expect(errors(answer)).toEqual([`plugin not found in the catalog: ${type}`]);
    }
  });
});
