/**
 * Issue 17, finding 7: a lease dies with the token that created it (Vault revokes a token's leases
 * when the token expires or is revoked). AppRole tokens with a 5-minute max TTL, a database role
 * whose leases last 6 minutes, real PostgreSQL, the test server's frozen clock shared with the
 * module (no sleeping): the module warns once with both figures, replaces the credential at least
 * `leases.overlapMs` before the token's end, and the app's credential keeps working after it.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import type { SecretsCore } from '../../lib/core/secrets-core.js';
import { supervisedCore } from '../support/core-harness.js';
import { PG, mountPostgresEngine, postgresReachable } from '../support/postgres.js';

const postgresUp = await postgresReachable();

/** Logs in to PostgreSQL with the credential; true when PostgreSQL accepts it. */
async function canLogIn(creds: { username: string; password: string }): Promise<boolean> {
  const client = new pg.Client({ ...PG, user: creds.username, password: creds.password, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const OVERLAP_MS = 30_000;
let server: VaultTestServer;
const cores: SecretsCore[] = [];

describe.skipIf(!postgresUp)('leases end with their token (finding 7, real PostgreSQL)', () => {
  beforeAll(async () => {
    server = await VaultTestServer.start();
    await mountPostgresEngine(server.admin, { defaultTtl: 360, maxTtl: 360 });
    await server.admin.writePolicy(
      'app-db',
      'path "database/creds/app" { capabilities = ["read"] }\npath "sys/leases/revoke" { capabilities = ["update"] }',
    );
    await server.admin.enableAuthMethod('approle', 'approle');
  });

  afterEach(async () => {
    for (const core of cores.splice(0)) await core.close();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('AppRole token max 5 min, database role max 6 min: warned once with both figures, replaced before the token ends, never stops working', async () => {
    await server.admin.writeAppRole('approle', 'app', { token_policies: ['app-db'], token_ttl: 60, token_max_ttl: 300 });
    const roleId = await server.admin.readRoleId('approle', 'app');
    const secretId = await server.admin.generateSecretId('approle', 'app');
    const h = supervisedCore(server, cores, { auth: { method: 'approle', roleId, secretId }, leases: { overlapMs: OVERLAP_MS } });
    await h.core.start();
    const firstToken = h.core.tokens.info()!;
    const first = await h.core.leased.fetchDynamicDbCreds('app');
    expect(await canLogIn(first)).toBe(true);

    // The first token ends 300 s after its login, whatever its renewals: move to just past that.
    const tokenEnd = firstToken.issuedAt + 300_000;
    await h.time.advance(tokenEnd - server.clock.now() + 10_000);

    // The module learned the token's hard end from Vault and says so.
    expect(h.core.tokens.info()!.accessor).not.toBe(firstToken.accessor);
    const warnings = h.logger.lines.filter((l) => l.startsWith('warn') && l.includes('outlives the token'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/database\/creds\/app: lease max TTL 360 s outlives the token's max TTL 300 s/);
    expect(warnings[0]).toMatch(/token_max_ttl/);
    expect(warnings[0]).not.toContain(first.password);

    // Replaced at least the overlap before the token's end, under a new token.
    expect(h.rotations.length).toBeGreaterThanOrEqual(1);
    expect(h.rotations[0]!.key).toBe('database/creds/app');
    expect(h.rotations[0]!.at).toBeLessThanOrEqual(tokenEnd - OVERLAP_MS);
    const current = await h.core.leased.fetchDynamicDbCreds('app');
    expect(current.leaseId).not.toBe(first.leaseId);

    // Vault revoked the first token's leases with it; the app's credential still logs in.
    await server.settle();
    expect(await canLogIn(first)).toBe(false);
    expect(await canLogIn(current)).toBe(true);
  });

  it('a token whose max TTL Vault told at login (capped login): warned at acquire, before any renewal', async () => {
    // No token_ttl: the login asks for the mount default (768 h) and Vault caps it at 300 s, with a warning.
    await server.admin.writeAppRole('approle', 'boot', { token_policies: ['app-db'], token_max_ttl: 300 });
    const roleId = await server.admin.readRoleId('approle', 'boot');
    const secretId = await server.admin.generateSecretId('approle', 'boot');
    const h = supervisedCore(server, cores, { auth: { method: 'approle', roleId, secretId }, leases: { overlapMs: OVERLAP_MS } });
    await h.core.start();
    const token = h.core.tokens.info()!;
    expect(h.core.status().token).toMatchObject({ maxExpiresAt: token.issuedAt + 300_000 });
    await h.core.leased.fetchDynamicDbCreds('app');
    const warnings = h.logger.lines.filter((l) => l.includes('outlives the token'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/database\/creds\/app: lease max TTL at least 360 s outlives the token's max TTL 300 s/);
    expect(h.count('sys/leases/renew') + h.count('auth/token/renew-self')).toBe(0);
  });
});
