/**
 * `sys/mounts` and `sys/internal/ui/mounts/:path` (REFERENCE §1.8).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, envelope, errors, root, startServer, unique } from './support.js';

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

describe('sys/mounts', () => {
  it('lists the dev mounts, data keys also copied to the top level', async () => {
    const answer = await root(server, 'GET', 'sys/mounts');
    expect(answer.status).toBe(200);
    const body = answer.json as Record<string, unknown>;
    const data = envelope(answer).data;
    expect(Object.keys(data).sort()).toEqual(['cubbyhole/', 'identity/', 'secret/', 'sys/']);
    expect(body['secret/']).toEqual(data['secret/']);
    expect(data['secret/']).toMatchObject({
      type: 'kv',
      options: { version: '2' },
      config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false },
      local: false,
      seal_wrap: false,
    });
    expect(envelope(answer).mount_type).toBe('system');
  });

  it('has no secret/ without dev mounts', async () => {
    const bare = await startServer({ devMounts: false });
    try {
      const data = envelope(await root(bare, 'GET', 'sys/mounts')).data;
      expect(data).not.toHaveProperty('secret/');
      expect((await root(bare, 'GET', 'secret/data/x')).status).toBe(404);
    } finally {
      await bare.stop();
    }
  });

  it('enables kv (v1/v2, kv-v2 alias) and disables mounts', async () => {
    const v1 = unique('plain');
    const v2 = unique('alias');
    expect((await root(server, 'POST', `sys/mounts/${v1}`, { body: { type: 'kv' } })).status).toBe(204);
    expect((await root(server, 'POST', `sys/mounts/${v2}`, { body: { type: 'kv-v2' } })).status).toBe(204);
    const data = envelope(await root(server, 'GET', 'sys/mounts')).data;
    expect(data[`${v1}/`]).toMatchObject({ type: 'kv', options: null });
    expect(data[`${v2}/`]).toMatchObject({ type: 'kv', options: { version: '2' } });
    expect((await root(server, 'DELETE', `sys/mounts/${v2}`)).status).toBe(204);
    expect((await root(server, 'DELETE', `sys/mounts/${v2}`)).status).toBe(204);
    const gone = await root(server, 'GET', `${v2}/data/x`);
    expect(gone.status).toBe(404);
    expect(errors(gone)[0]).toContain('no handler for route');
  });

  it('refuses conflicting paths and unknown types', async () => {
    const taken = await root(server, 'POST', 'sys/mounts/secret', { body: { type: 'kv' } });
    expect(taken.status).toBe(400);
    expect(errors(taken)).toEqual(['path is already in use at secret/']);
    const unknownType = await root(server, 'POST', `sys/mounts/${unique('x')}`, { body: { type: 'nope' } });
    expect(errors(unknownType)).toEqual(['plugin not found in the catalog: nope']);
  });
});

describe('sys/internal/ui/mounts/:path (§1.8)', () => {
  it('returns the mount entry with options.version as a string', async () => {
    const answer = await root(server, 'GET', 'sys/internal/ui/mounts/secret/app/db');
    expect(answer.status).toBe(200);
    const body = envelope(answer);
    expect(body.mount_type).toBe('system');
    expect(body.data).toMatchObject({ path: 'secret/', type: 'kv', options: { version: '2' } });
    for (const key of ['accessor', 'config', 'description', 'external_entropy_access', 'local', 'seal_wrap', 'uuid']) {
      expect(body.data).toHaveProperty(key);
    }
  });

  it('resolves nested mounts by longest prefix and reports v1 options', async () => {
    const mount = `team/${unique('b')}/kv`;
    await server.admin.enableSecretsEngine(mount, 'kv', { version: '1' });
    const data = envelope(await root(server, 'GET', `sys/internal/ui/mounts/${mount}/x/y`)).data;
    expect(data).toMatchObject({ path: `${mount}/`, options: { version: '1' } });
  });

  it('lets a token with any capability under the mount through, 403 preflight otherwise', async () => {
    await server.admin.writePolicy('ui-reader', 'path "secret/data/app/*" { capabilities = ["read"] }');
    const token = (await server.admin.createToken({ policies: ['ui-reader'] })).client_token;
    const allowed = await call(server, 'GET', 'sys/internal/ui/mounts/secret/app/db', { token });
    expect(allowed.status).toBe(200);
    const other = unique('other');
    await server.admin.enableSecretsEngine(other, 'kv', { version: '2' });
    const denied = await call(server, 'GET', `sys/internal/ui/mounts/${other}/x`, { token });
    expect(denied.status).toBe(403);
    expect(errors(denied)).toEqual([
      `preflight capability check returned 403, please ensure client's policies grant access to path "${other}/x/"`,
    ]);
    const noMount = await root(server, 'GET', 'sys/internal/ui/mounts/nomount/foo');
    expect(noMount.status).toBe(403);
    expect(errors(noMount)[0]).toContain('preflight capability check returned 403');
  });
});
