/**
 * The `cert` auth method against the test server's HTTPS listener that asks for client
 * certificates (Vault's default when cert auth is enabled): login with the TLS client
 * certificate, role selection by `name`, common-name constraints, intermediate chains, and
 * refusals as typed errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionsError, SecretsManager, type SecretsError, type VaultConfig } from '../../lib/index.js';
import {
  createTestCertificateAuthority,
  issueTestClientCertificate,
  VaultTestServer,
  type TestCertificateAuthority,
  type TestClientCertificate,
} from '@nestjs-vault-secrets/vault-test-server';
import { CapturingLogger } from '../support/capture-logs.js';

let server: VaultTestServer;
let clientCa: TestCertificateAuthority;
let web: TestClientCertificate;
let db: TestClientCertificate;
let stranger: TestClientCertificate;
let viaIntermediate: TestClientCertificate;

beforeAll(async () => {
  clientCa = await createTestCertificateAuthority('Client CA');
  const intermediate = await createTestCertificateAuthority('Client Intermediate CA', clientCa);
  const strangerCa = await createTestCertificateAuthority('Stranger CA');
  [web, db, stranger, viaIntermediate] = await Promise.all([
    issueTestClientCertificate(clientCa, 'web-1'),
    issueTestClientCertificate(clientCa, 'db-1'),
    issueTestClientCertificate(strangerCa, 'web-1'),
    issueTestClientCertificate(intermediate, 'web-2', { chain: [intermediate] }),
  ]);
  server = await VaultTestServer.start({ tls: { clientCertificates: 'request' } });
  await server.admin.kvPut('secret', 'app/db', { password: 'cert-login' });
  await server.admin.writePolicy('app-read', 'path "secret/data/app/*" { capabilities = ["read"] }');
  // Set up as on a real Vault: enable the method, then a certificate role trusting the client CA.
  await server.admin.enableAuthMethod('cert', 'cert');
  await server.admin.writeCertRole('cert', 'web', {
    certificate: clientCa.certPem,
    allowed_common_names: ['web-*'],
    token_policies: ['app-read'],
    token_ttl: 600,
  });
});
afterAll(() => server.stop());

function manager(client: TestClientCertificate | undefined, auth: VaultConfig['auth'] = { method: 'cert', name: 'web' }): SecretsManager {
  return new SecretsManager(
    {
      address: server.address,
      caCert: server.caCertPem,
      auth,
      secretsPath: 'secret/app',
      watch: { enabled: false },
      ...(client ? { clientCert: client.certPem, clientKey: client.keyPem } : {}),
    },
    { env: {}, logger: new CapturingLogger() },
  );
}

async function loginError(m: SecretsManager): Promise<SecretsError> {
  try {
    const error = await m.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    return error as SecretsError;
  } finally {
    await m.close();
  }
}

describe('cert auth', () => {
  it('logs in with the client certificate (POST auth/cert/login with the role name) and reads with the token', async () => {
    server.clearRequests();
    const m = manager(web);
    try {
      await m.start();
      expect(await m.fetchSecret('db')).toEqual({ password: 'cert-login' });
      expect(m.tokenInfo()?.policies).toEqual(['app-read', 'default']);
      expect(server.requestCount({ method: 'POST', path: 'auth/cert/login' })).toBe(1);
    } finally {
      await m.close();
    }
  });

  it('without a role name, Vault picks the role whose CA the certificate chains to', async () => {
    const m = manager(web, { method: 'cert' });
    try {
      await m.start();
      expect(await m.fetchSecret('db')).toEqual({ password: 'cert-login' });
    } finally {
      await m.close();
    }
  });

  it('accepts a certificate issued by an intermediate when the client presents the chain', async () => {
    const m = manager(viaIntermediate);
    try {
      await m.start();
      expect(await m.fetchSecret('db')).toEqual({ password: 'cert-login' });
    } finally {
      await m.close();
    }
  });

  it('a certificate from an untrusted CA, or with a common name the role does not allow: a typed refusal quoting Vault', async () => {
    for (const client of [stranger, db]) {
      const error = await loginError(manager(client));
      expect(error.code).toMatch(/^SECRETS_/);
      expect(error.message).toContain('invalid certificate or no client certificate supplied');
      expect(error.message).not.toContain('PRIVATE KEY');
    }
  });

  it('cert auth without a client certificate fails at boot saying what to set', () => {
    expect(() => manager(undefined)).toThrow(InvalidOptionsError);
    expect(() => manager(undefined)).toThrow(/the cert auth method logs in with the TLS client certificate: set clientCert and clientKey/);
  });

  it('rejects unknown options of the cert method', () => {
    expect(() => manager(web, { method: 'cert', name: 'web', role: 'x' } as unknown as VaultConfig['auth'])).toThrow(
      /unknown option "auth.role" for the cert method/,
    );
  });
});
