import { randomBytes } from 'node:crypto';
import { VaultAdmin, VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';

/**
 * The Vault an e2e test runs against: the in-process `VaultTestServer` by default, or a real
 * Vault when `VAULT_ADDR` and `VAULT_TOKEN` (a root token) are set. Tests that need the test
 * server's extras (clock, faults, sealing, request log) use `server` and skip without it.
 */
export interface TestVault {
  address: string;
  rootToken: string;
  admin: VaultAdmin;
  /** Present only when running against the in-process test server. */
  server?: VaultTestServer;
  stop(): Promise<void>;
}

export async function startTestVault(): Promise<TestVault> {
  const realAddress = process.env.VAULT_ADDR;
  const realToken = process.env.VAULT_TOKEN;
  if (realAddress && realToken) {
    return { address: realAddress, rootToken: realToken, admin: new VaultAdmin(realAddress, realToken), stop: async () => {} };
  }
  const server = await VaultTestServer.start();
  return { address: server.address, rootToken: server.rootToken, admin: server.admin, server, stop: () => server.stop() };
}

/** A unique mount or path name, so tests never collide on a shared Vault. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** True when the e2e suite runs against the in-process test server (not a real Vault). */
export const onTestServer = !(process.env.VAULT_ADDR && process.env.VAULT_TOKEN);
