import pg from 'pg';

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
