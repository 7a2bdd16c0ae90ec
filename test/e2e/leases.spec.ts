import { X509Certificate } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  SecretsEvents,
  SecretsModule,
  SecretsService,
  type AuthMethod,
  type SecretRotatedEvent,
  type VaultConfig,
} from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { bootApp } from '../support/boot-app.js';
import type { CapturingLogger } from '../support/capture-logs.js';
import { until } from '../support/async.js';
import { untilOnlyModuleTimers } from '../support/release-idle-connections.js';

let server: VaultTestServer;
let app: INestApplicationContext | undefined;
let logs: CapturingLogger;
let rotations: SecretRotatedEvent[];

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  server = await VaultTestServer.start({ clockMode: 'realtime' });
  await server.admin.enableSecretsEngine('aws', 'aws');
  await server.admin.writeAwsRootConfig('aws', {
    access_key: 'AKIAROOTROOTROOTROOT',
    secret_key: 'root-secret-key-for-tests-only-0000000000',
    region: 'us-east-1',
  });
  await server.admin.writeAwsLeaseConfig('aws', '60s', '90s');
  await server.admin.writeAwsRole('aws', 'iam', { credential_type: 'iam_user', policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] });
  await server.admin.writeAwsRole('aws', 'sts', {
    credential_type: 'assumed_role',
    role_arns: ['arn:aws:iam::123456789012:role/app'],
    default_sts_ttl: 900,
  });
  rotations = [];
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  await server.stop();
  vi.useRealTimers();
});

async function boot(options: Partial<VaultConfig> = {}): Promise<SecretsService> {
  const booted = await bootApp([
    ScheduleModule.forRoot(),
    EventEmitterModule.forRoot(),
    SecretsModule.forRoot({
      address: server.address,
      token: server.rootToken,
      watch: { enabled: false },
      leases: { overlapMs: 5000 },
      ...options,
    }),
  ]);
  app = booted.app;
  logs = booted.logs;
  app.get(EventEmitter2).on(SecretsEvents.Rotated, (e: SecretRotatedEvent) => void rotations.push(e));
  return app.get(SecretsService);
}

/** Lets in-flight HTTP finish, then fires the next task the module scheduled. */
async function advanceToNextTask(): Promise<void> {
  await untilOnlyModuleTimers(app!);
  await vi.advanceTimersToNextTimerAsync();
}

describe('AWS', () => {
  it('renews IAM-user keys, then replaces them before the max TTL and revokes the old lease after the handlers', async () => {
    const secrets = await boot();
    const first = await secrets.fetchAwsCreds('iam');
    expect(first).toMatchObject({ renewable: true, leaseDuration: 60 });
    await advanceToNextTask(); // renewal at ~2/3 of 60 s: capped by lease_max 90 s
    await until(() => server.requestCount({ path: 'sys/leases/renew' }) === 1);
    await advanceToNextTask(); // replacement before expiry
    await until(() => rotations.length === 1);
    expect(rotations[0]).toMatchObject({ key: 'aws/creds/iam', reason: 'lease-rotated', previousLeaseId: first.leaseId });
    const current = await secrets.fetchAwsCreds('iam');
    expect(current.accessKey).not.toBe(first.accessKey);
    await until(() => server.requestCount({ path: 'sys/leases/revoke' }) === 1);
    await expect(server.admin.lookupLease(first.leaseId!)).rejects.toThrow(/invalid lease/);
  });

  it('fetches new STS credentials (not renewable) at about two thirds of their TTL', async () => {
    const secrets = await boot();
    const first = await secrets.fetchAwsCreds('sts', { type: 'sts' });
    expect(first).toMatchObject({ renewable: false, leaseDuration: 900 });
    expect(first.sessionToken).toBeTruthy();
    const t0 = Date.now();
    await advanceToNextTask();
    await until(() => rotations.length === 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(0.56 * 900_000);
    expect(Date.now() - t0).toBeLessThanOrEqual((2 / 3) * 900_000 + 1);
    expect(server.requestCount({ path: 'sys/leases/renew' })).toBe(0);
    expect((await secrets.fetchAwsCreds('sts', { type: 'sts' })).accessKey).not.toBe(first.accessKey);
  });

  it('replaces credentials at once, logging once, when the lease was revoked with its token', async () => {
    const issued: string[] = [];
    const minting: AuthMethod = {
      name: 'minting',
      canLogin: true,
      async login() {
        const auth = await server.admin.createToken({ ttl: 3600, no_parent: true });
        issued.push(auth.client_token);
        return {
          token: auth.client_token,
          accessor: auth.accessor,
          policies: auth.policies ?? [],
          leaseDuration: auth.lease_duration,
          renewable: true,
          tokenType: 'service',
        };
      },
    };
    const secrets = await boot({ auth: minting });
    const first = await secrets.fetchAwsCreds('iam');
    await server.admin.revokeToken(issued[0]!); // its leases die with it
    await advanceToNextTask(); // the renewal finds the token (and the lease) gone
    await until(() => rotations.length >= 1);
    expect(['lease-lost', 'token-changed']).toContain(rotations[0]!.reason);
    expect((await secrets.fetchAwsCreds('iam')).leaseId).not.toBe(first.leaseId);
    expect(logs.text.match(/no longer knows the lease/g)?.length ?? 0).toBeLessThanOrEqual(1);
    expect(logs.text).not.toMatch(/expired before it could be renewed/);
  });

  it('revokes its leases on shutdown, in parallel and bounded in time', async () => {
    const secrets = await boot();
    const a = await secrets.fetchAwsCreds('iam');
    const b = await secrets.fetchAwsCreds('sts', { type: 'sts' });
    await app!.close();
    app = undefined;
    expect(server.requestCount({ path: 'sys/leases/revoke' })).toBe(2);
    for (const lease of [a.leaseId!, b.leaseId!]) await expect(server.admin.lookupLease(lease)).rejects.toThrow(/invalid lease/);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('PKI', () => {
  it('issues a real certificate and issues it again before it expires', async () => {
    await server.admin.enableSecretsEngine('pki', 'pki');
    await server.admin.generatePkiRoot('pki', { common_name: 'Test Root CA', ttl: '87600h', key_type: 'ec' });
    await server.admin.writePkiRole('pki', 'web', {
      allowed_domains: ['example.com'],
      allow_subdomains: true,
      ttl: '1h',
      max_ttl: '2h',
      key_type: 'ec',
    });
    const secrets = await boot();
    const first = await secrets.issueCertificate('web', { commonName: 'api.example.com' });
    const cert = new X509Certificate(first.certificate);
    expect(cert.subject).toContain('CN=api.example.com');
    expect(cert.verify(new X509Certificate(first.issuingCa).publicKey)).toBe(true);
    expect(first.expiresAt - Date.now()).toBeGreaterThan(3_500_000);
    await advanceToNextTask();
    await until(() => rotations.length === 1);
    expect(rotations[0]).toMatchObject({ reason: 'certificate-reissued', previousVersion: first.serialNumber });
    expect(Date.now()).toBeLessThan(first.expiresAt);
    const second = await secrets.issueCertificate('web', { commonName: 'api.example.com' });
    expect(second.serialNumber).not.toBe(first.serialNumber);
  });

  it('keeps the current certificate when Vault refuses to issue a new one', async () => {
    await server.admin.enableSecretsEngine('pki', 'pki');
    await server.admin.generatePkiRoot('pki', { common_name: 'Test Root CA', ttl: '87600h', key_type: 'ec' });
    await server.admin.writePkiRole('pki', 'web', { allowed_domains: ['example.com'], allow_subdomains: true, ttl: '1h', key_type: 'ec' });
    const secrets = await boot();
    const first = await secrets.issueCertificate('web', { commonName: 'api.example.com' });
    const refuse = server.faults.add({
      path: 'pki/issue/web',
      status: 400,
      body: { errors: ['common name api.example.com not allowed by this role'] },
    });
    await advanceToNextTask();
    await until(() => server.requestCount({ path: 'pki/issue/web' }) >= 2);
    await until(() => /retrying in/.test(logs.text));
    expect((await secrets.issueCertificate('web', { commonName: 'api.example.com' })).serialNumber).toBe(first.serialNumber);
    expect(rotations).toHaveLength(0);
    refuse();
  });
});
