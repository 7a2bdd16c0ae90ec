/**
 * Transit promises that no plaintext or ciphertext it sent comes back in an error or a log line,
 * even when Vault (or a proxy in front of it) echoes the input. Its scrub covered only
 * `VaultRequestError` (4xx): a 5xx echo (VaultUnavailableError, also logged by the supervisor)
 * and a 403 echo (PermissionDeniedError's vaultErrors) were not scrubbed.
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsManager } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { CapturingLogger } from '../support/capture-logs.js';
import { settle } from '../support/async.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const CIPHERTEXT = 'vault:v1:Q0lQSEVSVEVYVC1NQVJLRVItOTk5OQ==';
const PLAINTEXT = 'PLAINTEXT-MARKER-4111111111111111';

async function setup(): Promise<{ server: VaultTestServer; secrets: SecretsManager; logger: CapturingLogger }> {
  const server = await VaultTestServer.start();
  cleanups.push(() => server.stop());
  await server.admin.enableSecretsEngine('transit', 'transit');
  await server.admin.createTransitKey('transit', 'k');
  const logger = new CapturingLogger();
  const secrets = await new SecretsManager(
    {
      address: server.address,
      token: server.rootToken,
      secretsPath: 'secret',
      fallbackEnv: false,
      watch: { enabled: false },
      maxRetries: 0,
    },
    { env: {}, logger },
  ).start();
  cleanups.push(() => secrets.close());
  return { server, secrets, logger };
}

function shown(error: unknown): string {
  return [String(error), (error as Error).stack, inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error)].join('\n');
}

describe('transit: an echoed input never reaches an error or a log line', () => {
  for (const status of [500, 502, 403]) {
    it(`decrypt answered ${status} echoing the ciphertext`, async () => {
      const { server, secrets, logger } = await setup();
      server.faults.add({ path: /^transit\/decrypt\//, status, body: { errors: [`cannot decrypt ${CIPHERTEXT}`] } });
      const r = await settle(secrets.transit().decrypt('k', CIPHERTEXT));
      expect(r.ok).toBe(false);
      const text = shown(!r.ok && r.error);
      expect(text).not.toContain('Q0lQSEVSVEVYVC1NQVJLRVItOTk5OQ');
      expect(logger.text).not.toContain('Q0lQSEVSVEVYVC1NQVJLRVItOTk5OQ');
    });

    it(`encrypt answered ${status} echoing the plaintext`, async () => {
      const { server, secrets, logger } = await setup();
      server.faults.add({ path: /^transit\/encrypt\//, status, body: { errors: [`bad input ${PLAINTEXT}`] } });
      const r = await settle(secrets.transit().encrypt('k', PLAINTEXT));
      expect(r.ok).toBe(false);
      expect(shown(!r.ok && r.error)).not.toContain('PLAINTEXT-MARKER');
      expect(logger.text).not.toContain('PLAINTEXT-MARKER');
    });
  }
});
