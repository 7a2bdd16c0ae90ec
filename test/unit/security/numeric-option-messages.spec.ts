/** A number option given a non-number says "whole number", not a misleading range message. */
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../../lib/index.js';
import { resolveVaultConfig } from '../../../lib/core/resolve-vault-config.js';

const base = { address: 'http://127.0.0.1:8200', token: 'hvs.example-token-for-tests' };

describe('numeric options given something else', () => {
  it.each(['connectTimeoutMs', 'maxConcurrentRequests', 'requestTimeoutMs', 'maxRetries', 'bulkConcurrency'])(
    '%s: NaN and a numeric string are reported as "whole number"',
    (name) => {
      for (const value of [Number.NaN, '1000']) {
        let error: unknown;
        try {
          resolveVaultConfig({ ...base, [name]: value }, {});
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(InvalidOptionsError);
        const problems = (error as InvalidOptionsError).problems.filter((p) => p.startsWith(name));
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(/whole number/);
      }
    },
  );
});
