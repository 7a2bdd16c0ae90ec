/**
 * REFERENCE §5: `sys/leases/*` — lookup, list (sudo), renew with TTL capping, revoke (202/204),
 * revoke-prefix, expiry by the server clock, leases tied to their token. Leased secrets come
 * from the AWS engine (IAM users are renewable, STS credentials are not), so no database is needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, envelope, errors, root, startServer, unique, type VaultAnswer } from './support.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const DENIED = ['1 error occurred:\n\t* permission denied\n\n'];

let server: VaultTestServer;
let mount: string;

beforeAll(async () => {
  server = await startServer();
  mount = unique('aws');
  await server.admin.enableSecretsEngine(mount, 'aws');
  await server.admin.writeAwsLeaseConfig(mount, '1h', '2h');
  await server.admin.writeAwsRole(mount, 'user', { credential_type: 'iam_user', policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] });
  await server.admin.writeAwsRole(mount, 'sts', {
    credential_type: 'federation_token',
    policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
  });
});
afterAll(() => server.stop());

async function issue(token = server.rootToken, role = 'user'): Promise<string> {
  const answer = await call(server, 'GET', `${mount}/creds/${role}`, { token });
  expect(answer.status).toBe(200);
  return envelope(answer).lease_id;
}

function lookup(leaseId: string, token = server.rootToken): Promise<VaultAnswer> {
  return call(server, 'PUT', 'sys/leases/lookup', { token, body: { lease_id: leaseId } });
}

describe('lease ids and sys/leases/lookup', () => {
  it('issues `<request path>/<24 base62>` ids and looks them up with the §5 data keys', async () => {
    const leaseId = await issue();
    expect(leaseId).toMatch(new RegExp(`^${mount}/creds/user/[A-Za-z0-9]{24}$`));
    const answer = await lookup(leaseId);
    expect(answer.status).toBe(200);
    const body = envelope(answer);
    expect(body.mount_type).toBe('system');
    expect(body.lease_id).toBe('');
    expect(Object.keys(body.data).sort()).toEqual(['expire_time', 'id', 'issue_time', 'last_renewal', 'renewable', 'ttl']);
    expect(body.data).toMatchObject({ id: leaseId, last_renewal: null, renewable: true, ttl: 3600 });
    expect(body.data['issue_time']).toMatch(RFC3339);
    expect(Date.parse(String(body.data['issue_time']))).toBe(server.clock.now());
    expect(Date.parse(String(body.data['expire_time']))).toBe(server.clock.now() + 3_600_000);
    server.clock.advance(600_000);
    expect(envelope(await lookup(leaseId)).data['ttl']).toBe(3000);
  });

  it('answers 400 for a missing or unknown lease id', async () => {
    expect(errors(await call(server, 'PUT', 'sys/leases/lookup', { token: server.rootToken, body: {} }))).toEqual([
      'lease_id must be specified',
    ]);
    const unknown = await lookup(`${mount}/creds/user/AAAAAAAAAAAAAAAAAAAAAAAA`);
    expect(unknown.status).toBe(400);
    expect(errors(unknown)).toEqual(['invalid lease']);
  });

  it('is allowed by the default policy (update on sys/leases/lookup and sys/leases/renew)', async () => {
    const token = (await server.admin.createToken({ policies: ['default'] })).client_token;
    const leaseId = await issue();
    expect((await lookup(leaseId, token)).status).toBe(200);
    expect((await call(server, 'PUT', 'sys/leases/renew', { token, body: { lease_id: leaseId } })).status).toBe(200);
  });
});

describe('LIST sys/leases/lookup/:prefix (sudo)', () => {
  it('lists lease suffixes and sub-prefixes', async () => {
    const first = await issue();
    const second = await issue();
    const byRole = envelope<{ keys: string[] }>(await root(server, 'LIST', `sys/leases/lookup/${mount}/creds/`)).data.keys;
    expect(byRole).toContain('user/');
    const ids = envelope<{ keys: string[] }>(await root(server, 'LIST', `sys/leases/lookup/${mount}/creds/user/`)).data.keys;
    expect(ids).toEqual(expect.arrayContaining([first.split('/').pop(), second.split('/').pop()]));
    expect(await server.admin.listLeases(`${mount}/creds/user`)).toEqual(ids);
    const viaGet = await root(server, 'GET', `sys/leases/lookup/${mount}/creds/user?list=true`);
    expect(envelope<{ keys: string[] }>(viaGet).data.keys).toEqual(ids);
  });

  it('answers 404 for an empty prefix and 403 without sudo', async () => {
    expect((await root(server, 'LIST', 'sys/leases/lookup/nothing/here/')).status).toBe(404);
    await server.admin.writePolicy('lease-lister', 'path "sys/leases/lookup/*" { capabilities = ["list"] }');
    await server.admin.writePolicy('lease-lister-sudo', 'path "sys/leases/lookup/*" { capabilities = ["list", "sudo"] }');
    const plain = (await server.admin.createToken({ policies: ['lease-lister'] })).client_token;
    const sudo = (await server.admin.createToken({ policies: ['lease-lister-sudo'] })).client_token;
    const denied = await call(server, 'LIST', `sys/leases/lookup/${mount}/creds/`, { token: plain });
    expect(denied.status).toBe(403);
    expect(errors(denied)).toEqual(DENIED);
    expect((await call(server, 'LIST', `sys/leases/lookup/${mount}/creds/`, { token: sudo })).status).toBe(200);
  });
});

describe('sys/leases/renew', () => {
  it('renews with the engine TTL, an int increment or a Go duration, and records last_renewal', async () => {
    const leaseId = await issue();
    server.clock.advance(60_000);
    const plain = await root(server, 'PUT', 'sys/leases/renew', { body: { lease_id: leaseId } });
    expect(plain.status).toBe(200);
    expect(envelope(plain)).toMatchObject({
      lease_id: leaseId,
      renewable: true,
      lease_duration: 3600,
      data: null,
      warnings: null,
      mount_type: 'system',
    });
    const seconds = await root(server, 'PUT', 'sys/leases/renew', { body: { lease_id: leaseId, increment: 600 } });
    expect(envelope(seconds).lease_duration).toBe(600);
    const duration = await root(server, 'PUT', `sys/leases/renew/${leaseId}`, { body: { increment: '20m' } });
    expect(envelope(duration).lease_duration).toBe(1200);
    const data = envelope(await lookup(leaseId)).data;
    expect(data['last_renewal']).toMatch(RFC3339);
    expect(Date.parse(String(data['last_renewal']))).toBe(server.clock.now());
    expect(data['ttl']).toBe(1200);
  });

  it('caps at the max TTL measured from the issue time: 200 with Vault’s warning, shrinking toward 0', async () => {
    const leaseId = await issue();
    server.clock.advance(3_000_000);
    expect((await server.admin.renewLease(leaseId, '1h')).lease_duration).toBe(3600);
    server.clock.advance(3_000_000);
    const capped = await root(server, 'PUT', 'sys/leases/renew', { body: { lease_id: leaseId, increment: '1h' } });
    expect(capped.status).toBe(200);
    expect(envelope(capped).lease_duration).toBe(1200);
    expect(envelope(capped).warnings).toEqual(['TTL of "1h" exceeded the effective max_ttl of "20m"; TTL value is capped accordingly']);
    server.clock.advance(1_190_000);
    const last = await server.admin.renewLease(leaseId, 3600);
    expect(last.lease_duration).toBe(10);
    expect(last.warnings).toEqual(['TTL of "1h" exceeded the effective max_ttl of "10s"; TTL value is capped accordingly']);
  });

  it('caps by the mount max_lease_ttl and the system max (768h)', async () => {
    const tuned = unique('aws-tuned');
    await server.admin.enableSecretsEngine(tuned, 'aws', undefined, { config: { max_lease_ttl: '90m' } });
    await server.admin.writeAwsRole(tuned, 'user', { credential_type: 'iam_user' });
    const created = await root(server, 'GET', `${tuned}/creds/user`);
    expect(envelope(created).lease_duration).toBe(5400);
    const renewed = await server.admin.renewLease(envelope(created).lease_id, '2h');
    expect(renewed.lease_duration).toBe(5400);
    expect(renewed.warnings).toEqual(['TTL of "2h" exceeded the effective max_ttl of "1h30m"; TTL value is capped accordingly']);
    const plain = unique('aws-plain');
    await server.admin.enableSecretsEngine(plain, 'aws');
    await server.admin.writeAwsRole(plain, 'user', { credential_type: 'iam_user' });
    const systemDefault = await root(server, 'GET', `${plain}/creds/user`);
    expect(envelope(systemDefault).lease_duration).toBe(2_764_800);
    const big = await server.admin.renewLease(envelope(systemDefault).lease_id, '800h');
    expect(big.lease_duration).toBe(2_764_800);
    expect(big.warnings).toEqual(['TTL of "800h" exceeded the effective max_ttl of "768h"; TTL value is capped accordingly']);
  });

  it('answers the §5 errors', async () => {
    const renew = (body: Record<string, unknown>): Promise<VaultAnswer> => root(server, 'PUT', 'sys/leases/renew', { body });
    expect(errors(await renew({}))).toEqual(['lease_id must be specified']);
    const unknown = await renew({ lease_id: `${mount}/creds/user/AAAAAAAAAAAAAAAAAAAAAAAA` });
    expect(unknown.status).toBe(400);
    expect(errors(unknown)).toEqual(['lease not found']);
    const sts = await issue(server.rootToken, 'sts');
    const notRenewable = await renew({ lease_id: sts });
    expect(notRenewable.status).toBe(400);
    expect(errors(notRenewable)).toEqual(['lease is not renewable']);
    const expired = await issue();
    server.clock.advance(3_600_000);
    expect(errors(await renew({ lease_id: expired }))).toEqual(['lease not found']);
  });

  it('refuses token leases: `tokens cannot be renewed through this endpoint`', async () => {
    const token = await server.admin.createToken({ policies: ['default'], ttl: '1h' });
    const keys = envelope<{ keys: string[] }>(await root(server, 'LIST', 'sys/leases/lookup/auth/token/create/')).data.keys;
    const tokenLeases = keys.map((key) => `auth/token/create/${key}`);
    let ownLease: string | undefined;
    for (const id of tokenLeases) {
      const data = envelope(await lookup(id)).data;
      if (Date.parse(String(data['issue_time'])) === server.clock.now() && data['ttl'] === 3600) ownLease = id;
    }
    expect(ownLease).toMatch(/^auth\/token\/create\/h[0-9a-f]{64}$/);
    const answer = await root(server, 'PUT', 'sys/leases/renew', { body: { lease_id: ownLease } });
    expect(answer.status).toBe(400);
    expect(errors(answer)).toEqual(['tokens cannot be renewed through this endpoint']);
    // Revoking a token lease revokes the token.
    await server.admin.revokeLease(ownLease!);
    expect((await call(server, 'GET', 'auth/token/lookup-self', { token: token.client_token })).status).toBe(403);
  });
});

describe('sys/leases/revoke', () => {
  it('answers 202 with an empty body by default and 204 with sync:true', async () => {
    const first = await issue();
    const lazy = await root(server, 'PUT', 'sys/leases/revoke', { body: { lease_id: first } });
    expect(lazy.status).toBe(202);
    expect(lazy.text).toBe('');
    expect(errors(await lookup(first))).toEqual(['invalid lease']);
    const second = await issue();
    const sync = await root(server, 'PUT', `sys/leases/revoke/${second}`, { body: { sync: true } });
    expect(sync.status).toBe(204);
    expect(sync.text).toBe('');
    expect(errors(await lookup(second))).toEqual(['invalid lease']);
  });

  it('is idempotent: unknown leases are no error; missing id is 400', async () => {
    const unknown = `${mount}/creds/user/AAAAAAAAAAAAAAAAAAAAAAAA`;
    expect((await root(server, 'PUT', 'sys/leases/revoke', { body: { lease_id: unknown } })).status).toBe(202);
    expect((await root(server, 'PUT', 'sys/leases/revoke', { body: { lease_id: unknown, sync: true } })).status).toBe(204);
    expect(errors(await root(server, 'PUT', 'sys/leases/revoke', { body: {} }))).toEqual(['lease_id must be specified']);
  });

  it('revokes everything under a prefix (sudo): 202, or 204 with sync', async () => {
    const prefixMount = unique('aws-prefix');
    await server.admin.enableSecretsEngine(prefixMount, 'aws');
    await server.admin.writeAwsRole(prefixMount, 'user', { credential_type: 'iam_user' });
    const ids = [
      envelope(await root(server, 'GET', `${prefixMount}/creds/user`)).lease_id,
      envelope(await root(server, 'GET', `${prefixMount}/creds/user`)).lease_id,
    ];
    const lazy = await root(server, 'PUT', `sys/leases/revoke-prefix/${prefixMount}/creds/user`);
    expect(lazy.status).toBe(202);
    for (const id of ids) expect(errors(await lookup(id))).toEqual(['invalid lease']);
    const third = envelope(await root(server, 'GET', `${prefixMount}/creds/user`)).lease_id;
    expect((await root(server, 'PUT', `sys/leases/revoke-prefix/${prefixMount}`, { body: { sync: true } })).status).toBe(204);
    expect(errors(await lookup(third))).toEqual(['invalid lease']);
    const noSudo = (await server.admin.createToken({ policies: ['default'] })).client_token;
    await server.admin.writePolicy('prefix-revoker', 'path "sys/leases/revoke-prefix/*" { capabilities = ["update"] }');
    const plain = (await server.admin.createToken({ policies: ['prefix-revoker'] })).client_token;
    expect((await call(server, 'PUT', `sys/leases/revoke-prefix/${prefixMount}`, { token: noSudo })).status).toBe(403);
    expect(errors(await call(server, 'PUT', `sys/leases/revoke-prefix/${prefixMount}`, { token: plain }))).toEqual(DENIED);
  });
});

describe('expiry by the server clock', () => {
  it('revokes a lease once its TTL passed (on clock.advance, no request needed)', async () => {
    const leaseId = await issue();
    server.clock.advance(3_599_000);
    expect(envelope(await lookup(leaseId)).data['ttl']).toBe(1);
    server.clock.advance(1_000);
    await server.settle();
    expect(server.core.leases.get(leaseId)).toBeUndefined();
    expect(errors(await lookup(leaseId))).toEqual(['invalid lease']);
  });

  it('revokes the leases of a revoked token, and of an expired token', async () => {
    const revoked = await server.admin.createToken({ policies: ['root'], ttl: '10h' });
    const fromRevoked = await issue(revoked.client_token);
    await server.admin.revokeToken(revoked.client_token);
    expect(errors(await lookup(fromRevoked))).toEqual(['invalid lease']);

    const expiring = await server.admin.createToken({ policies: ['root'], ttl: '30m' });
    const fromExpiring = await issue(expiring.client_token);
    const other = await issue();
    server.clock.advance(30 * 60_000);
    await server.settle();
    expect(server.core.leases.get(fromExpiring)).toBeUndefined();
    expect(errors(await lookup(fromExpiring))).toEqual(['invalid lease']);
    expect((await lookup(other)).status).toBe(200);
  });

  it('revokes the leases of a mount when it is disabled', async () => {
    const doomed = unique('aws-doomed');
    await server.admin.enableSecretsEngine(doomed, 'aws');
    await server.admin.writeAwsRole(doomed, 'user', { credential_type: 'iam_user' });
    const leaseId = envelope(await root(server, 'GET', `${doomed}/creds/user`)).lease_id;
    await server.admin.disableSecretsEngine(doomed);
    expect(errors(await lookup(leaseId))).toEqual(['invalid lease']);
  });

  it('revokes every outstanding lease when the server stops', async () => {
    const other = await startServer();
    const awsMount = unique('aws');
    await other.admin.enableSecretsEngine(awsMount, 'aws');
    await other.admin.writeAwsRole(awsMount, 'user', { credential_type: 'iam_user' });
    const secret = await other.admin.readAwsCredentials(awsMount, 'user');
    expect(other.core.leases.get(secret.lease_id)).toBeDefined();
    await other.stop();
    expect(other.core.leases.get(secret.lease_id)).toBeUndefined();
  });
});
