/**
 * REFERENCE §7.1: the AWS secrets engine (simulated; nothing calls AWS).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { envelope, errors, root, startServer, unique } from './support.js';

let server: VaultTestServer;
let mount: string;

beforeAll(async () => {
  server = await startServer();
  mount = unique('aws');
  await server.admin.enableSecretsEngine(mount, 'aws');
  await server.admin.writeAwsRootConfig(mount, { access_key: 'AKIAROOTROOTROOTROOT', secret_key: 'root-secret', region: 'eu-west-1' });
});
afterAll(() => server.stop());

interface AwsData {
  access_key: string;
  secret_key: string;
  security_token: string | null;
  session_token: string | null;
  arn?: string;
}

describe('aws/config', () => {
  it('writes and reads config/root without the secret key', async () => {
    const data = envelope(await root(server, 'GET', `${mount}/config/root`)).data;
    expect(data).toMatchObject({
      access_key: 'AKIAROOTROOTROOTROOT',
      region: 'eu-west-1',
      iam_endpoint: '',
      sts_endpoint: '',
      max_retries: -1,
    });
    expect(data).not.toHaveProperty('secret_key');
  });

  it('writes and reads config/lease as Go durations; both fields are required', async () => {
    const other = unique('aws');
    await server.admin.enableSecretsEngine(other, 'aws');
    expect((await root(server, 'GET', `${other}/config/lease`)).status).toBe(404);
    expect(errors(await root(server, 'POST', `${other}/config/lease`, { body: { lease: '1h' } }))).toEqual([
      "'lease_max' is a required parameter",
    ]);
    expect(errors(await root(server, 'POST', `${other}/config/lease`, { body: { lease_max: '1h' } }))).toEqual([
      "'lease' is a required parameter",
    ]);
    await server.admin.writeAwsLeaseConfig(other, '30m', '2h');
    expect(envelope(await root(server, 'GET', `${other}/config/lease`)).data).toEqual({ lease: '30m0s', lease_max: '2h0m0s' });
  });
});

describe('aws/roles', () => {
  it('stores roles and reads them back', async () => {
    await server.admin.writeAwsRole(mount, 'reader', {
      credential_type: 'assumed_role',
      role_arns: ['arn:aws:iam::111122223333:role/reader'],
      default_sts_ttl: '30m',
      max_sts_ttl: '2h',
    });
    expect(envelope(await root(server, 'GET', `${mount}/roles/reader`)).data).toMatchObject({
      credential_type: 'assumed_role',
      role_arns: ['arn:aws:iam::111122223333:role/reader'],
      default_sts_ttl: 1800,
      max_sts_ttl: 7200,
      policy_arns: [],
      policy_document: '',
    });
    expect(envelope<{ keys: string[] }>(await root(server, 'LIST', `${mount}/roles`)).data.keys).toContain('reader');
  });

  it('validates like Vault', async () => {
    const write = async (body: Record<string, unknown>): Promise<string[]> =>
      errors(await root(server, 'POST', `${mount}/roles/bad`, { body }));
    expect(await write({})).toEqual(['did not supply credential_type']);
    expect((await write({ credential_type: 'magic' }))[0]).toMatch(/^unrecognized credential_type: "magic", not one of/);
    expect(await write({ credential_type: 'iam_user', role_arns: 'arn:aws:iam::1:role/x' })).toEqual([
      "cannot supply role_arns when credential_type isn't assumed_role",
    ]);
    expect(await write({ credential_type: 'iam_user', default_sts_ttl: 900 })).toEqual([
      'default_sts_ttl parameter only valid for assumed_role, federation_token, and session_token credential types',
    ]);
    expect(await write({ credential_type: 'federation_token', default_sts_ttl: '2h', max_sts_ttl: '1h' })).toEqual([
      'default_sts_ttl cannot exceed max_sts_ttl',
    ]);
  });
});

describe('aws/creds and aws/sts (§7.1)', () => {
  it('iam_user: AKIA key pair, renewable lease from config/lease, security_token and session_token null', async () => {
    const leased = unique('aws-leased');
    await server.admin.enableSecretsEngine(leased, 'aws');
    await server.admin.writeAwsLeaseConfig(leased, '1h', '3h');
    await server.admin.writeAwsRole(leased, 'deploy', {
      credential_type: 'iam_user',
      policy_arns: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
    });
    const answer = await root(server, 'GET', `${leased}/creds/deploy`);
    expect(answer.status).toBe(200);
    const body = envelope<AwsData>(answer);
    expect(body).toMatchObject({ renewable: true, lease_duration: 3600, mount_type: 'aws' });
    expect(body.lease_id).toMatch(new RegExp(`^${leased}/creds/deploy/[A-Za-z0-9]{24}$`));
    expect(Object.keys(body.data).sort()).toEqual(['access_key', 'secret_key', 'security_token', 'session_token']);
    expect(body.data.access_key).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(body.data.secret_key).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(body.data.security_token).toBeNull();
    expect(body.data.session_token).toBeNull();
    server.clock.advance(600_000);
    expect(await server.admin.renewLease(body.lease_id)).toMatchObject({ lease_duration: 3600, renewable: true, warnings: null });
    server.clock.advance(3_400_000);
    expect((await server.admin.renewLease(body.lease_id, '1h')).lease_duration).toBe(3600);
    server.clock.advance(3_500_000);
    const capped = await server.admin.renewLease(body.lease_id, '1h');
    expect(capped.lease_duration).toBe(3300);
    expect(capped.warnings).toEqual(['TTL of "1h" exceeded the effective max_ttl of "55m"; TTL value is capped accordingly']);
  });

  it('iam_user without config/lease uses the mount default TTL; POST works like GET', async () => {
    await server.admin.writeAwsRole(mount, 'plain', { credential_type: 'iam_user' });
    const secret = await server.admin.readAwsCredentials(mount, 'plain');
    expect(secret).toMatchObject({ lease_duration: 2_764_800, renewable: true });
  });

  it('assumed_role: ASIA keys, security_token = session_token, arn, non-renewable lease of the STS TTL', async () => {
    const answer = await root(server, 'POST', `${mount}/sts/reader`, { body: { ttl: '20m' } });
    expect(answer.status).toBe(200);
    const body = envelope<AwsData>(answer);
    expect(body).toMatchObject({ renewable: false, lease_duration: 1200 });
    expect(body.lease_id).toMatch(new RegExp(`^${mount}/sts/reader/[A-Za-z0-9]{24}$`));
    expect(body.data.access_key).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(body.data.secret_key).toHaveLength(40);
    expect(body.data.security_token).toEqual(expect.any(String));
    expect(body.data.session_token).toBe(body.data.security_token);
    expect(body.data.arn).toMatch(/^arn:aws:sts::111122223333:assumed-role\/reader\/vault-root-reader-\d+-[A-Za-z0-9]{20}$/);
    const renew = await root(server, 'PUT', 'sys/leases/renew', { body: { lease_id: body.lease_id } });
    expect(renew.status).toBe(400);
    expect(errors(renew)).toEqual(['lease is not renewable']);
    // default_sts_ttl applies without ttl; max_sts_ttl caps
    expect(envelope(await root(server, 'GET', `${mount}/creds/reader`)).lease_duration).toBe(1800);
    expect(envelope(await root(server, 'POST', `${mount}/sts/reader`, { body: { ttl: '5h' } })).lease_duration).toBe(7200);
    server.clock.advance(1_200_000);
    expect(errors(await root(server, 'PUT', 'sys/leases/lookup', { body: { lease_id: body.lease_id } }))).toEqual(['invalid lease']);
  });

  it('federation_token and session_token: no arn, 3600 s by default; AWS rejects less than 900 s', async () => {
    await server.admin.writeAwsRole(mount, 'fed', {
      credential_type: 'federation_token',
      policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    });
    await server.admin.writeAwsRole(mount, 'session', { credential_type: 'session_token' });
    for (const role of ['fed', 'session']) {
      const secret = await server.admin.readAwsCredentials(mount, role, { sts: true });
      expect(secret).toMatchObject({ lease_duration: 3600, renewable: false });
      expect(secret.data.session_token).toBe(secret.data.security_token);
      expect(secret.data).not.toHaveProperty('arn');
    }
    const short = await root(server, 'POST', `${mount}/sts/fed`, { body: { ttl: 60 } });
    expect(short.status).toBe(400);
    expect(errors(short)[0]).toMatch(/^Error generating STS keys: ValidationError: .*greater than or equal to 900/);
  });

  it('answers Vault’s errors', async () => {
    const unknown = await root(server, 'GET', `${mount}/creds/nope`);
    expect(unknown.status).toBe(400);
    expect(errors(unknown)).toEqual(['Role "nope" not found']);
    const wrongArn = await root(server, 'POST', `${mount}/sts/reader`, { body: { role_arn: 'arn:aws:iam::1:role/other' } });
    expect(errors(wrongArn)).toEqual(['role_arn "arn:aws:iam::1:role/other" not in allowed role arns for Vault role "reader"']);
    await server.admin.writeAwsRole(mount, 'fed-empty', { credential_type: 'federation_token' });
    expect(errors(await root(server, 'GET', `${mount}/sts/fed-empty`))).toEqual([
      'must specify at least one of policy_arns or policy_document with federation_token credential_type',
    ]);
  });
});
