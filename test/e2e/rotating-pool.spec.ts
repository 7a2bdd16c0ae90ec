import { Inject, Injectable, type INestApplicationContext } from '@nestjs/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InjectSecret, Rotating, SecretRef, SecretsModule } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { bootApp } from '../support/boot-app.js';
import { deferred, within } from '../support/async.js';
import { answeredRequests } from '../support/vault-requests.js';
import { steadyLoad } from '../support/steady-load.js';
import { PG, mountPostgresEngine, postgresReachable } from '../support/postgres.js';

const postgresUp = await postgresReachable();

const DB_POOL = Symbol('DB_POOL');
interface DbCreds {
  username: string;
  password: string;
}

const admin = new pg.Client({ ...PG, user: 'postgres' });
const roleExists = async (name: string): Promise<boolean> =>
  (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1;

/** For each old pool: its role, and whether that role (its lease) was still alive once the pool had ended. */
const ended: Array<{ user: string; roleAliveAfterEnd: boolean }> = [];
/** Resolved by `dispose` when the third old pool has ended (the test waits on it, not on polling). */
const thirdEnded = deferred();
const users = new WeakMap<pg.Pool, string>();

@Injectable()
class Repository {
  constructor(
    @Inject(DB_POOL) readonly pool: Rotating<pg.Pool>,
    @InjectSecret('db') readonly creds: SecretRef<DbCreds>,
  ) {}

  query(): Promise<pg.QueryResult> {
    return this.pool.current.query('SELECT current_user AS user');
  }
}

describe.skipIf(!postgresUp)('Rotating<pg.Pool> on dynamic credentials (real PostgreSQL)', () => {
  let server: VaultTestServer;
  let app: INestApplicationContext;

  beforeAll(async () => {
    await admin.connect();
    server = await VaultTestServer.start({ clockMode: 'realtime' });
    await mountPostgresEngine(server.admin, { defaultTtl: 4, maxTtl: 6 });
  });

  afterAll(async () => {
    await app?.close();
    await server?.stop();
    await admin.end();
  });

  it('serves 50 queries/s through 3 rotations with 0 failures; each old pool ends before its lease is revoked', async () => {
    const dbSecret = { key: 'db', engine: 'database', path: 'app' } as const;
    ({ app } = await bootApp(
      [
        // No EventEmitterModule, no ScheduleModule, no handler written by the app.
        SecretsModule.forRoot({
          address: server.address,
          token: server.rootToken,
          isGlobal: true,
          leases: { overlapMs: 1500 },
          watch: { enabled: false },
        }),
        SecretsModule.forFeature([
          dbSecret,
          {
            provide: DB_POOL,
            secret: dbSecret,
            build: (c: DbCreds) => {
              const pool = new pg.Pool({ ...PG, user: c.username, password: c.password, max: 4 });
              users.set(pool, c.username);
              return pool;
            },
            dispose: async (old: pg.Pool) => {
              await old.end();
              const user = users.get(old)!;
              ended.push({ user, roleAliveAfterEnd: await roleExists(user) });
              if (ended.length === 3) thirdEnded.resolve();
            },
          },
        ]),
      ],
      [Repository],
    ));
    const repo = app.get(Repository);
    const firstUser = repo.creds.value.username;
    const firstLease = repo.creds.version;
    expect((await repo.query()).rows[0].user).toBe(firstUser);

    let ok = 0;
    const failures: unknown[] = [];
    let running = true;
    const started = Date.now();
    // Two callers, each one query every 10 ms: well above 50 queries/s even on a loaded machine.
    const caller = (): Promise<void> =>
      steadyLoad(
        () =>
          repo.query().then(
            () => void (ok += 1),
            (error: unknown) => void failures.push(error),
          ),
        10,
        () => running,
      );
    // Counted from now: the revocations of the three replaced leases, each an answer on the module's request channel.
    const threeRevoked = answeredRequests('lease.revoke', 3, 30_000);
    const load = Promise.all([caller(), caller()]);
    await within(thirdEnded.promise, 30_000, 'three rotations, each old pool ended');
    running = false;
    await load;
    const seconds = (Date.now() - started) / 1000;

    console.log(
      `Rotating<pg.Pool>: ${ok} queries in ${seconds.toFixed(1)} s (${(ok / seconds).toFixed(0)}/s), ${failures.length} failed, ${repo.pool.generation - 1} rotations`,
    );
    expect(failures).toEqual([]);
    expect(repo.pool.generation).toBeGreaterThanOrEqual(4);
    expect(ok / seconds).toBeGreaterThanOrEqual(50);
    // Each old pool was ended while its role (lease) still existed: the lease was revoked only afterwards.
    expect(ended.slice(0, 3).every((e) => e.roleAliveAfterEnd)).toBe(true);
    expect(new Set(ended.map((e) => e.user)).size).toBe(ended.length);
    // The SecretRef followed the lease rotations too, with no handler.
    expect(repo.creds.value.username).not.toBe(firstUser);
    expect(repo.creds.version).not.toBe(firstLease);
    expect((await repo.query()).rows[0].user).toBe(repo.creds.value.username);
    // Replaced roles are dropped once their leases are revoked.
    await threeRevoked;
    await server.settle();
    expect(await roleExists(ended[0]!.user)).toBe(false);
  }, 60_000);
});
