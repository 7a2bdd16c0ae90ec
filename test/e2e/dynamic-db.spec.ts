import { Injectable, type INestApplicationContext, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnSecretRotated, SecretsEvents, SecretsModule, SecretsService, type SecretRotatedEvent } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { bootApp } from '../support/boot-app.js';
import { deferred, within } from '../support/async.js';
import { answeredRequests } from '../support/vault-requests.js';
import { steadyLoad } from '../support/steady-load.js';
import { PG, mountPostgresEngine, postgresReachable } from '../support/postgres.js';

const postgresUp = await postgresReachable();

/** What the app does: a pool built from dynamic credentials, swapped when they rotate. */
@Injectable()
class Database implements OnModuleInit, OnModuleDestroy {
  pool!: pg.Pool;
  readonly users: string[] = [];
  readonly rotations: SecretRotatedEvent[] = [];
  /** Called after each swap (the test waits on it instead of polling). */
  afterSwap: () => void = () => undefined;

  constructor(private readonly secrets: SecretsService) {}

  async onModuleInit(): Promise<void> {
    const creds = await this.secrets.fetchDynamicDbCreds('app');
    this.pool = this.#poolFor(creds.username, creds.password);
  }

  @OnSecretRotated('database/creds/app')
  async swap(event: SecretRotatedEvent): Promise<void> {
    const { username, password } = event.secret<{ username: string; password: string }>();
    const next = this.#poolFor(username, password);
    await next.query('SELECT 1'); // the new role logs in before any app query uses it
    const old = this.pool;
    this.pool = next;
    this.rotations.push(event);
    await old.end(); // lets queries in flight finish; the old lease is revoked only after this returns
    this.afterSwap();
  }

  query(): Promise<unknown> {
    return this.pool.query('SELECT current_user AS user');
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }

  #poolFor(user: string, password: string): pg.Pool {
    this.users.push(user);
    return new pg.Pool({ ...PG, user, password, max: 4 });
  }
}

describe.skipIf(!postgresUp)('dynamic database credentials on real PostgreSQL', () => {
  let server: VaultTestServer;
  let app: INestApplicationContext;
  const admin = new pg.Client({ ...PG, user: 'postgres' });

  beforeAll(async () => {
    await admin.connect();
    server = await VaultTestServer.start({ clockMode: 'realtime' });
    await mountPostgresEngine(server.admin, { defaultTtl: 4, maxTtl: 6 }, ['app', 'reporting']);
  });

  afterAll(async () => {
    await app?.close();
    await server?.stop();
    await admin.end();
  });

  it('keeps a pool working through 3 max-TTL rotations: 0 failed queries, new roles log in, old roles are dropped', async () => {
    const booted = await bootApp(
      [
        ScheduleModule.forRoot(),
        EventEmitterModule.forRoot(),
        SecretsModule.forRoot({ address: server.address, token: server.rootToken, leases: { overlapMs: 1500 }, watch: { enabled: false } }),
      ],
      [Database],
    );
    app = booted.app;
    const db = app.get(Database);

    // Counted from now: the revocations of the three replaced leases, each an answer on the module's request channel.
    const threeRevoked = answeredRequests('lease.revoke', 3, 30_000);
    // A steady load of one query every 10 ms (about 100 per second) until 3 rotations happened.
    let ok = 0;
    const failures: unknown[] = [];
    let running = true;
    const load = steadyLoad(
      () =>
        db.query().then(
          () => void (ok += 1),
          (error: unknown) => void failures.push(error),
        ),
      10,
      () => running,
    );
    const started = Date.now();
    await new Promise<void>((resolve) => {
      db.afterSwap = () => {
        if (db.rotations.length >= 3) resolve();
      };
    });
    running = false;
    await load;
    const seconds = (Date.now() - started) / 1000;

    expect(failures).toEqual([]);
    expect(ok / seconds).toBeGreaterThanOrEqual(50);
    expect(db.rotations.map((r) => r.reason)).toEqual(['lease-rotated', 'lease-rotated', 'lease-rotated']);
    expect(new Set(db.users).size).toBe(4);
    for (const event of db.rotations) expect(event.outcome).toEqual({ handlers: 1, failed: 0, timedOut: false });

    // Every replaced role is gone from PostgreSQL once its lease was revoked (right after its handlers); the current one is alive.
    await threeRevoked;
    await server.settle();
    const { rows } = await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname = ANY($1)', [db.users]);
    expect(rows.map((r) => r.rolname)).toEqual([db.users.at(-1)]);
    expect(booted.logs.text).not.toMatch(/lease not found/i);
  });

  it('Vault unreachable for longer than the lease: the pool is on new credentials within one backoff step after Vault returns, with no read by the app', async () => {
    const booted = await bootApp(
      [
        ScheduleModule.forRoot(),
        EventEmitterModule.forRoot(),
        SecretsModule.forRoot({
          address: server.address,
          token: server.rootToken,
          leases: { overlapMs: 1500 },
          watch: { enabled: false },
          maxRetries: 0,
          requestTimeoutMs: 1000,
        }),
      ],
      [Database],
    );
    const outageApp = booted.app;
    try {
      const db = outageApp.get(Database);
      const secrets = outageApp.get(SecretsService);
      const leaseBefore = (await secrets.fetchDynamicDbCreds('app')).leaseId;
      const usersBefore = db.users.length;
      // The pool serves queries all along (one every 20 ms); failures are counted per phase.
      let phase: 'outage' | 'after' = 'outage';
      const failed = { outage: 0, after: 0 };
      let served = 0;
      /** Resolved by the load loop once `served` reaches `servedTarget` (set after the swap). */
      let servedTarget = Infinity;
      const servedEnough = deferred();
      let running = true;
      const load = steadyLoad(
        () => {
          const startedIn = phase; // a query is counted in the phase it started in
          return db.query().then(
            () => {
              served += 1;
              if (served >= servedTarget) servedEnough.resolve();
            },
            () => void (failed[startedIn] += 1),
          );
        },
        20,
        () => running,
      );

      const expired = new Promise<void>((resolve) => secrets.on(SecretsEvents.LeaseExpired, () => resolve()));
      const up = server.faults.add({ drop: true }); // Vault unreachable, sys/health included
      // The app keeps querying on the pool it has; the 4-6 s lease expires meanwhile (no way to renew or replace it).
      await within(expired, 15_000, 'the lease expired during the outage');
      expect(secrets.status()).toMatchObject({ state: 'degraded', reason: 'unreachable', leases: { count: 0 } });
      const rotationsDuringOutage = db.rotations.length;
      const swapped = new Promise<void>((resolve) => {
        db.afterSwap = resolve;
      });

      up();
      const back = Date.now();
      const nextAttemptAt = secrets.status().nextAttemptAt!;
      // No read by the app from here on: the supervisor re-acquires the lease and the handler swaps the pool.
      await within(swapped, 15_000, 'the handler swapped the pool after Vault returned');
      const swappedAfterMs = Date.now() - back;
      expect(db.rotations.length).toBeGreaterThan(rotationsDuringOutage);
      phase = 'after';
      servedTarget = served + 20;
      await within(servedEnough.promise, 15_000, '20 more queries served on the new pool');
      running = false;
      await load;
      expect(failed.after).toBe(0);
      expect(Date.now()).toBeLessThanOrEqual(nextAttemptAt + 2000); // within the backoff step that was running
      expect(secrets.status()).toMatchObject({ state: 'ready', leases: { count: 1 } });
      expect(db.rotations.at(-1)).toMatchObject({ key: 'database/creds/app', reason: 'recovered' });
      expect(db.rotations.at(-1)!.previousLeaseId).not.toBe(db.rotations.at(-1)!.currentLeaseId);
      expect(db.users.length).toBeGreaterThan(usersBefore);
      const { rows } = await (db.query() as Promise<{ rows: Array<{ user: string }> }>);
      expect(rows[0]!.user).toBe(db.users.at(-1));
      expect((await secrets.fetchDynamicDbCreds('app')).leaseId).not.toBe(leaseBefore);
      console.log(`pool on new credentials ${swappedAfterMs} ms after Vault returned; ${failed.outage} failed queries during the outage`);
    } finally {
      await outageApp.close();
    }
  }, 60_000);

  it('re-reads a static role when Vault rotates its password, and announces the change', async () => {
    const user = `static_${Date.now().toString(36)}`;
    await admin.query(`CREATE ROLE "${user}" WITH LOGIN PASSWORD 'initial-password-000'`);
    try {
      await server.admin.writeDatabaseStaticRole('database', 'reporting', { db_name: 'pg', username: user, rotation_period: 5 });
      const { SecretsManager } = await import('../../lib/index.js');
      const manager = await new SecretsManager({ address: server.address, token: server.rootToken, watch: { enabled: false } }).start();
      const changed = new Promise<SecretRotatedEvent>((resolve) => manager.on('secrets.rotated', (e) => resolve(e as SecretRotatedEvent)));
      const readAt = Date.now();
      const first = await manager.fetchStaticDbCreds('reporting');
      expect(first.username).toBe(user);
      // refreshAt: the next read, at the role's ttl (≤ 5 s rotation period) plus a 2 s skew, never undefined.
      expect(first.refreshAt).toBeGreaterThan(readAt);
      expect(first.refreshAt).toBeLessThanOrEqual(Date.now() + 5_000 + 2_000);
      const event = await changed;
      expect(event).toMatchObject({ key: 'database/static-creds/reporting', reason: 'static-role-rotated' });
      const next = event.secret<{ username: string; password: string }>();
      expect(next.password).not.toBe(first.password);
      const login = new pg.Client({ ...PG, user, password: next.password });
      await login.connect();
      await login.end();
      expect((await manager.fetchStaticDbCreds('reporting')).password).toBe(next.password);
      await manager.close();
    } finally {
      await server.admin.request('DELETE', 'database/static-roles/reporting').catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS "${user}"`);
    }
  });
});
