/**
 * TLS against the test server's HTTPS listener, with real certificates: CA from a file, from PEM
 * text and from VAULT_CACERT; no CA, a wrong CA and a hostname mismatch are configuration errors
 * (VaultTlsError), never "unavailable", and never retried; `verifySsl: false` skips verification.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import tls, { connect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  SecretsErrorCode,
  SecretsManager,
  VaultTlsError,
  VaultUnavailableError,
  type SecretsError,
  type VaultConfig,
} from '../../lib/index.js';
import { mapTransportError } from '../../lib/transport/map-vault-error.js';
import { createTestCertificateAuthority, VaultAdmin, VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
// The CLI's entry function is not part of the package's API: this test drives it from its source.
import { runCli } from '../../packages/vault-test-server/src/cli.js';
import { CapturingLogger } from '../support/capture-logs.js';

const SECRETS_PATH = 'secret/data/app';

let server: VaultTestServer;
let mismatched: VaultTestServer;
let dir: string;
let caFile: string;
let otherCaPem: string;

beforeAll(async () => {
  [server, mismatched] = await Promise.all([
    VaultTestServer.start({ tls: true }),
    VaultTestServer.start({ tls: { hostname: 'vault.internal' } }),
  ]);
  // The admin client talks HTTPS with the server's CA (and, for `mismatched`, its certificate name).
  await server.admin.kvPut('secret', 'app/database', { password: 'over-tls' });
  await mismatched.admin.kvPut('secret', 'app/database', { password: 'over-tls' });
  dir = mkdtempSync(join(tmpdir(), 'tls-spec-'));
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, server.caCertPem ?? '');
  otherCaPem = (await createTestCertificateAuthority('Another CA')).certPem;
});

afterAll(async () => {
  await Promise.all([server.stop(), mismatched.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

function manager(config: Partial<VaultConfig>, env: NodeJS.ProcessEnv = {}, target = server): SecretsManager {
  return new SecretsManager(
    { address: target.address, token: target.rootToken, secretsPath: SECRETS_PATH, ...config },
    { env, logger: new CapturingLogger() },
  );
}

/** Boots a manager, reads one secret and closes it. */
async function readsOverTls(m: SecretsManager): Promise<void> {
  try {
    await m.start();
    expect(await m.fetchSecret('database')).toEqual({ password: 'over-tls' });
  } finally {
    await m.close();
  }
}

/** Boots a manager that must fail TLS: boot and a read both reject with VaultTlsError after one connection attempt each. */
async function failsTls(m: SecretsManager, target = server): Promise<SecretsError> {
  // Counts the client's TLS connection attempts (undici's connector calls tls.connect): a retried call would open more than one.
  const connections = vi.spyOn(tls, 'connect');
  target.clearRequests();
  try {
    const bootError = await m.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(bootError).toBeInstanceOf(VaultTlsError);
    expect(bootError).not.toBeInstanceOf(VaultUnavailableError);
    expect((bootError as SecretsError).code).toBe(SecretsErrorCode.Tls);
    expect(connections).toHaveBeenCalledTimes(1);

    const readError = await m.fetchSecret('database').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(readError).toBeInstanceOf(VaultTlsError);
    expect((readError as SecretsError).code).toBe('SECRETS_TLS_ERROR');
    // The read (which first looks the token up again) also failed at its first attempt.
    expect(connections).toHaveBeenCalledTimes(2);
    // The handshake failed, so no request ever reached Vault.
    expect(target.requestCount()).toBe(0);
    return readError as SecretsError;
  } finally {
    await m.close();
  }
}

describe('VaultTestServer over HTTPS', () => {
  it('listens on https://127.0.0.1:PORT with a certificate from its own CA', () => {
    expect(server.address).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(server.caCertPem).toContain('-----BEGIN CERTIFICATE-----');
    expect(mismatched.caCertPem).not.toBe(server.caCertPem);
  });

  it('keeps serving the LIST method over TLS', async () => {
    const port = Number(new URL(server.address).port);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ca: server.caCertPem }, () => {
        socket.write(
          `LIST /v1/secret/metadata/app/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Vault-Token: ${server.rootToken}\r\nConnection: close\r\n\r\n`,
        );
      });
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', reject);
    });
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(answer).toContain('"keys":["database"]');
    expect(server.requests.at(-1)).toMatchObject({ method: 'LIST', path: 'secret/metadata/app/' });
  });

  it('serves the admin client over HTTPS with its CA, and refuses it without', async () => {
    expect(await server.admin.request('GET', 'secret/data/app/database')).toMatchObject({ data: { data: { password: 'over-tls' } } });
    await expect(new VaultAdmin(server.address, server.rootToken).request('GET', 'secret/data/app/database')).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  it('stops while a keep-alive HTTPS connection is open', async () => {
    const other = await VaultTestServer.start({ tls: true });
    const agent = new https.Agent({ keepAlive: true, ca: other.caCertPem });
    try {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        https
          .get(`${other.address}/v1/sys/health`, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
          })
          .on('error', reject);
      });
      expect(status).toBe(200);
      await other.stop();
    } finally {
      agent.destroy();
    }
  });

  it('rejects an empty tls.hostname', async () => {
    await expect(VaultTestServer.start({ tls: { hostname: ' ' } })).rejects.toThrow('tls.hostname must not be empty');
  });

  it('the CLI with --tls writes the CA to a file and prints VAULT_CACERT', async () => {
    const lines: string[] = [];
    const cli = await runCli(['--port', '0', '--root-token', 'root', '--tls'], (line) => lines.push(line));
    const caLine = lines.find((line) => line.startsWith('VAULT_CACERT='));
    try {
      expect(lines).toEqual([`VAULT_ADDR=${cli.address}`, 'VAULT_TOKEN=root', caLine]);
      expect(cli.address).toMatch(/^https:\/\//);
      const path = caLine?.slice('VAULT_CACERT='.length) ?? '';
      expect(readFileSync(path, 'utf8')).toBe(cli.caCertPem);
      await cli.admin.kvPut('secret', 'app/database', { password: 'over-tls' });
      await readsOverTls(
        new SecretsManager(
          { secretsPath: SECRETS_PATH },
          { env: { VAULT_ADDR: cli.address, VAULT_TOKEN: 'root', VAULT_CACERT: path }, logger: new CapturingLogger() },
        ),
      );
    } finally {
      await cli.stop();
      if (caLine) rmSync(dirname(caLine.slice('VAULT_CACERT='.length)), { recursive: true, force: true });
    }
  });
});

describe('the library over TLS', () => {
  it('reads with the CA given as a file path', async () => {
    await readsOverTls(manager({ caCert: caFile }));
  });

  it('reads with the CA given as PEM text', async () => {
    await readsOverTls(manager({ caCert: server.caCertPem }));
  });

  it('reads with the CA from VAULT_CACERT', async () => {
    await readsOverTls(manager({}, { VAULT_CACERT: caFile }));
  });

  it('reads through "localhost", the certificate\'s other name', async () => {
    await readsOverTls(
      new SecretsManager(
        { address: server.address.replace('127.0.0.1', 'localhost'), token: server.rootToken, secretsPath: SECRETS_PATH, caCert: caFile },
        { env: {}, logger: new CapturingLogger() },
      ),
    );
  });

  it('without a CA: VaultTlsError (a configuration problem), not VaultUnavailableError, not retried', async () => {
    const error = await failsTls(manager({}));
    expect(error.message).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(error.message).toContain('caCert');
  });

  it('with the wrong CA: VaultTlsError, not retried', async () => {
    const error = await failsTls(manager({ caCert: otherCaPem }));
    expect(error.message).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('when the certificate is for another host name: VaultTlsError, not retried', async () => {
    const error = await failsTls(manager({ caCert: mismatched.caCertPem }, {}, mismatched), mismatched);
    expect(error.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('https:// to a plain-HTTP Vault: VaultTlsError, at once', async () => {
    const plain = await VaultTestServer.start();
    try {
      const address = plain.address.replace('http://', 'https://');
      await failsTls(
        new SecretsManager({ address, token: plain.rootToken, secretsPath: SECRETS_PATH }, { env: {}, logger: new CapturingLogger() }),
        plain,
      );
    } finally {
      await plain.stop();
    }
  });

  it('with verifySsl: false, reads without a CA (and with the wrong one, and from VAULT_SKIP_VERIFY)', async () => {
    await readsOverTls(manager({ verifySsl: false }));
    await readsOverTls(manager({ verifySsl: false, caCert: otherCaPem }));
    await readsOverTls(manager({}, { VAULT_SKIP_VERIFY: 'true' }));
  });

  it('verifies by default: VAULT_SKIP_VERIFY=false and unset both verify', async () => {
    await failsTls(manager({}, { VAULT_SKIP_VERIFY: 'false' }));
  });
});

describe('mapTransportError', () => {
  const withCode = (message: string, code: string | undefined, cause?: unknown): Error =>
    Object.assign(new Error(message, cause === undefined ? undefined : { cause }), code === undefined ? {} : { code });

  it('finds a TLS code on the error or anywhere in its cause chain', () => {
    expect(mapTransportError(withCode('x', 'ERR_TLS_CERT_ALTNAME_INVALID'), 'p')).toBeInstanceOf(VaultTlsError);
    expect(mapTransportError(withCode('x', undefined, withCode('y', 'SELF_SIGNED_CERT_IN_CHAIN')), 'p')).toBeInstanceOf(VaultTlsError);
    // An outer generic code does not hide the TLS cause.
    const nested = withCode('x', 'ERR_NETWORK', withCode('y', undefined, withCode('z', 'CERT_HAS_EXPIRED')));
    expect(mapTransportError(nested, 'p')).toMatchObject({
      code: SecretsErrorCode.Tls,
      message: expect.stringContaining('CERT_HAS_EXPIRED'),
    });
    expect(mapTransportError(withCode('x', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'), 'p')).toBeInstanceOf(VaultTlsError);
  });

  it('keeps network failures "unavailable"', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', undefined]) {
      const error = mapTransportError(withCode('x', code), 'p');
      expect(error).toBeInstanceOf(VaultUnavailableError);
      expect(error).not.toBeInstanceOf(VaultTlsError);
    }
  });
});

describe('plain http:// to a remote host', () => {
  it('is logged as a warning at boot', async () => {
    const logger = new CapturingLogger();
    // `.test` never resolves (RFC 6761): boot finds Vault unavailable, quickly, and goes on.
    const m = new SecretsManager(
      { address: 'http://vault.example.test:8200', token: 'hvs.x', requestTimeoutMs: 1000, maxRetries: 0 },
      { env: {}, logger },
    );
    try {
      await m.start();
    } finally {
      await m.close();
    }
    expect(logger.lines.filter((line) => line.startsWith('warn ') && line.includes('plain http://'))).toHaveLength(1);
    expect(logger.text).toContain('address http://vault.example.test:8200 uses plain http:// to a host that is not loopback');
  });

  it('is not warned about for loopback', async () => {
    const logger = new CapturingLogger();
    const plain = await VaultTestServer.start();
    const m = new SecretsManager({ address: plain.address, token: plain.rootToken }, { env: {}, logger });
    try {
      await m.start();
    } finally {
      await m.close();
      await plain.stop();
    }
    expect(logger.text).not.toContain('plain http://');
  });
});
