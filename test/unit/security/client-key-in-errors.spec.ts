/**
 * `clientKey` (or `VAULT_CLIENT_KEY`) given as key material without a PEM header (base64 of the
 * PEM, a bare DER body, a header lost in an env var) was quoted in the boot error as a "file
 * name", leaking up to 200 characters of the private key into logs and crash reports.
 */
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, SecretsManager } from '../../../lib/index.js';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydA==\n-----END CERTIFICATE-----\n';
const KEY_BODY = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7KEYMATERIALSECRET';
const KEY_AS_BASE64_PEM = Buffer.from(`-----BEGIN PRIVATE KEY-----\n${KEY_BODY}\n-----END PRIVATE KEY-----\n`).toString('base64');

function bootError(options: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): Error {
  try {
    new SecretsManager({ address: 'https://127.0.0.1:8200', token: 't', ...options } as never, { env });
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an InvalidOptionsError');
}

describe('clientKey never reaches a boot error', () => {
  it.each([
    ['a bare DER body', KEY_BODY],
    ['base64 of the PEM', KEY_AS_BASE64_PEM],
  ])('clientKey given as %s', (_label, key) => {
    const error = bootError({ clientCert: CERT, clientKey: key });
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error.message).toMatch(/clientKey/);
    expect(error.message).not.toContain(key.slice(0, 12));
    expect(JSON.stringify(error)).not.toContain(key.slice(0, 12));
  });

  it('VAULT_CLIENT_KEY given as base64 of the PEM', () => {
    const error = bootError({ clientCert: CERT }, { VAULT_CLIENT_KEY: KEY_AS_BASE64_PEM });
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error.message).not.toContain(KEY_AS_BASE64_PEM.slice(0, 12));
  });

  it('a clientKey path that does not exist is still named', () => {
    const error = bootError({ clientCert: CERT, clientKey: '/etc/vault/missing-client.key' });
    expect(error.message).toContain('/etc/vault/missing-client.key');
  });
});
