/**
 * REFERENCE §4 (userpass login): users, case-insensitive usernames, login envelope, errors and lockout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, ENVELOPE_KEYS, envelope, errors, root, startServer, unique } from './support.js';

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer();
  await server.admin.enableAuthMethod('userpass', 'userpass');
});
afterAll(() => server.stop());

function login(username: string, body: unknown, mount = 'userpass') {
  return call(server, 'POST', `auth/${mount}/login/${username}`, { body });
}

describe('users', () => {
  it('creates (204), reads without the password and lists users', async () => {
    const name = unique('alice');
    const write = await root(server, 'POST', `auth/userpass/users/${name}`, {
      body: { password: 's3cret', token_policies: ['dev'], token_ttl: '1h', token_max_ttl: '2h' },
    });
    expect(write.status).toBe(204);
    const read = await root(server, 'GET', `auth/userpass/users/${name}`);
    expect(envelope(read).data).toEqual({
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 7200,
      token_no_default_policy: false,
      token_num_uses: 0,
      token_period: 0,
      token_policies: ['dev'],
      token_ttl: 3600,
      token_type: 'default',
    });
    const list = await root(server, 'LIST', 'auth/userpass/users');
    expect(envelope<{ keys: string[] }>(list).data.keys).toContain(name);
  });

  it('needs a password on creation', async () => {
    const answer = await root(server, 'POST', `auth/userpass/users/${unique('nopw')}`, { body: { token_policies: ['dev'] } });
    expect(answer.status).toBe(400);
    expect(errors(answer)).toEqual(['missing password']);
  });

  it('keeps legacy policies/ttl fields visible', async () => {
    const name = unique('legacy');
    await server.admin.writeUserpassUser('userpass', name, { password: 'pw', policies: ['old'] });
    const data = envelope(await root(server, 'GET', `auth/userpass/users/${name}`)).data;
    expect(data).toMatchObject({ policies: ['old'], token_policies: ['old'] });
  });

  it('changes the password via users/:name/password', async () => {
    const name = unique('pwchange');
    await server.admin.writeUserpassUser('userpass', name, { password: 'old' });
    expect((await root(server, 'POST', `auth/userpass/users/${name}/password`, { body: { password: 'new' } })).status).toBe(204);
    expect((await login(name, { password: 'old' })).status).toBe(400);
    expect((await login(name, { password: 'new' })).status).toBe(200);
  });
});

describe('POST auth/userpass/login/:username (§4)', () => {
  it('returns the login envelope; metadata holds the lower-cased username', async () => {
    const name = unique('bob');
    await server.admin.writeUserpassUser('userpass', name, { password: 'pw', token_policies: ['dev'], token_ttl: '30m' });
    const answer = await login(name.toUpperCase(), { password: 'pw' });
    expect(answer.status).toBe(200);
    const body = envelope(answer);
    expect(Object.keys(body)).toEqual(ENVELOPE_KEYS);
    expect(body).toMatchObject({ data: null, lease_id: '', renewable: false, lease_duration: 0, mount_type: '' });
    expect(body.auth).toMatchObject({
      policies: ['default', 'dev'],
      token_policies: ['default', 'dev'],
      metadata: { username: name },
      lease_duration: 1800,
      renewable: true,
      token_type: 'service',
      orphan: true,
      num_uses: 0,
    });
    const lookup = envelope(await call(server, 'GET', 'auth/token/lookup-self', { token: body.auth!.client_token })).data;
    expect(lookup).toMatchObject({
      display_name: `userpass-${name}`,
      path: `auth/userpass/login/${name.toUpperCase()}`,
      meta: { username: name },
    });
  });

  it('answers 400 invalid username or password for a wrong password or an unknown user', async () => {
    const name = unique('carol');
    await server.admin.writeUserpassUser('userpass', name, { password: 'pw' });
    for (const [user, password] of [
      [name, 'wrong'],
      ['nobody', 'pw'],
    ] as const) {
      const answer = await login(user, { password });
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ errors: ['invalid username or password'] });
    }
  });

  it('answers 500 missing password without a password (Go error, like Vault)', async () => {
    const answer = await login('someone', {});
    expect(answer.status).toBe(500);
    expect(errors(answer)).toEqual(['1 error occurred:\n\t* missing password\n\n']);
  });

  it('locks a user out after 5 wrong passwords', async () => {
    const name = unique('dave');
    await server.admin.writeUserpassUser('userpass', name, { password: 'pw' });
    for (let i = 0; i < 5; i += 1) expect((await login(name, { password: 'bad' })).status).toBe(400);
    const locked = await login(name, { password: 'pw' });
    expect(locked.status).toBe(403);
    expect(locked.json).toEqual({ errors: ['permission denied'] });
    server.clock.advance(15 * 60_000);
    expect((await login(name, { password: 'pw' })).status).toBe(200);
  });

  it('caps the TTL at the mount max and warns', async () => {
    const mount = unique('up');
    await server.admin.enableAuthMethod(mount, 'userpass', { config: { max_lease_ttl: '10m' } });
    await server.admin.writeUserpassUser(mount, 'eve', { password: 'pw', token_ttl: '1h' });
    const body = envelope(await login('eve', { password: 'pw' }, mount));
    expect(body.auth!.lease_duration).toBe(600);
    expect(body.warnings).toEqual(['TTL of "1h" exceeded the effective max_ttl of "10m"; TTL value is capped accordingly']);
  });
});
