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

/** Issue 22 item 8: the echo may not be the value as sent. */
describe('transit: an input echoed in another form never reaches an error (issue 22)', () => {
  const SHORT = 'q7x';
  const hexOf = (s: string): string => Buffer.from(s).toString('hex');
  const echoes: Array<[string, (plain: string) => string]> = [
    ['JSON-escaped', (p) => JSON.stringify(p).slice(1, -1)],
    ['hex', (p) => hexOf(p)],
    ['upper-case hex', (p) => hexOf(p).toUpperCase()],
    ['upper-case', (p) => p.toUpperCase()],
    ['base64url', (p) => Buffer.from(p).toString('base64url')],
    ['cut short', (p) => `${p.slice(0, 14)}...`],
  ];
  for (const [form, encode] of echoes) {
    it(`encrypt 400 echoing the plaintext ${form}`, async () => {
      const plain = 'Echo"Marker\\plain-7731';
      const { server, secrets, logger } = await setup();
      server.faults.add({ path: /^transit\/encrypt\//, status: 400, body: { errors: [`bad input ${encode(plain)}`] } });
      const r = await settle(secrets.transit().encrypt('k', plain));
      expect(r.ok).toBe(false);
      expect(shown(!r.ok && r.error)).not.toContain(encode(plain).slice(0, 14));
      expect(logger.text).not.toContain(encode(plain).slice(0, 14));
    });
  }

  it('a value shorter than 4 characters echoed as a word', async () => {
    const { server, secrets } = await setup();
    server.faults.add({ path: /^transit\/encrypt\//, status: 400, body: { errors: [`bad input ${SHORT} here`] } });
    const r = await settle(secrets.transit().encrypt('k', SHORT));
    expect(shown(!r.ok && r.error)).not.toContain(`input ${SHORT} here`);
  });

  it('a batch refused as a whole (400, accepted status) echoing a plaintext hex-encoded', async () => {
    const plain = 'Batch-Marker-plain-5521';
    const { server, secrets } = await setup();
    server.faults.add({ path: /^transit\/encrypt\//, status: 400, body: { errors: [`bad batch ${hexOf(plain)}`] } });
    const r = await settle(secrets.transit().encryptBatch('k', [plain]));
    expect(r.ok).toBe(false);
    expect(shown(!r.ok && r.error)).not.toContain(hexOf(plain));
  });

  it('a 404 "no handler" echoing the plaintext', async () => {
    const plain = 'NoHandler-Marker-plain-9';
    const { server, secrets } = await setup();
    server.faults.add({
      path: /^transit\/encrypt\//,
      status: 404,
      body: { errors: [`no handler for route "transit/encrypt/k" ${plain}`] },
    });
    const r = await settle(secrets.transit().encrypt('k', plain));
    expect(r.ok).toBe(false);
    expect(shown(!r.ok && r.error)).not.toContain('NoHandler-Marker');
  });
});
