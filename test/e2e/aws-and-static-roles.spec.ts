/**
 * AWS options (`roleSessionName`, `mfaCode`), `issuedAt` and the `propagationDelayMs` hold at
 * start-up, and static database roles' `refreshAt`, against the test server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SecretsManager, type SecretsError } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { CapturingLogger } from '../support/capture-logs.js';

let server: VaultTestServer;
const managers: SecretsManager[] = [];

beforeAll(async () => {
  server = await VaultTestServer.start({ clockMode: 'realtime' });
  await server.admin.enableSecretsEngine('aws', 'aws');
  await server.admin.writeAwsRootConfig('aws', {
    access_key: 'AKIAROOTROOTROOTROOT',
    secret_key: 'root-secret-key-0000000000000000000000',
    region: 'us-east-1',
  });
  await server.admin.writeAwsLeaseConfig('aws', '1h', '2h');
  await server.admin.writeAwsRole('aws', 'iam', { credential_type: 'iam_user', policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] });
  await server.admin.writeAwsRole('aws', 'deploy', {
    credential_type: 'assumed_role',
    role_arns: ['arn:aws:iam::123456789012:role/deploy'],
  });
  await server.admin.writeAwsRole('aws', 'mfa', {
    credential_type: 'session_token',
    mfa_serial_number: 'arn:aws:iam::123456789012:mfa/app',
  });
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(managers.splice(0).map((m) => m.close()));
});
afterAll(() => server.stop());

async function manager(): Promise<SecretsManager> {
  const m = await new SecretsManager(
    { address: server.address, token: server.rootToken, watch: { enabled: false } },
    { env: {}, logger: new CapturingLogger() },
  ).start();
  managers.push(m);
  return m;
}

describe('AWS', () => {
  it('propagationDelayMs holds new keys at start-up too: not returned before the delay, issuedAt is when Vault issued them', async () => {
    const m = await manager();
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    let returnedAt: number | undefined;
    const before = Date.now();
    const creds = m.fetchAwsCreds('iam', { propagationDelayMs: 10_000 }).then((c) => {
      returnedAt = Date.now();
      return c;
    });
    await vi.waitFor(() => expect(server.requestCount({ path: 'aws/creds/iam' })).toBe(1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(returnedAt).toBeUndefined(); // held: 0 ms old keys are not handed out
    await vi.advanceTimersByTimeAsync(10_000);
    const result = await creds;
    expect(returnedAt).toBeDefined();
    expect(result.issuedAt).toBeGreaterThanOrEqual(before);
    expect(result.issuedAt).toBeLessThanOrEqual(returnedAt ?? 0);
    expect(result.expiresAt).toBe(result.issuedAt + 3_600_000);
  });

  it('issuedAt is set without a hold, and stays the same for the same keys', async () => {
    const m = await manager();
    const first = await m.fetchAwsCreds('iam', { key: 'iam-plain' });
    expect(typeof first.issuedAt).toBe('number');
    expect((await m.fetchAwsCreds('iam', { key: 'iam-plain' })).issuedAt).toBe(first.issuedAt);
  });

  it('roleSessionName is sent as role_session_name (the assumed role ARN carries it)', async () => {
    const m = await manager();
    const creds = await m.fetchAwsCreds('deploy', { type: 'sts', roleSessionName: 'billing-api' });
    expect(creds.arn).toBe('arn:aws:sts::123456789012:assumed-role/deploy/billing-api');
    expect(creds.sessionToken).toEqual(expect.any(String));
  });

  it('mfaCode is sent as mfa_code; a function is asked at each fetch; a missing code is a typed refusal', async () => {
    const m = await manager();
    const refused = await m.fetchAwsCreds('mfa', { type: 'sts', key: 'no-code' }).catch((e: unknown) => e as SecretsError);
    expect(refused).toMatchObject({
      code: 'SECRETS_VAULT_REQUEST_FAILED',
      message: expect.stringContaining('MultiFactorAuthentication failed'),
    });
    const codes = ['123456', '654321'];
    const mfaCode = vi.fn(() => codes.shift() ?? '000000');
    const creds = await m.fetchAwsCreds('mfa', { type: 'sts', mfaCode });
    expect(creds.sessionToken).toEqual(expect.any(String));
    expect(mfaCode).toHaveBeenCalledTimes(1);
    await m.rotateSecret('aws/sts/mfa');
    expect(mfaCode).toHaveBeenCalledTimes(2);
    expect((await m.fetchAwsCreds('mfa', { type: 'sts', key: 'fixed', mfaCode: '111111' })).sessionToken).toEqual(expect.any(String));
  });
});
