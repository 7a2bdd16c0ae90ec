/**
 * REFERENCE §4 (AppRole login) and §3 for the issued tokens: roles, role IDs, secret IDs with use
 * limits and TTLs, login errors, token parameters, TTL capping, renewal and lockout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, ENVELOPE_KEYS, envelope, errors, root, startServer, unique, type AuthBlock } from './support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer({ rootToken: 'root-token-for-tests' });
  await server.admin.enableAuthMethod('approle', 'approle');
});
afterAll(() => server.stop());

async function newRole(fields: Record<string, unknown> = {}, mount = 'approle'): Promise<{ name: string; roleId: string }> {
  const name = unique('role');
  await server.admin.writeAppRole(mount, name, fields);
  return { name, roleId: await server.admin.readRoleId(mount, name) };
}

async function login(body: unknown, mount = 'approle', headers?: Record<string, string>) {
  return call(server, 'POST', `auth/${mount}/login`, { body, ...(headers ? { headers } : {}) });
}

async function credentials(fields: Record<string, unknown> = {}): Promise<{ name: string; roleId: string; secretId: string }> {
  const role = await newRole(fields);
  return { ...role, secretId: await server.admin.generateSecretId('approle', role.name) };
}

describe('mounting (sys/auth)', () => {
  it('lists approle mounts, also below a path with "/"', async () => {
    await server.admin.enableAuthMethod('team/approle', 'approle');
    const answer = await root(server, 'GET', 'sys/auth');
    const data = envelope(answer).data as Record<string, { type: string; accessor: string }>;
    expect(data['approle/']?.type).toBe('approle');
    expect(data['team/approle/']?.type).toBe('approle');
    expect(data['team/approle/']?.accessor).toMatch(/^auth_approle_[0-9a-f]{8}$/);
  });

  it('logs in on a nested mount; display_name uses the mount path', async () => {
    const role = await newRole({ token_policies: ['web'] }, 'team/approle');
    const secretId = await server.admin.generateSecretId('team/approle', role.name);
    const answer = await login({ role_id: role.roleId, secret_id: secretId }, 'team/approle');
    expect(answer.status).toBe(200);
    const token = envelope(answer).auth!.client_token;
    const lookup = envelope(await call(server, 'GET', 'auth/token/lookup-self', { token })).data;
    expect(lookup['display_name']).toBe('team-approle');
    expect(lookup['path']).toBe('auth/team/approle/login');
  });
});

describe('roles', () => {
  it('writes (204), reads with all token fields and lists roles', async () => {
    const name = unique('Role').toLowerCase();
    const write = await root(server, 'POST', `auth/approle/role/${name}`, {
      body: { token_policies: 'web,Ops', token_ttl: '20m', token_max_ttl: 1800, secret_id_ttl: '10m', secret_id_num_uses: 40 },
    });
    expect(write.status).toBe(204);
    const read = await root(server, 'GET', `auth/approle/role/${name}`);
    expect(read.status).toBe(200);
    expect(envelope(read).data).toEqual({
      bind_secret_id: true,
      local_secret_ids: false,
      secret_id_bound_cidrs: [],
      secret_id_num_uses: 40,
      secret_id_ttl: 600,
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 1800,
      token_no_default_policy: false,
      token_num_uses: 0,
      token_period: 0,
      token_policies: ['web', 'Ops'],
      token_ttl: 1200,
      token_type: 'default',
    });
    const list = await root(server, 'LIST', 'auth/approle/role');
    expect(envelope<{ keys: string[] }>(list).data.keys).toContain(name);
  });

  it('role names are case-insensitive', async () => {
    const name = unique('mixed');
    await server.admin.writeAppRole('approle', name.toUpperCase(), { token_policies: ['a'] });
    const read = await root(server, 'GET', `auth/approle/role/${name}`);
    expect(envelope(read).data['token_policies']).toEqual(['a']);
  });

  it('accepts the legacy policies/period fields and shows them on read', async () => {
    const { name } = await newRole({ policies: ['legacy'], period: '1h' });
    const data = envelope(await root(server, 'GET', `auth/approle/role/${name}`)).data;
    expect(data).toMatchObject({ token_policies: ['legacy'], policies: ['legacy'], token_period: 3600, period: 3600 });
  });

  it('validates fields with the plugin texts', async () => {
    const name = unique('bad');
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ token_ttl: '2h', token_max_ttl: '1h' }, 400, "'token_ttl' cannot be greater than 'token_max_ttl'"],
      [{ token_type: 'weird' }, 400, `invalid 'token_type' value "weird"`],
      [
        { token_type: 'batch', token_num_uses: 3 },
        400,
        "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count",
      ],
      [{ secret_id_num_uses: -1 }, 400, 'secret_id_num_uses cannot be negative'],
      [{ bind_secret_id: false }, 500, '1 error occurred:\n\t* at least one constraint should be enabled on the role\n\n'],
    ];
    for (const [body, status, message] of cases) {
      const answer = await root(server, 'POST', `auth/approle/role/${name}`, { body });
      expect(answer.status).toBe(status);
      expect(errors(answer)).toEqual([message]);
    }
  });

  it('404s reads of unknown roles and deletes roles (204)', async () => {
    expect((await root(server, 'GET', 'auth/approle/role/nope')).status).toBe(404);
    const { name } = await newRole();
    expect((await root(server, 'DELETE', `auth/approle/role/${name}`)).status).toBe(204);
    expect((await root(server, 'GET', `auth/approle/role/${name}`)).status).toBe(404);
  });
});

describe('role-id and secret-id', () => {
  it('generates a UUID role ID and accepts a custom one', async () => {
    const { name, roleId } = await newRole();
    expect(roleId).toMatch(UUID);
    const set = await root(server, 'POST', `auth/approle/role/${name}/role-id`, { body: { role_id: 'my-custom-role-id' } });
    expect(set.status).toBe(204);
    expect(await server.admin.readRoleId('approle', name)).toBe('my-custom-role-id');
    const secretId = await server.admin.generateSecretId('approle', name);
    expect((await login({ role_id: 'my-custom-role-id', secret_id: secretId })).status).toBe(200);
  });

  it('returns secret_id, secret_id_accessor, secret_id_ttl and secret_id_num_uses', async () => {
    const { name } = await newRole({ secret_id_ttl: '10m', secret_id_num_uses: 5 });
    const answer = await root(server, 'POST', `auth/approle/role/${name}/secret-id`);
    expect(answer.status).toBe(200);
    const body = envelope(answer);
    expect(Object.keys(body)).toEqual(ENVELOPE_KEYS);
    expect(body.data).toEqual({
      secret_id: expect.stringMatching(UUID),
      secret_id_accessor: expect.stringMatching(UUID),
      secret_id_num_uses: 5,
      secret_id_ttl: 600,
    });
    expect(body.mount_type).toBe('approle');
  });

  it('enforces the role limits on num_uses and ttl overrides', async () => {
    const { name } = await newRole({ secret_id_ttl: '10m', secret_id_num_uses: 5 });
    const tooMany = await root(server, 'POST', `auth/approle/role/${name}/secret-id`, { body: { num_uses: 6 } });
    expect(errors(tooMany)).toEqual(["num_uses cannot be higher than the role's secret_id_num_uses"]);
    const tooLong = await root(server, 'POST', `auth/approle/role/${name}/secret-id`, { body: { ttl: '1h' } });
    expect(errors(tooLong)).toEqual(["ttl cannot be longer than the role's secret_id_ttl"]);
    const ok = await root(server, 'POST', `auth/approle/role/${name}/secret-id`, { body: { ttl: 60, num_uses: 2 } });
    expect(envelope(ok).data).toMatchObject({ secret_id_ttl: 60, secret_id_num_uses: 2 });
  });

  it('404s secret-id generation for an unknown role; 400 without bind_secret_id', async () => {
    const unknown = await root(server, 'POST', 'auth/approle/role/ghost/secret-id');
    expect(unknown.status).toBe(404);
    expect(errors(unknown)).toEqual(['role "ghost" does not exist']);
    const { name } = await newRole({ bind_secret_id: false, secret_id_bound_cidrs: ['127.0.0.1/32'] });
    const answer = await root(server, 'POST', `auth/approle/role/${name}/secret-id`);
    expect(answer.status).toBe(400);
    expect(errors(answer)).toEqual(['bind_secret_id is not set on the role']);
  });

  it('lists accessors, looks up and destroys secret IDs', async () => {
    const { name, secretId } = await credentials();
    const list = await root(server, 'LIST', `auth/approle/role/${name}/secret-id`);
    const accessor = envelope<{ keys: string[] }>(list).data.keys[0];
    expect(accessor).toMatch(UUID);
    const lookup = await root(server, 'POST', `auth/approle/role/${name}/secret-id/lookup`, { body: { secret_id: secretId } });
    expect(envelope(lookup).data).toMatchObject({
      secret_id_accessor: accessor,
      secret_id_num_uses: 0,
      secret_id_ttl: 0,
      expiration_time: '0001-01-01T00:00:00Z',
    });
    const destroy = await root(server, 'POST', `auth/approle/role/${name}/secret-id-accessor/destroy`, {
      body: { secret_id_accessor: accessor },
    });
    expect(destroy.status).toBe(204);
    const roleId = await server.admin.readRoleId('approle', name);
    expect(errors(await login({ role_id: roleId, secret_id: secretId }))).toEqual(['invalid role or secret ID']);
  });
});

describe('POST auth/approle/login (§4)', () => {
  it('returns the login envelope with the full auth block', async () => {
    const { name, roleId, secretId } = await credentials({ token_policies: ['web', 'db'], token_ttl: '20m' });
    const answer = await login({ role_id: roleId, secret_id: secretId });
    expect(answer.status).toBe(200);
    const body = envelope(answer);
    expect(Object.keys(body)).toEqual(ENVELOPE_KEYS);
    expect(body).toMatchObject({
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: null,
      wrap_info: null,
      warnings: null,
      mount_type: '',
    });
    expect(body.request_id).toMatch(UUID);
    const auth = body.auth as AuthBlock;
    expect(Object.keys(auth)).toEqual([
      'client_token',
      'accessor',
      'policies',
      'token_policies',
      'metadata',
      'lease_duration',
      'renewable',
      'entity_id',
      'token_type',
      'orphan',
      'mfa_requirement',
      'num_uses',
    ]);
    expect(auth).toMatchObject({
      policies: ['db', 'default', 'web'],
      token_policies: ['db', 'default', 'web'],
      metadata: { role_name: name },
      lease_duration: 1200,
      renewable: true,
      token_type: 'service',
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    });
    expect(auth.client_token).toMatch(/^hvs\.[A-Za-z0-9]{90,}$/);
    expect(auth.accessor).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(auth.entity_id).toMatch(UUID);

    const lookup = envelope(await call(server, 'GET', 'auth/token/lookup-self', { token: auth.client_token })).data;
    expect(lookup).toMatchObject({
      display_name: 'approle',
      path: 'auth/approle/login',
      meta: { role_name: name },
      orphan: true,
      policies: ['db', 'default', 'web'],
      ttl: 1200,
      creation_ttl: 1200,
      renewable: true,
      entity_id: auth.entity_id,
      type: 'service',
    });
  });

  it('the same role_id always maps to the same entity', async () => {
    const { name, roleId } = await newRole();
    const a = await login({ role_id: roleId, secret_id: await server.admin.generateSecretId('approle', name) });
    const b = await login({ role_id: roleId, secret_id: await server.admin.generateSecretId('approle', name) });
    expect(envelope(a).auth!.entity_id).toBe(envelope(b).auth!.entity_id);
  });

  it('accepts a form-urlencoded body and is unauthenticated (no token needed)', async () => {
    const { roleId, secretId } = await credentials();
    const answer = await login(`role_id=${roleId}&secret_id=${secretId}`, 'approle', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(answer.status).toBe(200);
    expect(envelope(answer).auth!.client_token).toMatch(/^hvs\./);
  });

  it('answers the exact §4 errors', async () => {
    const { roleId, secretId } = await credentials();
    const cases: Array<[unknown, string]> = [
      [{ secret_id: secretId }, 'missing role_id'],
      [{}, 'missing role_id'],
      [{ role_id: roleId }, 'missing secret_id'],
      [{ role_id: 'unknown-role-id', secret_id: secretId }, 'invalid role or secret ID'],
      [{ role_id: roleId, secret_id: 'wrong' }, 'invalid role or secret ID'],
    ];
    for (const [body, message] of cases) {
      const answer = await login(body);
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ errors: [message] });
    }
  });

  it('does not need a secret_id when bind_secret_id is false', async () => {
    const { name, roleId } = await newRole({ bind_secret_id: false, secret_id_bound_cidrs: ['127.0.0.0/8'] });
    const answer = await login({ role_id: roleId });
    expect(answer.status).toBe(200);
    expect(envelope(answer).auth!.metadata).toEqual({ role_name: name });
  });

  it('honours secret_id_num_uses', async () => {
    const { name, roleId } = await newRole({ secret_id_num_uses: 2 });
    const secretId = await server.admin.generateSecretId('approle', name);
    expect((await login({ role_id: roleId, secret_id: secretId })).status).toBe(200);
    expect((await login({ role_id: roleId, secret_id: secretId })).status).toBe(200);
    const third = await login({ role_id: roleId, secret_id: secretId });
    expect(third.status).toBe(400);
    expect(errors(third)).toEqual(['invalid role or secret ID']);
  });

  it('expires secret IDs by the server clock', async () => {
    const { name, roleId } = await newRole({ secret_id_ttl: '5m' });
    const secretId = await server.admin.generateSecretId('approle', name);
    server.clock.advance(4 * 60_000);
    expect((await login({ role_id: roleId, secret_id: secretId })).status).toBe(200);
    server.clock.advance(60_000);
    expect(errors(await login({ role_id: roleId, secret_id: secretId }))).toEqual(['invalid role or secret ID']);
  });

  it('copies secret-ID metadata into the token metadata', async () => {
    const { name, roleId } = await newRole();
    const secretId = await server.admin.generateSecretId('approle', name, { metadata: { team: 'blue' } });
    const auth = envelope(await login({ role_id: roleId, secret_id: secretId })).auth!;
    expect(auth.metadata).toEqual({ team: 'blue', role_name: name });
  });

  it('locks the role_id out after 5 bad secret IDs (403 permission denied) until 15 minutes passed', async () => {
    const { roleId, secretId } = await credentials();
    for (let i = 0; i < 5; i += 1) expect((await login({ role_id: roleId, secret_id: 'bad' })).status).toBe(400);
    const locked = await login({ role_id: roleId, secret_id: secretId });
    expect(locked.status).toBe(403);
    expect(locked.json).toEqual({ errors: ['permission denied'] });
    server.clock.advance(15 * 60_000);
    expect((await login({ role_id: roleId, secret_id: secretId })).status).toBe(200);
  });
});

describe('token parameters of the role', () => {
  it('caps token_ttl at the mount max_lease_ttl with the exact warning', async () => {
    const mount = unique('capped');
    await server.admin.enableAuthMethod(mount, 'approle', { config: { max_lease_ttl: '1h' } });
    const name = unique('role');
    await server.admin.writeAppRole(mount, name, { token_ttl: '2h' });
    const roleId = await server.admin.readRoleId(mount, name);
    const secretId = await server.admin.generateSecretId(mount, name);
    const answer = await login({ role_id: roleId, secret_id: secretId }, mount);
    const body = envelope(answer);
    expect(body.auth!.lease_duration).toBe(3600);
    expect(body.warnings).toEqual(['TTL of "2h" exceeded the effective max_ttl of "1h"; TTL value is capped accordingly']);
  });

  it('uses the mount default TTL (768h) without token_ttl', async () => {
    const { roleId, secretId } = await credentials();
    expect(envelope(await login({ role_id: roleId, secret_id: secretId })).auth!.lease_duration).toBe(2_764_800);
  });

  it('issues batch tokens (hvb., not renewable)', async () => {
    const { roleId, secretId } = await credentials({ token_type: 'batch', token_ttl: '10m' });
    const auth = envelope(await login({ role_id: roleId, secret_id: secretId })).auth!;
    expect(auth.client_token).toMatch(/^hvb\./);
    expect(auth).toMatchObject({ token_type: 'batch', renewable: false, orphan: true, lease_duration: 600 });
    const renew = await call(server, 'POST', 'auth/token/renew-self', { token: auth.client_token });
    expect(errors(renew)).toEqual(['batch tokens cannot be renewed']);
  });

  it('honours token_num_uses', async () => {
    const { roleId, secretId } = await credentials({ token_num_uses: 1 });
    const auth = envelope(await login({ role_id: roleId, secret_id: secretId })).auth!;
    expect(auth.num_uses).toBe(1);
    expect((await call(server, 'GET', 'auth/token/lookup-self', { token: auth.client_token })).status).toBe(200);
    expect((await call(server, 'GET', 'auth/token/lookup-self', { token: auth.client_token })).status).toBe(403);
  });

  it('issues periodic tokens with token_period', async () => {
    const { roleId, secretId } = await credentials({ token_period: '30m', token_ttl: '5m' });
    const auth = envelope(await login({ role_id: roleId, secret_id: secretId })).auth!;
    expect(auth.lease_duration).toBe(1800);
    const lookup = envelope(await call(server, 'GET', 'auth/token/lookup-self', { token: auth.client_token })).data;
    expect(lookup['period']).toBe(1800);
  });

  it('honours token_no_default_policy and token_explicit_max_ttl', async () => {
    const { roleId, secretId } = await credentials({
      token_policies: ['web'],
      token_no_default_policy: true,
      token_explicit_max_ttl: '15m',
    });
    const auth = envelope(await login({ role_id: roleId, secret_id: secretId })).auth!;
    expect(auth.policies).toEqual(['web']);
    expect(auth.lease_duration).toBe(900);
  });

  it('renewal is capped by token_max_ttl measured from the issue time', async () => {
    const { roleId, secretId } = await credentials({ token_ttl: '10m', token_max_ttl: '30m' });
    const auth = envelope(await login({ role_id: roleId, secret_id: secretId })).auth!;
    server.clock.advance(9 * 60_000);
    const first = envelope(await call(server, 'POST', 'auth/token/renew-self', { token: auth.client_token }));
    expect(first.auth!.lease_duration).toBe(600);
    expect(first.warnings).toBeNull();
    server.clock.advance(9 * 60_000);
    expect(envelope(await call(server, 'POST', 'auth/token/renew-self', { token: auth.client_token })).auth!.lease_duration).toBe(600);
    server.clock.advance(9 * 60_000);
    const capped = envelope(await call(server, 'POST', 'auth/token/renew-self', { token: auth.client_token }));
    expect(capped.auth!.lease_duration).toBe(180);
    expect(capped.warnings).toEqual(['TTL of "10m" exceeded the effective max_ttl of "3m"; TTL value is capped accordingly']);
  });

  it('expires login tokens by the server clock', async () => {
    const { roleId, secretId } = await credentials({ token_ttl: '1m' });
    const token = envelope(await login({ role_id: roleId, secret_id: secretId })).auth!.client_token;
    server.clock.advance(61_000);
    expect((await call(server, 'GET', 'auth/token/lookup-self', { token })).status).toBe(403);
  });

  it('refuses root policies for auth-method tokens', async () => {
    const { roleId, secretId } = await credentials({ token_policies: ['root'] });
    const answer = await login({ role_id: roleId, secret_id: secretId });
    expect(answer.status).toBe(400);
    expect(errors(answer)).toEqual(['auth methods cannot create root tokens']);
  });

  it('revokes the tokens of a mount when it is disabled', async () => {
    const mount = unique('gone');
    await server.admin.enableAuthMethod(mount, 'approle');
    const name = unique('role');
    await server.admin.writeAppRole(mount, name);
    const roleId = await server.admin.readRoleId(mount, name);
    const secretId = await server.admin.generateSecretId(mount, name);
    const token = envelope(await login({ role_id: roleId, secret_id: secretId }, mount)).auth!.client_token;
    await server.admin.disableAuthMethod(mount);
    expect((await call(server, 'GET', 'auth/token/lookup-self', { token })).status).toBe(403);
  });
});
