/**
 * REFERENCE §3 (token auth method) and §0.5 (403 family).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, envelope, errors, root, startServer, unique } from './support.js';

const INVALID_TOKEN_117 = '2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n';
const ACL_DENIED = '1 error occurred:\n\t* permission denied\n\n';
const RFC3339_NANO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer({ rootToken: 'root-token-for-tests' });
});
afterAll(() => server.stop());

async function createToken(body: Record<string, unknown>, token = server.rootToken) {
  const answer = await call(server, 'POST', 'auth/token/create', { token, body });
  return { answer, auth: envelope(answer).auth };
}

describe('auth/token/lookup-self (§3.1)', () => {
  it('describes the root token: no TTL, expire_time null, no renewable/issue_time', async () => {
    const answer = await root(server, 'GET', 'auth/token/lookup-self');
    expect(answer.status).toBe(200);
    const body = envelope(answer);
    expect(body.mount_type).toBe('token');
    expect(Object.keys(body.data).sort()).toEqual(
      [
        'accessor',
        'creation_time',
        'creation_ttl',
        'display_name',
        'entity_id',
        'expire_time',
        'explicit_max_ttl',
        'id',
        'meta',
        'num_uses',
        'orphan',
        'path',
        'policies',
        'ttl',
        'type',
      ].sort(),
    );
    expect(body.data).toMatchObject({
      id: 'root-token-for-tests',
      creation_ttl: 0,
      display_name: 'root',
      entity_id: '',
      expire_time: null,
      explicit_max_ttl: 0,
      meta: null,
      num_uses: 0,
      orphan: true,
      path: 'auth/token/root',
      policies: ['root'],
      ttl: 0,
      type: 'service',
    });
    expect(body.data['accessor']).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(body.data['creation_time']).toBe(Math.floor(server.clock.now() / 1000));
  });

  it('counts the TTL down with the test clock', async () => {
    const { auth } = await createToken({ policies: ['app'], ttl: '1h', explicit_max_ttl: '2h' });
    server.clock.advance(90_000);
    const answer = await call(server, 'GET', 'auth/token/lookup-self', { token: auth!.client_token });
    const data = envelope(answer).data;
    expect(data).toMatchObject({
      creation_ttl: 3600,
      ttl: 3510,
      explicit_max_ttl: 7200,
      renewable: true,
      policies: ['app', 'default'],
      path: 'auth/token/create',
      display_name: 'token',
      orphan: false,
      type: 'service',
    });
    expect(data['expire_time']).toMatch(RFC3339_NANO);
    expect(data['issue_time']).toMatch(RFC3339_NANO);
    expect(Date.parse(String(data['expire_time'])) - Date.parse(String(data['issue_time']))).toBe(3_600_000);
    expect(data).not.toHaveProperty('period');
  });
});

describe('auth/token/create (§3.4)', () => {
  it('returns the auth block with every key and a warning for unknown policies', async () => {
    const { answer, auth } = await createToken({ policies: ['web', 'app'], ttl: 600, meta: { user: 'armon' } });
    expect(answer.status).toBe(200);
    const body = envelope(answer);
    expect(body.data).toBeNull();
    expect(body.lease_duration).toBe(0);
    expect(body.warnings).toEqual(['Policy "app" does not exist', 'Policy "web" does not exist']);
    expect(Object.keys(auth!)).toEqual([
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
      policies: ['app', 'default', 'web'],
      token_policies: ['app', 'default', 'web'],
      metadata: { user: 'armon' },
      lease_duration: 600,
      renewable: true,
      entity_id: '',
      token_type: 'service',
      orphan: false,
      mfa_requirement: null,
      num_uses: 0,
    });
    expect(auth!.client_token.startsWith('hvs.')).toBe(true);
    expect(auth!.accessor).toHaveLength(24);
  });

  it('defaults the TTL to 768h and creates orphans with no_parent', async () => {
    const { auth } = await createToken({ no_parent: true, policies: ['app'] });
    expect(auth).toMatchObject({ lease_duration: 2_764_800, orphan: true, policies: ['app', 'default'] });
    // Without policies a root parent's child inherits `root` and gets no TTL.
    const { auth: rootChild } = await createToken({});
    expect(rootChild).toMatchObject({ lease_duration: 0, renewable: false, policies: ['root'] });
  });

  it('creates batch tokens (hvb., not renewable)', async () => {
    const { auth } = await createToken({ type: 'batch', policies: ['app'], ttl: '10m' });
    expect(auth!.client_token.startsWith('hvb.')).toBe(true);
    expect(auth).toMatchObject({ token_type: 'batch', renewable: false, lease_duration: 600 });
    const lookup = envelope(await call(server, 'GET', 'auth/token/lookup-self', { token: auth!.client_token }));
    expect(lookup.data).toMatchObject({ type: 'batch', renewable: false, ttl: 600 });
  });

  it('only lets a non-root parent create children with a subset of its policies', async () => {
    await server.admin.writePolicy('creator', 'path "auth/token/create" { capabilities = ["update"] }');
    const { auth: parent } = await createToken({ policies: ['creator'] });
    const denied = await createToken({ policies: ['other'] }, parent!.client_token);
    expect(denied.answer.status).toBe(400);
    expect(errors(denied.answer)).toEqual(['child policies must be subset of parent']);
    const orphan = await createToken({ no_parent: true }, parent!.client_token);
    expect(errors(orphan.answer)).toEqual(['root or sudo privileges required to create orphan token']);
    const child = await createToken({ policies: ['creator'] }, parent!.client_token);
    expect(child.auth).toMatchObject({ policies: ['creator', 'default'], orphan: false });
  });
});

describe('403 family (§0.5)', () => {
  it('answers plain "permission denied" without a token', async () => {
    const answer = await call(server, 'GET', 'auth/token/lookup-self');
    expect(answer.status).toBe(403);
    expect(errors(answer)).toEqual(['permission denied']);
  });

  it('answers the 1.17 invalid-token multierror for unknown and expired tokens', async () => {
    const unknown = await call(server, 'GET', 'secret/data/x', { token: 'hvs.garbage' });
    expect(unknown.status).toBe(403);
    expect(errors(unknown)).toEqual([INVALID_TOKEN_117]);
    const { auth } = await createToken({ policies: ['app'], ttl: '30s' });
    expect((await call(server, 'GET', 'auth/token/lookup-self', { token: auth!.client_token })).status).toBe(200);
    server.clock.advance(30_000);
    const expired = await call(server, 'GET', 'auth/token/lookup-self', { token: auth!.client_token });
    expect(expired.status).toBe(403);
    expect(errors(expired)).toEqual([INVALID_TOKEN_117]);
  });

  it('answers plain "permission denied" for dead tokens on a 1.16 server', async () => {
    const old = await startServer({ vaultVersion: '1.16' });
    try {
      const answer = await call(old, 'GET', 'auth/token/lookup-self', { token: 'hvs.garbage' });
      expect(answer.status).toBe(403);
      expect(errors(answer)).toEqual(['permission denied']);
    } finally {
      await old.stop();
    }
  });

  it('answers the ACL multierror when policies do not allow the path', async () => {
    const { auth } = await createToken({ policies: ['nothing-here'] });
    const answer = await call(server, 'GET', 'secret/data/anything', { token: auth!.client_token });
    expect(answer.status).toBe(403);
    expect(errors(answer)).toEqual([ACL_DENIED]);
    // The default policy still allows the token to look itself up.
    expect((await call(server, 'GET', 'auth/token/lookup-self', { token: auth!.client_token })).status).toBe(200);
  });
});

describe('auth/token/renew-self (§3.2)', () => {
  it('renews with an integer or duration increment; the answer lives in auth', async () => {
    const { auth } = await createToken({ policies: ['app'], ttl: '1h' });
    const token = auth!.client_token;
    server.clock.advance(60_000);
    const first = await call(server, 'POST', 'auth/token/renew-self', { token, body: { increment: 7200 } });
    expect(first.status).toBe(200);
    const body = envelope(first);
    expect(body).toMatchObject({ data: null, lease_id: '', renewable: false, lease_duration: 0, warnings: null, mount_type: 'token' });
    expect(body.auth).toMatchObject({ client_token: token, accessor: auth!.accessor, lease_duration: 7200, renewable: true });
    const second = await call(server, 'POST', 'auth/token/renew-self', { token, body: { increment: '30m' } });
    expect(envelope(second).auth!.lease_duration).toBe(1800);
    // Without an increment the last granted TTL is reused.
    const third = await call(server, 'POST', 'auth/token/renew-self', { token });
    expect(envelope(third).auth!.lease_duration).toBe(1800);
    const lookup = envelope(await call(server, 'GET', 'auth/token/lookup-self', { token })).data;
    expect(lookup).toMatchObject({ ttl: 1800, creation_ttl: 3600 });
    expect(lookup['last_renewal_time']).toBe(Math.floor(server.clock.now() / 1000));
  });

  it('caps at explicit_max_ttl measured from issue time, with the exact warning', async () => {
    const { auth } = await createToken({ policies: ['app'], ttl: '1h', explicit_max_ttl: '2h' });
    const token = auth!.client_token;
    server.clock.advance(50 * 60_000);
    const uncapped = envelope(await call(server, 'POST', 'auth/token/renew-self', { token, body: { increment: '1h' } }));
    expect(uncapped.auth!.lease_duration).toBe(3600);
    expect(uncapped.warnings).toBeNull();
    server.clock.advance(50 * 60_000);
    const answer = await call(server, 'POST', 'auth/token/renew-self', { token, body: { increment: '1h' } });
    expect(answer.status).toBe(200);
    const body = envelope(answer);
    expect(body.auth!.lease_duration).toBe(1200);
    expect(body.warnings).toEqual(['TTL of "1h" exceeded the effective max_ttl of "20m"; TTL value is capped accordingly']);
    server.clock.advance(20 * 60_000);
    expect((await call(server, 'GET', 'auth/token/lookup-self', { token })).status).toBe(403);
  });

  it('caps at the 768h system max with Go-style durations', async () => {
    const { auth } = await createToken({ policies: ['app'] });
    server.clock.advance(10_000);
    const answer = await call(server, 'POST', 'auth/token/renew-self', { token: auth!.client_token });
    expect(envelope(answer).auth!.lease_duration).toBe(2_764_790);
    expect(envelope(answer).warnings).toEqual([
      'TTL of "768h" exceeded the effective max_ttl of "767h59m50s"; TTL value is capped accordingly',
    ]);
  });

  it('renews periodic tokens to their period', async () => {
    const { auth } = await createToken({ policies: ['app'], period: '1h', ttl: '5m' });
    expect(auth!.lease_duration).toBe(3600);
    server.clock.advance(50 * 60_000);
    const answer = await call(server, 'POST', 'auth/token/renew-self', { token: auth!.client_token, body: { increment: 60 } });
    expect(envelope(answer).auth!.lease_duration).toBe(3600);
    const lookup = envelope(await call(server, 'GET', 'auth/token/lookup-self', { token: auth!.client_token })).data;
    expect(lookup['period']).toBe(3600);
  });

  it('refuses root, non-renewable and batch tokens with 400', async () => {
    const rootAnswer = await root(server, 'POST', 'auth/token/renew-self');
    expect(rootAnswer.status).toBe(400);
    expect(errors(rootAnswer)).toEqual(['lease is not renewable']);
    const { auth: fixed } = await createToken({ policies: ['app'], renewable: false, ttl: '1h' });
    expect(errors(await call(server, 'POST', 'auth/token/renew-self', { token: fixed!.client_token }))).toEqual(['lease is not renewable']);
    const { auth: batch } = await createToken({ policies: ['app'], type: 'batch' });
    const batchAnswer = await call(server, 'POST', 'auth/token/renew-self', { token: batch!.client_token });
    expect(batchAnswer.status).toBe(400);
    expect(errors(batchAnswer)).toEqual(['batch tokens cannot be renewed']);
  });
});

describe('auth/token/revoke-self (§3.3)', () => {
  it('answers 204, revokes the children, then the token is dead', async () => {
    const { auth: parent } = await createToken({ policies: ['creator'] });
    const { auth: child } = await createToken({ policies: ['creator'] }, parent!.client_token);
    const answer = await call(server, 'POST', 'auth/token/revoke-self', { token: parent!.client_token });
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    for (const token of [parent!.client_token, child!.client_token]) {
      const again = await call(server, 'POST', 'auth/token/revoke-self', { token });
      expect(again.status).toBe(403);
    }
  });

  it('refuses batch tokens with 400', async () => {
    const { auth } = await createToken({ policies: ['app'], type: 'batch' });
    const answer = await call(server, 'POST', 'auth/token/revoke-self', { token: auth!.client_token });
    expect(answer.status).toBe(400);
    expect(errors(answer)).toEqual(['batch tokens cannot be revoked']);
  });

  it('revokes children when the parent expires', async () => {
    const { auth: parent } = await createToken({ ttl: '1m', policies: ['creator'] });
    const { auth: child } = await createToken({ ttl: '1h', policies: ['creator'] }, parent!.client_token);
    server.clock.advance(61_000);
    expect((await call(server, 'GET', 'auth/token/lookup-self', { token: child!.client_token })).status).toBe(403);
  });
});

describe('num_uses and auth/token/lookup', () => {
  it('revokes a token after its last use', async () => {
    await server.admin.kvPut('secret', 'uses/k', { v: '1' });
    await server.admin.writePolicy('reader', 'path "secret/data/uses/*" { capabilities = ["read"] }');
    const { auth } = await createToken({ policies: ['reader'], num_uses: 2 });
    const first = await call(server, 'GET', 'auth/token/lookup-self', { token: auth!.client_token });
    expect(envelope(first).data['num_uses']).toBe(1);
    expect((await call(server, 'GET', 'secret/data/uses/k', { token: auth!.client_token })).status).toBe(200);
    const third = await call(server, 'GET', 'secret/data/uses/k', { token: auth!.client_token });
    expect(third.status).toBe(403);
    expect(errors(third)).toEqual([INVALID_TOKEN_117]);
  });

  it('looks up another token, and answers 403 "bad token" for an unknown one', async () => {
    const { auth } = await createToken({ policies: ['x'] });
    const answer = await root(server, 'POST', 'auth/token/lookup', { body: { token: auth!.client_token } });
    expect(envelope(answer).data).toMatchObject({ id: auth!.client_token, policies: ['default', 'x'] });
    const unknown = await root(server, 'POST', 'auth/token/lookup', { body: { token: `hvs.${unique('nope')}` } });
    expect(unknown.status).toBe(403);
    expect(errors(unknown)).toEqual(['bad token']);
    const byAccessor = await root(server, 'POST', 'auth/token/lookup-accessor', { body: { accessor: auth!.accessor } });
    expect(envelope(byAccessor).data).toMatchObject({ id: '', accessor: auth!.accessor });
  });
});
