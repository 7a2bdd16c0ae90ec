/**
 * Issue 22 item 18 (second half): `requestTimeoutMs` is the whole-request deadline, connection
 * included, yet with `requestTimeoutMs: 2000` the 3000 ms default `connectTimeoutMs` let a boot wait
 * 3.02 s. The default now follows `requestTimeoutMs` (never longer); an explicit `connectTimeoutMs`
 * longer than `requestTimeoutMs` cannot be honoured and fails at boot, naming both values.
 */
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../lib/index.js';
import { resolveVaultConfig } from '../../lib/core/resolve-vault-config.js';

const BASE = { address: 'http://127.0.0.1:8200', token: 'hvs.test', fallbackEnv: false } as const;

describe('connectTimeoutMs is bounded by requestTimeoutMs', () => {
  it('the default connect deadline is 3000 ms, or requestTimeoutMs when that is shorter', () => {
    expect(resolveVaultConfig(BASE, {}).connectTimeoutMs).toBe(3000);
    expect(resolveVaultConfig({ ...BASE, requestTimeoutMs: 2000 }, {}).connectTimeoutMs).toBe(2000);
    expect(resolveVaultConfig({ ...BASE, requestTimeoutMs: 60_000 }, {}).connectTimeoutMs).toBe(3000);
  });

  it('an explicit connectTimeoutMs up to requestTimeoutMs is kept', () => {
    expect(resolveVaultConfig({ ...BASE, requestTimeoutMs: 2000, connectTimeoutMs: 500 }, {}).connectTimeoutMs).toBe(500);
    expect(resolveVaultConfig({ ...BASE, requestTimeoutMs: 2000, connectTimeoutMs: 2000 }, {}).connectTimeoutMs).toBe(2000);
  });

  it('an explicit connectTimeoutMs longer than requestTimeoutMs fails at boot, naming both', () => {
    let error: unknown;
    try {
      resolveVaultConfig({ ...BASE, requestTimeoutMs: 2000, connectTimeoutMs: 5000 }, {});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    const problems = (error as InvalidOptionsError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/connectTimeoutMs \(5000\).*requestTimeoutMs \(2000\)/);
  });

  it('an explicit connectTimeoutMs above the default requestTimeoutMs (10000) fails too', () => {
    expect(() => resolveVaultConfig({ ...BASE, connectTimeoutMs: 15_000 }, {})).toThrow(/requestTimeoutMs \(10000\)/);
  });
});
