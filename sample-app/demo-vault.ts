import { Logger } from '@nestjs/common';
import { VaultTestServer } from '../lib/testing/index.js';

/**
 * With no VAULT_ADDR set, the sample runs against an in-process Vault test server seeded with
 * demo secrets, so it works on a machine without Vault. Returns a stop function.
 */
export async function startDemoVaultIfNeeded(): Promise<() => Promise<void>> {
  if (process.env.VAULT_ADDR) return async () => {};
  const server = await VaultTestServer.start();
  await server.admin.kvPut('secret', 'app/database', { host: 'localhost', port: '5432', username: 'app', password: 'demo-db-password' });
  await server.admin.kvPut('secret', 'app/database', { host: 'localhost', port: '5432', username: 'app', password: 'demo-db-password-v2' });
  await server.admin.kvPut('secret', 'app/stripe', { apiKey: 'sk_test_demo_key' });
  await server.admin.kvPut('secret', 'app/kafka/producer', { username: 'producer', password: 'demo-kafka-password' });
  process.env.VAULT_ADDR = server.address;
  process.env.VAULT_TOKEN = server.rootToken;
  new Logger('Sample').warn(
    `VAULT_ADDR is not set: using an in-process Vault test server at ${server.address} with demo secrets (not a real Vault). Set VAULT_ADDR and VAULT_TOKEN to use yours.`,
  );
  return () => server.stop();
}
