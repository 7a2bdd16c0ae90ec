import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SecretsError, SecretsErrorCode, VaultUnavailableError } from '../../lib/index.js';
import { redactText } from '../../lib/util/redact.js';

describe('redaction', () => {
  it('removes tokens, credential pairs, private keys and known values', () => {
    const text = [
      'X-Vault-Token: hvs.CAESIabcdefghijklmnopqrstuvwxyz0123',
      'authorization=Bearer s.abcdefghijklmnopqrstuvwx',
      '{"password":"p@ss-w0rd"}',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----',
      'value hunter2-marker here',
    ].join('\n');
    const out = redactText(text, ['hunter2-marker']);
    for (const leaked of ['hvs.CAESI', 's.abcdefghijklmnop', 'p@ss-w0rd', 'MIIEow', 'hunter2-marker']) expect(out).not.toContain(leaked);
    expect(out).toContain('[REDACTED]');
  });

  it('keeps a token out of an error whose cause is an HTTP library error carrying request headers', () => {
    const token = 'hvs.CAESIsecretTokenThatMustNotLeak0123456';
    const axiosLike = Object.assign(new Error(`connect ECONNREFUSED with token ${token}`), {
      code: 'ECONNREFUSED',
      config: { headers: { 'X-Vault-Token': token } },
      request: { _header: `GET /v1/secret/data/a HTTP/1.1\r\nX-Vault-Token: ${token}` },
    });
    const error = new VaultUnavailableError('connection refused', { path: 'secret/data/a', cause: axiosLike });
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(token);
    expect(JSON.stringify(error)).not.toContain(token);
    expect(String(error.stack)).not.toContain(token);
    expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('redacts a message given to the base error', () => {
    const error = new SecretsError(SecretsErrorCode.VaultRequest, 'failed for token hvs.CAESIabcdefghijklmnopqrstuvwxyz');
    expect(error.message).not.toContain('hvs.CAESI');
  });
});
