/**
 * `sys/policies/acl` and ACL enforcement (capabilities, globs, `+`, create vs update).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, envelope, errors, root, startServer, unique } from './support.js';

const DENIED = ['1 error occurred:\n\t* permission denied\n\n'];

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

async function tokenWith(name: string, hcl: string): Promise<string> {
  await server.admin.writePolicy(name, hcl);
  return (await server.admin.createToken({ policies: [name] })).client_token;
}

describe('sys/policies/acl', () => {
  it('writes (204), reads, lists and deletes policies', async () => {
    const name = unique('pol');
    const hcl = 'path "secret/data/app/*" {\n  capabilities = ["read", "list"]\n}\n';
    expect((await root(server, 'PUT', `sys/policies/acl/${name}`, { body: { policy: hcl } })).status).toBe(204);
    const read = await root(server, 'GET', `sys/policies/acl/${name}`);
    expect(envelope(read).data).toEqual({ name, policy: hcl });
    const list = envelope<{ keys: string[] }>(await root(server, 'LIST', 'sys/policies/acl')).data.keys;
    expect(list).toContain(name);
    expect(list).toContain('default');
    expect(list[list.length - 1]).toBe('root');
    expect((await root(server, 'DELETE', `sys/policies/acl/${name}`)).status).toBe(204);
    expect((await root(server, 'GET', `sys/policies/acl/${name}`)).status).toBe(404);
  });

  it('rejects bad policies and protects root/default', async () => {
    const bad = await root(server, 'PUT', 'sys/policies/acl/bad', { body: { policy: 'path "x" { capabilities = ["fly"] }' } });
    expect(bad.status).toBe(400);
    expect(errors(bad)[0]).toMatch(/^failed to parse policy: /);
    expect(errors(await root(server, 'PUT', 'sys/policies/acl/empty', { body: {} }))).toEqual(["'policy' parameter not supplied or empty"]);
    expect(errors(await root(server, 'DELETE', 'sys/policies/acl/default'))).toEqual(['cannot delete default policy']);
    expect(errors(await root(server, 'DELETE', 'sys/policies/acl/root'))).toEqual(['cannot delete "root" policy']);
  });

  it('accepts JSON policies', async () => {
    const token = await tokenWith(unique('json'), JSON.stringify({ path: { 'secret/data/json/*': { capabilities: ['read'] } } }));
    await server.admin.kvPut('secret', 'json/k', { v: '1' });
    expect((await call(server, 'GET', 'secret/data/json/k', { token })).status).toBe(200);
  });
});

describe('ACL enforcement', () => {
  it('maps methods to capabilities and denies the rest with the multierror', async () => {
    await server.admin.kvPut('secret', 'acl/app/one', { v: '1' });
    const token = await tokenWith(
      unique('ro'),
      `
      # read-only on the app tree
      path "secret/data/acl/app/*" { capabilities = ["read"] }
      path "secret/metadata/acl/app/*" { capabilities = ["list"] }
      `,
    );
    expect((await call(server, 'GET', 'secret/data/acl/app/one', { token })).status).toBe(200);
    expect((await call(server, 'LIST', 'secret/metadata/acl/app', { token })).status).toBe(200);
    const write = await call(server, 'POST', 'secret/data/acl/app/one', { token, body: { data: { v: '2' } } });
    expect(write.status).toBe(403);
    expect(errors(write)).toEqual(DENIED);
    expect(errors(await call(server, 'DELETE', 'secret/data/acl/app/one', { token }))).toEqual(DENIED);
    expect(errors(await call(server, 'GET', 'secret/data/acl/other', { token }))).toEqual(DENIED);
    expect(errors(await call(server, 'GET', 'sys/mounts', { token }))).toEqual(DENIED);
  });

  it('distinguishes create from update with the existence check', async () => {
    const path = unique('create-only');
    const token = await tokenWith(unique('creator'), `path "secret/data/${path}" { capabilities = ["create"] }`);
    expect((await call(server, 'POST', `secret/data/${path}`, { token, body: { data: { v: '1' } } })).status).toBe(200);
    const update = await call(server, 'POST', `secret/data/${path}`, { token, body: { data: { v: '2' } } });
    expect(update.status).toBe(403);
  });

  it('requires patch for PATCH', async () => {
    const path = unique('patchy');
    await server.admin.kvPut('secret', path, { v: '1' });
    const noPatch = await tokenWith(unique('nopatch'), `path "secret/data/${path}" { capabilities = ["read", "update"] }`);
    const withPatch = await tokenWith(unique('patch'), `path "secret/data/${path}" { capabilities = ["patch"] }`);
    const send = (token: string) =>
      call(server, 'PATCH', `secret/data/${path}`, {
        token,
        body: { data: { v: '2' } },
        headers: { 'Content-Type': 'application/merge-patch+json' },
      });
    expect((await send(noPatch)).status).toBe(403);
    expect((await send(withPatch)).status).toBe(200);
  });

  it('matches + segments, picks the most specific rule, and lets deny win', async () => {
    await server.admin.kvPut('secret', 'plus/team1/config', { v: '1' });
    await server.admin.kvPut('secret', 'plus/team2/config', { v: '1' });
    await server.admin.kvPut('secret', 'plus/team2/secret', { v: '1' });
    const name = unique('plus');
    await server.admin.writePolicy(
      name,
      `
      path "secret/data/plus/+/config" { capabilities = ["read"] }
      path "secret/data/plus/*" { capabilities = ["deny"] }
      path "secret/data/plus/team2/secret" { capabilities = ["read"] }
      `,
    );
    await server.admin.writePolicy(`${name}-deny`, 'path "secret/data/plus/team1/config" { capabilities = ["deny"] }');
    const token = (await server.admin.createToken({ policies: [name] })).client_token;
    expect((await call(server, 'GET', 'secret/data/plus/team1/config', { token })).status).toBe(200);
    expect((await call(server, 'GET', 'secret/data/plus/team2/secret', { token })).status).toBe(200);
    const both = (await server.admin.createToken({ policies: [name, `${name}-deny`] })).client_token;
    expect((await call(server, 'GET', 'secret/data/plus/team1/config', { token: both })).status).toBe(403);
    expect((await call(server, 'GET', 'secret/data/plus/team2/config', { token: both })).status).toBe(200);
  });

  it('gives the default policy lookup/renew/revoke-self and cubbyhole', async () => {
    const token = (await server.admin.createToken({ policies: ['default'], ttl: '1h' })).client_token;
    expect((await call(server, 'GET', 'auth/token/lookup-self', { token })).status).toBe(200);
    expect((await call(server, 'POST', 'auth/token/renew-self', { token })).status).toBe(200);
    expect((await call(server, 'POST', 'cubbyhole/note', { token, body: { n: '1' } })).status).toBe(204);
    expect(envelope(await call(server, 'GET', 'cubbyhole/note', { token })).data).toEqual({ n: '1' });
    // Another token has its own cubbyhole.
    expect((await root(server, 'GET', 'cubbyhole/note')).status).toBe(404);
    expect((await call(server, 'POST', 'auth/token/create', { token, body: {} })).status).toBe(403);
    expect((await call(server, 'POST', 'auth/token/revoke-self', { token })).status).toBe(204);
  });
});
