/**
 * Attacks on option validation: wrong types, hostile values, prototype keys, auth mistakes.
 * Expected everywhere: one typed InvalidOptionsError listing every problem, nothing crashing, no value echoed.
 */
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../../lib/index.js';
import { resolveVaultConfig } from '../../../lib/core/resolve-vault-config.js';
import { MARKER_CRED, MARKER_TOKEN } from '../../support/leak-markers.js';

const A = 'http://127.0.0.1:8200';

function problemsOf(input: unknown): { error: unknown } {
  try {
    resolveVaultConfig(input, {});
    return { error: undefined };
  } catch (error) {
    return { error };
  }
}

describe('options: hostile values are all reported, none echoed (held)', () => {
  it('lists every problem of a batch of hostile values in one InvalidOptionsError without echoing values', () => {
    const { error } = problemsOf({
      address: `http://user:${MARKER_TOKEN}@vault:8200`,
      token: `${MARKER_TOKEN}\n`,
      requestTimeoutMs: -5,
      bulkConcurrency: Number.NaN,
      cache: { ttlMs: Infinity, maxEntries: 1e12, extra: MARKER_CRED },
      verifySsl: 'false',
      kvVersion: '2',
      adress: 'typo',
      onTokenRenewalFailed: MARKER_CRED,
    });
    expect(error).toBeInstanceOf(InvalidOptionsError);
    const e = error as InvalidOptionsError;
    expect(e.problems.length).toBeGreaterThanOrEqual(9);
    expect(e.message).not.toContain(MARKER_TOKEN);
    expect(e.message).not.toContain(MARKER_CRED);
  });

  it('rejects javascript:, ftp: and garbage addresses, and auth mistakes, all typed', () => {
    for (const input of [
      { address: 'javascript:alert(1)', token: 't' },
      { address: 'ftp://vault', token: 't' },
      { address: `not a url ${MARKER_TOKEN}`, token: 't' },
      { address: A, auth: { method: 'approle', secretId: MARKER_CRED } },
      { address: A, auth: { method: 'userpass', username: 'u', password: '', passwordFile: '/x' } },
      { address: A, auth: { method: 'nope' } },
      { address: A, auth: MARKER_CRED },
    ]) {
      const { error } = problemsOf(input);
      expect(error, JSON.stringify(input)).toBeInstanceOf(InvalidOptionsError);
      expect((error as Error).message).not.toContain(MARKER_TOKEN);
      expect((error as Error).message).not.toContain(MARKER_CRED);
    }
  });
});

describe('options: regressions', () => {
  it('regression: non-string secretsPath crashes with a TypeError instead of InvalidOptionsError', () => {
    for (const secretsPath of [{ path: 'secret/app' }, 42, ['secret', 'app']]) {
      const { error } = problemsOf({ address: A, token: 't', secretsPath });
      expect(error, `secretsPath ${JSON.stringify(secretsPath)}`).toBeInstanceOf(InvalidOptionsError);
    }
  });

  it('regression: auth.method naming an Object.prototype member crashes with TypeError (known.includes is not a function)', () => {
    for (const method of ['constructor', '__proto__', 'hasOwnProperty']) {
      const { error } = problemsOf({ address: A, auth: { method, roleId: 'r' } });
      expect(error, `auth.method ${method}`).toBeInstanceOf(InvalidOptionsError);
      expect((error as InvalidOptionsError).problems.join('\n')).toMatch(/auth\.method must be one of/);
    }
  });

  it('regression: prototype keys (__proto__, constructor) and non-object cache are silently accepted instead of reported', () => {
    const inputs: unknown[] = [
      JSON.parse(`{"address":"${A}","token":"t","__proto__":{"verifySsl":false}}`),
      { address: A, token: 't', constructor: { verifySsl: false } },
      JSON.parse(`{"address":"${A}","token":"t","cache":{"__proto__":{"ttlMs":-1}}}`),
      { address: A, token: 't', cache: [] },
    ];
    for (const input of inputs) {
      const { error } = problemsOf(input);
      expect(error, JSON.stringify(input)).toBeInstanceOf(InvalidOptionsError);
    }
  });

  it('regression: a credential given as a function (auth.roleId / auth.password) passes validation and only fails at login', () => {
    for (const auth of [
      { method: 'approle', roleId: () => 'role' },
      { method: 'userpass', username: 'u', password: () => 'p' },
      { method: 'token', token: () => 't' },
    ]) {
      const { error } = problemsOf({ address: A, auth });
      expect(error, `auth ${auth.method}`).toBeInstanceOf(InvalidOptionsError);
    }
  });
});
