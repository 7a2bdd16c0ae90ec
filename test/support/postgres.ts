import pg from 'pg';
import type { VaultAdmin } from '@nestjs-vault-secrets/vault-test-server';

/** The machine's PostgreSQL (trust authentication on loopback): where dynamic database credentials are tested for real. */
export const PG = { host: '127.0.0.1', port: 5432, database: 'test' } as const;

/** Whether PostgreSQL answers a `postgres` login within 2 s (specs that need it are skipped otherwise). */
export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ ...PG, user: 'postgres', connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Mounts the database engine at `database/` on `admin`'s Vault, connected to the machine's PostgreSQL (as
 * `postgres`), with a role `app` whose users log in until their lease's expiry.
 * @param ttl - the role's `default_ttl` and `max_ttl`, in seconds.
 * @param allowedRoles - roles the connection accepts (`app` and any the spec adds itself).
 */
export async function mountPostgresEngine(
  admin: VaultAdmin,
  ttl: { defaultTtl: number; maxTtl: number },
  allowedRoles: string[] = ['app'],
): Promise<void> {
  await admin.enableSecretsEngine('database', 'database');
  await admin.writeDatabaseConfig('database', 'pg', {
    connection_url: `postgresql://{{username}}:{{password}}@${PG.host}:${PG.port}/${PG.database}?sslmode=disable`,
    username: 'postgres',
    password: 'unused-with-trust-auth',
    allowed_roles: allowedRoles,
  });
  await admin.writeDatabaseRole('database', 'app', {
    db_name: 'pg',
    creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`],
    default_ttl: ttl.defaultTtl,
    max_ttl: ttl.maxTtl,
  });
}
