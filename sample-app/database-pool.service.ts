import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { OnSecretRotated, SecretsService, type SecretRotatedEvent } from '../lib/index.js';

/** The rotation key of the demo's dynamic database credentials. */
export const DB_CREDS_KEY = 'database/creds/app';

/**
 * A `pg` pool built from Vault dynamic credentials and hot-swapped when they rotate: the new
 * role logs in first, the pool is swapped, the old pool drains, and only then does the module
 * revoke the old lease. Disabled when `DEMO_DYNAMIC_DB` is not `on` (no database engine configured).
 */
@Injectable()
export class DatabasePoolService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DatabasePoolService.name);
  private pool: pg.Pool | undefined;
  private rotations = 0;

  constructor(private readonly secrets: SecretsService) {}

  get enabled(): boolean {
    return process.env.DEMO_DYNAMIC_DB === 'on';
  }

  async onModuleInit(): Promise<void> {
    if (!this.enabled) return;
    const creds = await this.secrets.fetchDynamicDbCreds('app');
    this.pool = this.poolFor(creds.username, creds.password);
    this.logger.log(`Database pool opened as ${creds.username} (lease of ${creds.leaseDuration} s, renewed and rotated by the module)`);
  }

  @OnSecretRotated(DB_CREDS_KEY)
  async swap(event: SecretRotatedEvent): Promise<void> {
    const { username, password } = event.secret<{ username: string; password: string }>();
    const next = this.poolFor(username, password);
    await next.query('SELECT 1');
    const old = this.pool;
    this.pool = next;
    this.rotations += 1;
    this.logger.log(`Database credentials rotated (${event.reason}); pool now uses ${username}`);
    await old?.end();
  }

  /** Who the pool is connected as (a role name, not a secret). */
  async currentUser(): Promise<{ user: string; rotations: number } | { enabled: false }> {
    if (!this.pool) return { enabled: false };
    const { rows } = await this.pool.query<{ user: string }>('SELECT current_user AS user');
    return { user: rows[0]!.user, rotations: this.rotations };
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool?.end();
  }

  private poolFor(user: string, password: string): pg.Pool {
    return new pg.Pool({
      host: process.env.PGHOST ?? '127.0.0.1',
      port: Number(process.env.PGPORT ?? 5432),
      database: process.env.PGDATABASE ?? 'test',
      user,
      password,
      max: 5,
    });
  }
}
