import { Logger } from '@nestjs/common';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';

/**
 * The demo Vault's switch, for `POST /demo/vault/stop` and `/start`: "stopped" drops every
 * connection (sys/health included), as an unreachable Vault would, and keeps its data.
 */
export const demoVault = {
  server: undefined as VaultTestServer | undefined,
  restore: undefined as (() => void) | undefined,
  /** Makes the demo Vault unreachable. @returns false without a demo Vault (a real VAULT_ADDR). */
  stop(): boolean {
    if (!this.server) return false;
    this.restore ??= this.server.faults.add({ drop: true });
    return true;
  },
  /** Makes it reachable again. @returns false without a demo Vault. */
  start(): boolean {
    if (!this.server) return false;
    this.restore?.();
    this.restore = undefined;
    return true;
  },
};

/**
 * With no VAULT_ADDR set, the sample runs against an in-process Vault test server seeded with
 * demo secrets, so it works on a machine without Vault. Returns a stop function.
 */
export async function startDemoVaultIfNeeded(): Promise<() => Promise<void>> {
  if (process.env.VAULT_ADDR) return async () => {};
  // Real time on the demo Vault, so leases really expire and rotations show.
  const server = await VaultTestServer.start({ clockMode: 'realtime' });
  demoVault.server = server;
  await server.admin.kvPut('secret', 'app/database', { host: 'localhost', port: '5432', username: 'app', password: 'demo-db-password' });
  await server.admin.kvPut('secret', 'app/database', { host: 'localhost', port: '5432', username: 'app', password: 'demo-db-password-v2' });
  await server.admin.kvPut('secret', 'app/stripe', { apiKey: 'sk_test_demo_key' });
  await server.admin.kvPut('secret', 'app/kafka/producer', { username: 'producer', password: 'demo-kafka-password' });
  if (await postgresReachable()) {
    // Dynamic database credentials on the local PostgreSQL, with short TTLs so rotations show up within a minute.
    await server.admin.enableSecretsEngine('database', 'database');
    await server.admin.writeDatabaseConfig('database', 'pg', {
      connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:5432/test?sslmode=disable',
      username: 'postgres',
      password: 'unused-with-trust-auth',
      allowed_roles: ['app'],
    });
    await server.admin.writeDatabaseRole('database', 'app', {
      db_name: 'pg',
      creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`],
      default_ttl: 20,
      max_ttl: 45,
    });
    process.env.DEMO_DYNAMIC_DB ??= 'on';
  } else {
    new Logger('Sample').warn('PostgreSQL is not reachable on 127.0.0.1:5432: the dynamic database credentials demo is off');
  }
  // Rotate the Stripe key every 30 s, as an operator would, to show change detection.
  let version = 1;
  const operator = setInterval(() => {
    version += 1;
    void server.admin.kvPut('secret', 'app/stripe', { apiKey: `sk_test_demo_key_${version}` }).catch(() => undefined);
  }, 30_000);
  operator.unref();
  process.env.VAULT_ADDR = server.address;
  process.env.VAULT_TOKEN = server.rootToken;
  new Logger('Sample').warn(
    `VAULT_ADDR is not set: using an in-process Vault test server at ${server.address} with demo secrets (not a real Vault). Set VAULT_ADDR and VAULT_TOKEN to use yours.`,
  );
  return async () => {
    clearInterval(operator);
    await server.stop();
  };
}

async function postgresReachable(): Promise<boolean> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
