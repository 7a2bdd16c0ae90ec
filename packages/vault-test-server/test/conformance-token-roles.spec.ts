/**
 * Conformance of token roles with Vault's token auth docs
 * (developer.hashicorp.com/vault/api-docs/auth/token): `auth/token/roles/:role_name`
 * (create/update, read, list, delete), `auth/token/create/:role_name`, and the other token-store
 * paths of those docs that were not served before (`accessors`, `tidy`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { ENVELOPE_KEYS, call, envelope, errors, root, startServer, unique } from './support.js';

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer();
  await server.admin.writePolicy('dev', 'path "secret/data/dev/*" { capabilities = ["read"] }');
  await server.admin.writePolicy('ops', 'path "secret/data/ops/*" { capabilities = ["read"] }');
});
afterAll(() => server.stop());

interface RoleData {
  [key: string]: unknown;
}

describe('auth/token/roles/:role_name', () => {
  it('creates a role (204) and reads it back with the documented fields and defaults', async () => {
    const name = unique('nomad');
    const created = await root(server, 'POST', `auth/token/roles/${name}`, { body: { allowed_policies: ['dev'] } });
    expect(created.status).toBe(204);
    const read = await root(server, 'GET', `auth/token/roles/${name}`);
    expect(read.status).toBe(200);
    expect(Object.keys(read.json as object)).toEqual(ENVELOPE_KEYS);
    expect(envelope(read).mount_type).toBe('token');
    expect(envelope<RoleData>(read).data).toEqual({
      allowed_entity_aliases: null,
      allowed_policies: ['dev'],
      allowed_policies_glob: [],
      disallowed_policies: [],
      disallowed_policies_glob: [],
      explicit_max_ttl: 0,
      name,
      orphan: false,
      path_suffix: '',
      period: 0,
      renewable: true,
      token_explicit_max_ttl: 0,
      token_no_default_policy: false,
      token_period: 0,
      token_type: 'default-service',
    });
  });

  it('updates only the given fields and keeps deprecated fields next to their token_ forms', async () => {
    const name = unique('role');
    await root(server, 'POST', `auth/token/roles/${name}`, {
      body: { orphan: true, period: '1h', explicit_max_ttl: 7200, bound_cidrs: '127.0.0.1/32', token_num_uses: 3 },
    });
    await root(server, 'POST', `auth/token/roles/${name}`, { body: { renewable: false } });
    const data = envelope<RoleData>(await root(server, 'GET', `auth/token/roles/${name}`)).data;
    expect(data).toMatchObject({
      orphan: true,
      renewable: false,
      period: 3600,
      token_period: 3600,
      explicit_max_ttl: 7200,
      token_explicit_max_ttl: 7200,
      bound_cidrs: ['127.0.0.1/32'],
      token_bound_cidrs: ['127.0.0.1/32'],
      token_num_uses: 3,
    });

    const both = await root(server, 'POST', `auth/token/roles/${name}`, { body: { token_period: '30m', period: '2h' } });
    expect(both.status).toBe(200);
    expect(envelope(both).warnings).toEqual(["Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value"]);
    expect(envelope<RoleData>(await root(server, 'GET', `auth/token/roles/${name}`)).data).toMatchObject({ period: 0, token_period: 1800 });
  });

  it('lists roles (LIST and ?list=true), 404s unknown roles and deletes (204)', async () => {
    const a = unique('list-a');
    const b = unique('list-b');
    await root(server, 'POST', `auth/token/roles/${a}`, { body: {} });
    await root(server, 'POST', `auth/token/roles/${b}`, { body: {} });
    const listed = await root(server, 'LIST', 'auth/token/roles');
    expect(listed.status).toBe(200);
    expect(envelope<{ keys: string[] }>(listed).data.keys).toEqual(expect.arrayContaining([a, b]));
    expect(envelope<{ keys: string[] }>(await root(server, 'GET', 'auth/token/roles?list=true')).data.keys).toContain(a);
    const missing = await root(server, 'GET', `auth/token/roles/${unique('none')}`);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ errors: [] });
    expect((await root(server, 'DELETE', `auth/token/roles/${a}`)).status).toBe(204);
    expect((await root(server, 'GET', `auth/token/roles/${a}`)).status).toBe(404);
  });

  it('refuses invalid token types and batch roles that are not orphan', async () => {
    const name = unique('bad');
    const type = await root(server, 'POST', `auth/token/roles/${name}`, { body: { token_type: 'weird' } });
    expect(type.status).toBe(400);
    expect(errors(type)).toEqual(['invalid \'token_type\' value "weird"']);
    const batch = await root(server, 'POST', `auth/token/roles/${name}`, { body: { token_type: 'batch', renewable: false } });
    expect(batch.status).toBe(400);
    expect(errors(batch)).toEqual(["'token_type' cannot be 'batch' when role is set to generate non-orphan tokens"]);
    // Vault's pathSuffixSanitize (\w[\w-.]+\w) needs three characters.
    const suffix = await root(server, 'POST', `auth/token/roles/${name}`, { body: { path_suffix: 'v2' } });
    expect(suffix.status).toBe(400);
    expect(errors(suffix)[0]).toContain('given role path suffix contains invalid characters');
  });
});

describe('auth/token/create/:role_name', () => {
  it('answers 400 "unknown role" for a role that does not exist', async () => {
    const name = unique('ghost');
    const answer = await root(server, 'POST', `auth/token/create/${name}`, { body: {} });
    expect(answer.status).toBe(400);
    expect(errors(answer)).toEqual([`unknown role ${name}`]);
  });

  it('gives the role allowed policies (plus default), the role path, and records the role on the token', async () => {
    const name = unique('app');
    await root(server, 'POST', `auth/token/roles/${name}`, { body: { allowed_policies: 'dev,ops', path_suffix: 'rev2' } });
    const created = await root(server, 'POST', `auth/token/create/${name}`, { body: {} });
    expect(created.status).toBe(200);
    const auth = envelope(created).auth;
    expect(auth?.policies).toEqual(['default', 'dev', 'ops']);
    expect(auth?.orphan).toBe(false);
    const lookup = envelope<RoleData>(await root(server, 'POST', 'auth/token/lookup', { body: { token: auth?.client_token } })).data;
    expect(lookup).toMatchObject({ path: `auth/token/create/${name}/rev2`, role: name });
  });

  it('lets a non-root parent get role policies it does not hold, but only a subset of the allowed ones', async () => {
    const name = unique('delegate');
    await root(server, 'POST', `auth/token/roles/${name}`, { body: { allowed_policies: ['dev'] } });
    await server.admin.writePolicy(name, `path "auth/token/create/${name}" { capabilities = ["update"] }`);
    const parent = (await server.admin.createToken({ policies: [name] })).client_token;
    const child = await call(server, 'POST', `auth/token/create/${name}`, { token: parent, body: { policies: ['dev'] } });
    expect(child.status).toBe(200);
    expect(envelope(child).auth?.policies).toEqual(['default', 'dev']);
    const outside = await call(server, 'POST', `auth/token/create/${name}`, { token: parent, body: { policies: ['ops'] } });
    expect(outside.status).toBe(400);
    expect(errors(outside)[0]).toContain("must be subset of the role's allowed policies");
  });

  it('refuses disallowed policies and honours orphan, renewable, uses, period and explicit max TTL', async () => {
    const name = unique('strict');
    await root(server, 'POST', `auth/token/roles/${name}`, {
      body: { disallowed_policies: 'ops', orphan: true, renewable: false, token_num_uses: 2, token_explicit_max_ttl: '2h' },
    });
    const refused = await root(server, 'POST', `auth/token/create/${name}`, { body: { policies: ['ops'] } });
    expect(refused.status).toBe(400);
    expect(errors(refused)).toEqual(['token policy "ops" is disallowed by this role']);

    const created = await root(server, 'POST', `auth/token/create/${name}`, { body: { policies: ['dev'], ttl: '10h' } });
    expect(created.status).toBe(200);
    const auth = envelope(created).auth;
    expect(auth).toMatchObject({ orphan: true, renewable: false, num_uses: 2, lease_duration: 7200 });
    expect(auth?.policies).toEqual(['default', 'dev']);

    const periodic = unique('periodic');
    await root(server, 'POST', `auth/token/roles/${periodic}`, { body: { token_period: '15m' } });
    const periodicToken = envelope(await root(server, 'POST', `auth/token/create/${periodic}`, { body: {} })).auth;
    expect(periodicToken?.lease_duration).toBe(900);
    const lookup = envelope<RoleData>(
      await root(server, 'POST', 'auth/token/lookup', { body: { token: periodicToken?.client_token } }),
    ).data;
    expect(lookup['period']).toBe(900);
  });

  it('issues batch tokens for a batch role', async () => {
    const name = unique('batch');
    const role = await root(server, 'POST', `auth/token/roles/${name}`, { body: { token_type: 'batch', orphan: true, renewable: false } });
    expect(role.status).toBe(204);
    const auth = envelope(await root(server, 'POST', `auth/token/create/${name}`, { body: { policies: ['dev'] } })).auth;
    expect(auth?.token_type).toBe('batch');
    expect(auth?.client_token.startsWith('hvb.')).toBe(true);
  });
});

describe('auth/token/accessors and auth/token/tidy', () => {
  it('LIST accessors needs sudo and lists every live token accessor', async () => {
    const token = await server.admin.createToken({ policies: ['dev'] });
    const listed = await root(server, 'LIST', 'auth/token/accessors');
    expect(listed.status).toBe(200);
    expect(envelope<{ keys: string[] }>(listed).data.keys).toContain(token.accessor);
    const denied = await call(server, 'LIST', 'auth/token/accessors', { token: token.client_token });
    expect(denied.status).toBe(403);
  });

  it('tidy answers 202 with the documented warning', async () => {
    const answer = await root(server, 'POST', 'auth/token/tidy');
    expect(answer.status).toBe(202);
    expect(envelope(answer).warnings).toEqual([
      "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.",
    ]);
  });
});
