/**
 * REFERENCE §6: the database secrets engine with the PostgreSQL plugin, against a real
 * PostgreSQL (127.0.0.1:5432, trust auth, database `test`). Skipped when it is not reachable.
 *
 * Every test uses its own role/user names and drops what it created. Time moves with
 * `server.clock`; `server.settle()` waits for revocations/rotations started by a clock move.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, envelope, errors, root, startServer, unique } from './support.js';

const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' } as const;

async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ ...PG, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error: unknown) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const pgProblem = await probePostgres();
if (pgProblem !== undefined) {
  console.warn(`database.spec: PostgreSQL at 127.0.0.1:5432 is not reachable (${pgProblem}); skipping the database engine tests`);
}
const itPg = it.skipIf(pgProblem !== undefined);

/** Runs one statement as `postgres`. */
async function sql<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client(PG);
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function roleExists(name: string): Promise<boolean> {
  return (await sql('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).length === 1;
}

/** Whether PostgreSQL's stored verifier (SCRAM or md5) is the one of `password`. */
async function passwordMatches(role: string, password: string): Promise<boolean> {
  const rows = await sql<{ rolpassword: string | null }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
  const verifier = rows[0]?.rolpassword ?? '';
  const scram = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (scram) {
    const salted = pbkdf2Sync(password, Buffer.from(scram[2] ?? '', 'base64'), Number(scram[1]), 32, 'sha256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    return createHash('sha256').update(clientKey).digest('base64') === scram[3];
  }
  if (verifier.startsWith('md5'))
    return (
      verifier ===
      `md5${createHash('md5')
        .update(password + role)
        .digest('hex')}`
    );
  return false;
}

async function loginAs(user: string, password: string, query: string): Promise<unknown[]> {
  const client = new pg.Client({ ...PG, user, password });
  await client.connect();
  try {
    return (await client.query(query)).rows;
  } finally {
    await client.end();
  }
}

const suffix = randomBytes(4).toString('hex');
const adminRole = `vts_admin_${suffix}`;
const table = `vts_items_${suffix}`;
const CONNECTION_URL = 'postgresql://{{username}}:{{password}}@127.0.0.1:5432/test?sslmode=disable';

let server: VaultTestServer;
let mount: string;
const createdRoles: string[] = [];

function creation(grantTable = table): string {
  return `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT SELECT ON ${grantTable} TO "{{name}}";`;
}

beforeAll(async () => {
  if (pgProblem !== undefined) return;
  await sql(`CREATE ROLE ${adminRole} WITH LOGIN SUPERUSER PASSWORD 'admin-${suffix}'`);
  await sql(`CREATE TABLE ${table} (id int primary key, label text)`);
  await sql(`INSERT INTO ${table} VALUES (1, 'one')`);
  server = await startServer({ startTime: Math.floor(Date.now() / 1000) * 1000 });
  mount = unique('database');
  await server.admin.enableSecretsEngine(mount, 'database');
  await server.admin.writeDatabaseConfig(mount, 'pg', {
    connection_url: CONNECTION_URL,
    username: adminRole,
    password: `admin-${suffix}`,
    allowed_roles: ['ro-*', 'static-*', 'fail-*'],
  });
});

afterAll(async () => {
  if (pgProblem !== undefined) return;
  await server.stop();
  for (const role of createdRoles) await sql(`DROP ROLE IF EXISTS "${role}"`).catch(() => undefined);
  await sql(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  await sql(`DROP ROLE IF EXISTS ${adminRole}`).catch(() => undefined);
});

async function writeRole(name: string, fields: Record<string, unknown> = {}): Promise<void> {
  await server.admin.writeDatabaseRole(mount, name, {
    db_name: 'pg',
    creation_statements: creation(),
    default_ttl: '1h',
    max_ttl: '24h',
    ...fields,
  });
}

describe('database/config (§6)', () => {
  itPg('writes, reads (no password) and lists connections', async () => {
    const read = await root(server, 'GET', `${mount}/config/pg`);
    expect(read.status).toBe(200);
    const data = envelope(read).data;
    expect(data).toMatchObject({
      allowed_roles: ['ro-*', 'static-*', 'fail-*'],
      plugin_name: 'postgresql-database-plugin',
      plugin_version: '',
      root_credentials_rotate_statements: [],
      verify_connection: true,
    });
    expect(data['connection_details']).toEqual({ connection_url: CONNECTION_URL, username: adminRole });
    expect(envelope<{ keys: string[] }>(await root(server, 'LIST', `${mount}/config`)).data.keys).toEqual(['pg']);
  });

  itPg('verifies the connection and reports plugin errors with 400', async () => {
    const body = { plugin_name: 'postgresql-database-plugin', connection_url: 'postgresql://postgres@127.0.0.1:1/test?sslmode=disable' };
    const failed = await root(server, 'POST', `${mount}/config/broken`, { body });
    expect(failed.status).toBe(400);
    expect(errors(failed)[0]).toMatch(/^error creating database object: error verifying connection: /);
    expect((await root(server, 'POST', `${mount}/config/broken`, { body: { ...body, verify_connection: false } })).status).toBe(204);
    expect(errors(await root(server, 'POST', `${mount}/config/empty`, { body: { plugin_name: 'postgresql-database-plugin' } }))).toEqual([
      'error creating database object: connection_url cannot be empty',
    ]);
    expect(errors(await root(server, 'POST', `${mount}/config/none`, { body: { connection_url: 'x' } }))).toEqual(['empty plugin name']);
    const withPassword = await root(server, 'POST', `${mount}/config/inline`, {
      body: {
        plugin_name: 'postgresql-database-plugin',
        connection_url: `postgresql://postgres:secret@127.0.0.1:5432/test?sslmode=disable`,
      },
    });
    expect(withPassword.status).toBe(200);
    expect(envelope(withPassword).warnings).toEqual([
      'Password found in connection_url, use a templated url to enable root rotation and prevent read access to password information.',
    ]);
    const details = envelope<{ connection_details: Record<string, string> }>(await root(server, 'GET', `${mount}/config/inline`)).data
      .connection_details;
    expect(details['connection_url']).toBe('postgresql://postgres:xxxxx@127.0.0.1:5432/test?sslmode=disable');
    for (const name of ['broken', 'inline']) expect((await root(server, 'DELETE', `${mount}/config/${name}`)).status).toBe(204);
  });
});

describe('GET database/creds/:role (§6.1, §6.3)', () => {
  itPg('creates a real PostgreSQL user with the default username template, password policy and a renewable lease', async () => {
    const role = unique('ro-app');
    await writeRole(role);
    const token = await server.admin.createToken({ policies: ['root'], display_name: 'ci' });
    const answer = await call(server, 'GET', `${mount}/creds/${role}`, { token: token.client_token });
    expect(answer.status).toBe(200);
    const body = envelope<{ username: string; password: string }>(answer);
    createdRoles.push(body.data.username);
    expect(body).toMatchObject({ renewable: true, lease_duration: 3600, mount_type: 'database', warnings: null });
    expect(body.lease_id).toMatch(new RegExp(`^${mount}/creds/${role}/[A-Za-z0-9]{24}$`));
    const unix = Math.floor(server.clock.now() / 1000);
    expect(body.data.username).toMatch(new RegExp(`^v-token-ci-${role.slice(0, 8)}-[A-Za-z0-9]{20}-${unix}$`));
    expect(body.data.password).toMatch(/^[A-Za-z0-9-]{20}$/);
    expect(body.data.password).toMatch(/[a-z]/);
    expect(body.data.password).toMatch(/[A-Z]/);
    expect(body.data.password).toMatch(/[0-9]/);
    expect(body.data.password).toContain('-');

    const rows = await sql<{ rolvaliduntil: Date; rolcanlogin: boolean }>(
      'SELECT rolvaliduntil, rolcanlogin FROM pg_roles WHERE rolname = $1',
      [body.data.username],
    );
    expect(rows[0]?.rolcanlogin).toBe(true);
    expect(rows[0]?.rolvaliduntil.getTime()).toBe(server.clock.now() + 3_600_000 + 5_000);
    expect(await passwordMatches(body.data.username, body.data.password)).toBe(true);
    expect(await loginAs(body.data.username, body.data.password, `SELECT current_user AS me, label FROM ${table}`)).toEqual([
      { me: body.data.username, label: 'one' },
    ]);

    await server.admin.revokeLease(body.lease_id);
    expect(await roleExists(body.data.username)).toBe(false);
  });

  itPg('renews: runs the renew statement (VALID UNTIL) and caps at the role max_ttl with the warning', async () => {
    const role = unique('ro-renew');
    await writeRole(role, { default_ttl: '10m', max_ttl: '30m' });
    const creds = await server.admin.readDatabaseCredentials(mount, role);
    createdRoles.push(creds.data.username);
    expect(creds.lease_duration).toBe(600);
    server.clock.advance(300_000);
    const renewed = await server.admin.renewLease(creds.lease_id, '15m');
    expect(renewed).toMatchObject({ lease_id: creds.lease_id, lease_duration: 900, renewable: true, warnings: null });
    const validUntil = async (): Promise<number> =>
      (
        await sql<{ rolvaliduntil: Date }>('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [creds.data.username])
      )[0]!.rolvaliduntil.getTime();
    expect(await validUntil()).toBe(server.clock.now() + 900_000 + 5_000);
    server.clock.advance(600_000);
    const capped = await server.admin.renewLease(creds.lease_id, '1h');
    expect(capped.lease_duration).toBe(900);
    expect(capped.warnings).toEqual(['TTL of "1h" exceeded the effective max_ttl of "15m"; TTL value is capped accordingly']);
    expect(await validUntil()).toBe(server.clock.now() + 900_000 + 5_000);
    await server.admin.revokeLease(creds.lease_id);
    expect(await roleExists(creds.data.username)).toBe(false);
  });

  itPg('drops the user when the lease expires by the server clock (no request needed)', async () => {
    const role = unique('ro-expire');
    await writeRole(role, { default_ttl: '2m' });
    const creds = await server.admin.readDatabaseCredentials(mount, role);
    createdRoles.push(creds.data.username);
    server.clock.advance(119_000);
    await server.settle();
    expect(await roleExists(creds.data.username)).toBe(true);
    server.clock.advance(1_000);
    await server.settle();
    expect(await roleExists(creds.data.username)).toBe(false);
    expect(errors(await root(server, 'PUT', 'sys/leases/lookup', { body: { lease_id: creds.lease_id } }))).toEqual(['invalid lease']);
  });

  itPg('drops the users of a revoked token', async () => {
    const role = unique('ro-token');
    await writeRole(role);
    const token = await server.admin.createToken({ policies: ['root'], ttl: '5h' });
    const answer = await call(server, 'GET', `${mount}/creds/${role}`, { token: token.client_token });
    const username = envelope<{ username: string }>(answer).data.username;
    createdRoles.push(username);
    expect(await roleExists(username)).toBe(true);
    await server.admin.revokeToken(token.client_token);
    expect(await roleExists(username)).toBe(false);
  });

  itPg('uses custom revocation statements; a failing revocation keeps the lease (`lease expired`)', async () => {
    const role = unique('fail-revoke');
    await writeRole(role, { default_ttl: '1m', revocation_statements: ['DROP ROLE "{{name}}_does_not_exist";'] });
    const creds = await server.admin.readDatabaseCredentials(mount, role);
    createdRoles.push(creds.data.username);
    server.clock.advance(60_000);
    await server.settle();
    expect(await roleExists(creds.data.username)).toBe(true);
    const renew = await root(server, 'PUT', 'sys/leases/renew', { body: { lease_id: creds.lease_id } });
    expect(renew.status).toBe(400);
    expect(errors(renew)).toEqual(['lease expired']);
    expect(envelope(await root(server, 'PUT', 'sys/leases/lookup', { body: { lease_id: creds.lease_id } })).data).toMatchObject({
      renewable: false,
      ttl: 0,
    });
    const sync = await root(server, 'PUT', 'sys/leases/revoke', { body: { lease_id: creds.lease_id, sync: true } });
    expect(sync.status).toBe(500);
    expect(errors(sync)[0]).toContain('failed to revoke entry');
    expect(errors(sync)[0]).toContain('does not exist');
    // Fix the role: the next (sync) revocation uses the current revocation statements.
    await server.admin.writeDatabaseRole(mount, role, { db_name: 'pg', creation_statements: creation(), revocation_statements: [] });
    await server.admin.revokeLease(creds.lease_id);
    expect(await roleExists(creds.data.username)).toBe(false);
  });

  itPg('answers unknown role (400), role not allowed (500), missing connection (500) and SQL errors (500)', async () => {
    const unknown = await root(server, 'GET', `${mount}/creds/ro-nope`);
    expect(unknown.status).toBe(400);
    expect(errors(unknown)).toEqual(['unknown role: ro-nope']);

    await server.admin.writeDatabaseRole(mount, 'outsider', { db_name: 'pg', creation_statements: creation() });
    const notAllowed = await root(server, 'GET', `${mount}/creds/outsider`);
    expect(notAllowed.status).toBe(500);
    expect(errors(notAllowed)[0]).toContain('"outsider" is not an allowed role');

    await server.admin.writeDatabaseRole(mount, 'ro-nodb', { db_name: 'missing', creation_statements: creation() });
    const noDb = await root(server, 'GET', `${mount}/creds/ro-nodb`);
    expect(noDb.status).toBe(500);
    expect(errors(noDb)[0]).toContain('failed to find entry for connection with name: "missing"');

    await server.admin.writeDatabaseRole(mount, 'ro-badsql', { db_name: 'pg', creation_statements: creation('no_such_table_xyz') });
    const bad = await root(server, 'GET', `${mount}/creds/ro-badsql`);
    expect(bad.status).toBe(500);
    expect(errors(bad)[0]).toContain('failed to execute query: ERROR: relation "no_such_table_xyz" does not exist (SQLSTATE 42P01)');
    expect((await sql("SELECT rolname FROM pg_roles WHERE rolname LIKE 'v-root-ro-badsq-%'")).length).toBe(0);

    expect((await root(server, 'POST', `${mount}/creds/ro-nope`)).status).toBe(405);
    expect(errors(await root(server, 'POST', `${mount}/roles/ro-x`, { body: {} }))).toEqual(['database name is required']);
  });

  itPg('reads and lists roles', async () => {
    const role = unique('ro-read');
    await writeRole(role, { renew_statements: `ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';` });
    const data = envelope(await root(server, 'GET', `${mount}/roles/${role}`)).data;
    expect(data).toEqual({
      creation_statements: [creation()],
      credential_type: 'password',
      db_name: 'pg',
      default_ttl: 3600,
      max_ttl: 86400,
      renew_statements: [`ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';`],
      revocation_statements: [],
      rollback_statements: [],
    });
    expect(envelope<{ keys: string[] }>(await root(server, 'LIST', `${mount}/roles`)).data.keys).toContain(role);
  });
});

describe('static roles (§6.2)', () => {
  itPg('rotates on creation, by rotation_period on the server clock and on demand', async () => {
    const user = `vts_static_${randomBytes(3).toString('hex')}`;
    createdRoles.push(user);
    await sql(`CREATE ROLE ${user} WITH LOGIN PASSWORD 'initial-password'`);
    const role = unique('static-app');
    await server.admin.writeDatabaseStaticRole(mount, role, { db_name: 'pg', username: user, rotation_period: '1h' });
    const first = await root(server, 'GET', `${mount}/static-creds/${role}`);
    expect(first.status).toBe(200);
    const body = envelope<{ username: string; password: string; last_vault_rotation: string; rotation_period: number; ttl: number }>(first);
    expect(body).toMatchObject({ lease_id: '', lease_duration: 0, renewable: false });
    expect(Object.keys(body.data).sort()).toEqual(['last_vault_rotation', 'password', 'rotation_period', 'ttl', 'username']);
    expect(body.data).toMatchObject({ username: user, rotation_period: 3600, ttl: 3600 });
    expect(Date.parse(body.data.last_vault_rotation)).toBe(server.clock.now());
    expect(await passwordMatches(user, 'initial-password')).toBe(false);
    expect(await passwordMatches(user, body.data.password)).toBe(true);

    server.clock.advance(1_800_000);
    const half = await server.admin.readDatabaseStaticCredentials(mount, role);
    expect(half).toMatchObject({ password: body.data.password, ttl: 1800 });

    server.clock.advance(1_800_000);
    await server.settle();
    const rotated = await server.admin.readDatabaseStaticCredentials(mount, role);
    expect(rotated.password).not.toBe(body.data.password);
    expect(rotated.ttl).toBe(3600);
    expect(Date.parse(rotated.last_vault_rotation)).toBe(server.clock.now());
    expect(await passwordMatches(user, rotated.password)).toBe(true);

    await server.admin.rotateDatabaseRole(mount, role);
    const manual = await server.admin.readDatabaseStaticCredentials(mount, role);
    expect(manual.password).not.toBe(rotated.password);
    expect(await passwordMatches(user, manual.password)).toBe(true);

    expect(envelope(await root(server, 'GET', `${mount}/static-roles/${role}`)).data).toMatchObject({
      credential_type: 'password',
      db_name: 'pg',
      rotation_period: 3600,
      rotation_statements: [],
      username: user,
    });
    expect((await root(server, 'DELETE', `${mount}/static-roles/${role}`)).status).toBe(204);
    expect(await roleExists(user)).toBe(true);
  });

  itPg('answers the static-role errors', async () => {
    expect(errors(await root(server, 'GET', `${mount}/static-creds/static-nope`))).toEqual(['unknown role: static-nope']);
    expect(errors(await root(server, 'POST', `${mount}/rotate-role/static-nope`))).toEqual(['no static role found for role name']);
    const missingUser = await root(server, 'POST', `${mount}/static-roles/static-ghost`, {
      body: { db_name: 'pg', username: `vts_ghost_${suffix}`, rotation_period: '1h' },
    });
    expect(missingUser.status).toBe(500);
    expect(errors(missingUser)[0]).toContain('error setting credentials');
    expect(errors(missingUser)[0]).toContain('does not exist');
    expect(
      errors(await root(server, 'POST', `${mount}/static-roles/static-x`, { body: { db_name: 'pg', username: 'x', rotation_period: 2 } })),
    ).toEqual(['rotation_period must be 5 seconds or more']);
    expect(errors(await root(server, 'POST', `${mount}/static-roles/static-x`, { body: { db_name: 'pg', username: 'x' } }))).toEqual([
      'rotation_period is required to create static accounts',
    ]);
    const clash = unique('ro-clash');
    await writeRole(clash);
    expect(
      errors(await root(server, 'POST', `${mount}/static-roles/${clash}`, { body: { db_name: 'pg', username: 'x', rotation_period: 60 } })),
    ).toEqual(['Role and Static Role names must be unique']);
  });
});

describe('lifecycle', () => {
  itPg('drops the dynamic users when the mount is disabled', async () => {
    const other = unique('database-off');
    await server.admin.enableSecretsEngine(other, 'database');
    await server.admin.writeDatabaseConfig(other, 'pg', {
      connection_url: CONNECTION_URL,
      username: adminRole,
      password: 'x',
      allowed_roles: '*',
    });
    await server.admin.writeDatabaseRole(other, 'app', { db_name: 'pg', creation_statements: creation() });
    const creds = await server.admin.readDatabaseCredentials(other, 'app');
    createdRoles.push(creds.data.username);
    expect(await roleExists(creds.data.username)).toBe(true);
    await server.admin.disableSecretsEngine(other);
    expect(await roleExists(creds.data.username)).toBe(false);
  });

  itPg('keeps working under fake timers (the engine uses no pg timers)', async () => {
    const role = unique('ro-fake');
    await writeRole(role);
    vi.useFakeTimers();
    try {
      // A fresh pool opened while timers are fake (the admin client uses node:http, not fetch).
      await server.admin.request('POST', `${mount}/reset/pg`);
      const creds = await server.admin.readDatabaseCredentials(mount, role);
      createdRoles.push(creds.data.username);
      vi.advanceTimersByTime(3_600_000);
      expect(await roleExists(creds.data.username)).toBe(true);
      server.clock.advance(3_600_000);
      await server.settle();
      expect(await roleExists(creds.data.username)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  itPg('server.stop() revokes outstanding leases and closes every connection', async () => {
    const owner = `vts_owner_${randomBytes(3).toString('hex')}`;
    createdRoles.push(owner);
    await sql(`CREATE ROLE ${owner} WITH LOGIN SUPERUSER`);
    const other = await startServer();
    await other.admin.enableSecretsEngine('database', 'database');
    await other.admin.writeDatabaseConfig('database', 'pg', {
      connection_url: CONNECTION_URL,
      username: owner,
      password: 'x',
      allowed_roles: '*',
    });
    await other.admin.writeDatabaseRole('database', 'app', { db_name: 'pg', creation_statements: creation() });
    const creds = await other.admin.readDatabaseCredentials('database', 'app');
    createdRoles.push(creds.data.username);
    const sessions = async (): Promise<number> =>
      Number((await sql<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE usename = $1', [owner]))[0]?.n ?? 0);
    expect(await sessions()).toBeGreaterThan(0);
    await other.stop();
    expect(await roleExists(creds.data.username)).toBe(false);
    let remaining = await sessions();
    for (let attempt = 0; attempt < 50 && remaining > 0; attempt += 1) remaining = await sessions();
    expect(remaining).toBe(0);
  });
});
