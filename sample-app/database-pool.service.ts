import { Inject, Injectable, Optional } from '@nestjs/common';
import pg from 'pg';
import { Rotating, type DatabaseCredentialsData, type RotatingDeclaration } from '../lib/index.js';

/** The rotation key of the demo's dynamic database credentials. */
export const DB_CREDS_KEY = 'database/creds/app';
/** Injection token of the rotating pool. */
export const DB_POOL = Symbol('DB_POOL');

/**
 * A `pg` pool on Vault dynamic credentials (`SecretsModule.forFeature([databasePool])`): the module
 * builds it at boot, builds a new one when the credentials rotate, switches, ends the old one, and
 * only then revokes the old lease.
 */
export const databasePool: RotatingDeclaration<pg.Pool, DatabaseCredentialsData> = {
  provide: DB_POOL,
  secret: { key: DB_CREDS_KEY, engine: 'database', path: 'app' },
  build: (creds) =>
    new pg.Pool({
      host: process.env.PGHOST ?? '127.0.0.1',
      port: Number(process.env.PGPORT ?? 5432),
      database: process.env.PGDATABASE ?? 'test',
      user: creds.username,
      password: creds.password,
      max: 5,
    }),
  dispose: (old) => old.end(),
};

/** Queries through the current pool. Absent when `DEMO_DYNAMIC_DB` is not `on` (no database engine configured). */
@Injectable()
export class DatabasePoolService {
  constructor(@Optional() @Inject(DB_POOL) private readonly pool?: Rotating<pg.Pool>) {}

  /** Who the pool is connected as (a role name, not a secret). */
  async currentUser(): Promise<{ user: string; rotations: number } | { enabled: false }> {
    if (!this.pool) return { enabled: false };
    const { rows } = await this.pool.current.query<{ user: string }>('SELECT current_user AS user');
    return { user: rows[0]!.user, rotations: this.pool.generation - 1 };
  }
}
