/**
 * Lease attacks end to end: SecretsManager against the bundled VaultTestServer (real timers,
 * real HTTP), with PostgreSQL for the database engine when it is reachable.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManager, type SecretRotatedEvent } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { CapturingLogger as Capture } from '../support/capture-logs.js';
import { deferred, flush, until } from '../support/async.js';
import { supervisedCore } from '../support/core-harness.js';
import type { SecretsCore } from '../../lib/core/secrets-core.js';
import { MARK } from '../support/leak-markers.js';
import { PG, mountPostgresEngine, postgresReachable } from '../support/postgres.js';

const postgresUp = await postgresReachable();
let server: VaultTestServer;
const managers: SecretsManager[] = [];
const cores: SecretsCore[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close().catch(() => undefined);
  for (const c of cores.splice(0)) await c.close().catch(() => undefined);
  await server?.stop();
});

async function manager(options: Record<string, unknown> = {}, logger = new Capture()): Promise<SecretsManager> {
  const m = new SecretsManager({ address: server.address, token: server.rootToken, watch: { enabled: false }, ...options }, { logger });
  managers.push(m);
  return m.start();
}

async function setUpPki(): Promise<void> {
  await server.admin.enableSecretsEngine('pki', 'pki');
  await server.admin.generatePkiRoot('pki', { common_name: 'Root', ttl: '87600h', key_type: 'ec' });
  await server.admin.writePkiRole('pki', 'web', { allowed_domains: ['example.com'], allow_subdomains: true, ttl: '1h', key_type: 'ec' });
}

async function setUpAws(): Promise<void> {
  await server.admin.enableSecretsEngine('aws', 'aws');
  await server.admin.writeAwsRootConfig('aws', {
    access_key: 'AKIAROOTROOTROOTROOT',
    secret_key: 'root-secret-key-0000000000000000000000',
    region: 'us-east-1',
  });
  await server.admin.writeAwsLeaseConfig('aws', '1h', '2h');
  await server.admin.writeAwsRole('aws', 'iam', { credential_type: 'iam_user', policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] });
}

describe('short leases', () => {
  it('regression: a 20 s certificate with the default 30 s overlap is re-issued in a hot loop', async () => {
    // The server's frozen clock is the module's time (FakeTime): the first second runs every task that falls due in it.
    server = await VaultTestServer.start();
    await setUpPki();
    const h = supervisedCore(server, cores, { token: server.rootToken });
    await h.core.start();
    await h.core.leased.issueCertificate('web', { commonName: 'api.example.com', ttl: 20 });
    await h.time.advance(1000);
    const issued = server.requestCount({ path: 'pki/issue/web' });
    // A 20 s certificate needs at most one re-issue in the first second (none, really).
    expect(issued).toBeLessThanOrEqual(2);
    expect(h.rotations.length).toBeLessThanOrEqual(1);
  });
});

describe('shutdown', () => {
  it('revoke failing at shutdown: close() resolves, logs, never throws', async () => {
    server = await VaultTestServer.start({ clockMode: 'realtime' });
    await setUpAws();
    const logs = new Capture();
    const m = await manager({}, logs);
    await m.fetchAwsCreds('iam');
    server.faults.add({ path: 'sys/leases/revoke', status: 500, body: { errors: ['internal error'] } });
    await expect(m.close()).resolves.toBeUndefined();
    expect(logs.text).toMatch(/Could not revoke lease/);
  });

  it('Vault hanging at shutdown: close() is bounded by leases.shutdownTimeoutMs', async () => {
    server = await VaultTestServer.start({ clockMode: 'realtime' });
    await setUpAws();
    const m = await manager({ leases: { shutdownTimeoutMs: 300 } });
    await m.fetchAwsCreds('iam');
    await m.fetchAwsCreds('iam', { key: 'second' });
    server.faults.add({ path: 'sys/leases/revoke', latencyMs: 20_000 });
    const t0 = Date.now();
    await m.close();
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('regression: close() during a replacement (AWS propagationDelayMs hold) resolves while the new lease is still live', async () => {
    server = await VaultTestServer.start({ clockMode: 'realtime' });
    await setUpAws();
    const m = await manager();
    const first = await m.fetchAwsCreds('iam', { propagationDelayMs: 400 });
    const rotation = m.rotateSecret<{ accessKey: string }>('aws/creds/iam').catch((e: unknown) => e);
    // The new keys exist in Vault (the server answered); the module holds them 400 ms for IAM propagation.
    await until(() => server.requestCount({ path: 'aws/creds/iam' }) === 2);
    await flush();
    await m.close();
    managers.length = 0;
    await server.settle();
    // close() resolved: a process exits here. Every lease the module obtained must be revoked by now.
    const liveAtClose = await server.admin.listLeases('aws/creds/iam');
    const returned = await rotation;
    expect(liveAtClose).toEqual([]);
    // and rotateSecret() must not hand back the credentials close() just revoked
    expect((returned as { accessKey?: string }).accessKey).not.toBe(first.accessKey);
  });
});

describe('fetches', () => {
  it('concurrent cold fetchAwsCreds: one lease', async () => {
    server = await VaultTestServer.start({ clockMode: 'realtime' });
    await setUpAws();
    const m = await manager();
    const all = await Promise.all(Array.from({ length: 50 }, () => m.fetchAwsCreds('iam')));
    expect(new Set(all.map((c) => c.leaseId)).size).toBe(1);
    expect(server.requestCount({ path: 'aws/creds/iam' })).toBe(1);
  });
});

describe.skipIf(!postgresUp)('dynamic database credentials on PostgreSQL', () => {
  const admin = new pg.Client({ ...PG, user: 'postgres' });
  beforeAll(async () => {
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
  });

  async function setUpDb(): Promise<void> {
    server = await VaultTestServer.start({ clockMode: 'realtime' });
    await mountPostgresEngine(server.admin, { defaultTtl: 3600, maxTtl: 7200 });
  }

  it('fetchDynamicDbCreds concurrently on a cold key: one lease, one role', async () => {
    await setUpDb();
    const m = await manager();
    const all = await Promise.all(Array.from({ length: 30 }, () => m.fetchDynamicDbCreds('app')));
    expect(new Set(all.map((c) => c.username)).size).toBe(1);
    expect(server.requestCount({ path: 'database/creds/app' })).toBe(1);
  });

  it('regression: two concurrent rotateSecret: the app ends on a pool whose role was already dropped', async () => {
    await setUpDb();
    const m = await manager({ leases: { handlerTimeoutMs: 30_000 } });
    const first = await m.fetchDynamicDbCreds('app');
    let pool = new pg.Pool({ ...PG, user: first.username, password: first.password, max: 2 });
    let poolUser = first.username;
    const pools = [pool];
    const warmUp = deferred();
    const checked = deferred();
    let calls = 0;
    // The handler of dynamic-db.spec.ts: build the new pool, check it logs in, swap, end the old one;
    // the first time, a slow step (warming more connections, a migration check) sits before the swap.
    m.on('secrets.rotated:database/creds/app', async (e) => {
      const { username, password } = (e as SecretRotatedEvent).secret<{ username: string; password: string }>();
      const next = new pg.Pool({ ...PG, user: username, password, max: 2 });
      pools.push(next);
      calls += 1;
      const mine = calls;
      await next.query('SELECT 1');
      if (mine === 1) checked.resolve();
      if (mine === 1) await warmUp.promise;
      const old = pool;
      pool = next;
      poolUser = username;
      await old.end().catch(() => undefined);
    });
    const a = m.rotateSecret('database/creds/app'); // operator's "rotate now"
    await checked.promise; // its check query went through
    const b = m.rotateSecret('database/creds/app'); // a second caller (or the max-TTL replacement): joins the first
    warmUp.resolve();
    await Promise.all([a, b]);
    await server.settle();
    const alive = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [poolUser]);
    for (const p of pools) await p.end().catch(() => undefined);
    // Both rotations returned; the pool the app now uses must belong to a role that still exists.
    expect(alive.rowCount).toBe(1);
  });

  it('credentials never appear in logs when the database engine fails', async () => {
    await setUpDb();
    const logs = new Capture();
    const m = await manager({}, logs);
    const creds = await m.fetchDynamicDbCreds('app');
    server.faults.add({ path: 'database/creds/app', status: 500, body: { errors: [`pq: password=${creds.password} ${MARK}`] } });
    await m.rotateSecret('database/creds/app').catch(() => undefined);
    expect(logs.text).not.toContain(creds.password);
  });
});
