/**
 * Issue 10, finding 7: a certificate request refused because the CA expires sooner than the asked
 * TTL is sent once more with the TTL clipped to the CA's expiry, and the condition shows in status().
 */
import { X509Certificate } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { coreOn } from '../support/core-harness.js';

let server: VaultTestServer;
let close: (() => Promise<void>) | undefined;

beforeEach(async () => {
  server = await VaultTestServer.start();
  await server.admin.enableSecretsEngine('pki', 'pki');
  // The CA lives 2 hours; the role allows 24 hours.
  await server.admin.generatePkiRoot('pki', { common_name: 'Short-lived Root CA', ttl: '2h', key_type: 'ec' });
  await server.admin.writePkiRole('pki', 'web', {
    allowed_domains: ['example.com'],
    allow_subdomains: true,
    ttl: '24h',
    max_ttl: '24h',
    key_type: 'ec',
  });
});

afterEach(async () => {
  await close?.();
  close = undefined;
  await server.stop();
});

describe('PKI issue beyond the CA expiry', () => {
  it('is retried once with the TTL clipped to the CA, and status() says so', async () => {
    const { core, logger } = await coreOn(server, { watch: { enabled: false } });
    close = () => core.close();
    const cert = await core.leased.issueCertificate('web', { commonName: 'api.example.com', ttl: 86_400 });
    const caNotAfter = Date.parse(new X509Certificate(cert.issuingCa).validTo);
    expect(cert.expiresAt).toBeLessThanOrEqual(caNotAfter);
    expect(cert.expiresAt).toBeGreaterThan(caNotAfter - 10 * 60_000);
    expect(server.requestCount({ path: 'pki/issue/web' })).toBe(2);
    const notices = core.status().leases.notices;
    expect(notices['pki/issue/web/api.example.com']).toMatch(/TTL clipped to \d+ s: the issuing CA expires at/);
    expect(logger.lines.join('\n')).not.toContain(cert.privateKey);
  });

  it('a CA that has expired is a refusal, not a loop', async () => {
    server.clock.advance(3 * 3600_000);
    const { core } = await coreOn(server, { watch: { enabled: false } });
    close = () => core.close();
    await expect(core.leased.issueCertificate('web', { commonName: 'api.example.com', ttl: 3600 })).rejects.toMatchObject({
      code: 'SECRETS_VAULT_REQUEST_FAILED',
    });
    expect(server.requestCount({ path: 'pki/issue/web' })).toBeLessThanOrEqual(2);
  });
});
