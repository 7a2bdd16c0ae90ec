/**
 * `SecretValidationError` redacted a secret's value from a schema's issue message only when the
 * message quoted it verbatim. Validators that print the received value JSON-escaped (a value with
 * a quote, a backslash or a newline: a password, a PEM body, a JSON blob) leaked it, because the
 * escaped form is not the literal one.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SecretValidationError } from '../../../lib/index.js';
import type { StandardSchemaV1 } from '../../../lib/core/schema/standard-schema.js';
import { validateSecret } from '../../../lib/core/schema/validate-secret.js';

/** A Standard Schema that wants `port` to be a number and prints what it received JSON-escaped (as arktype-style messages do). */
const schema: StandardSchemaV1<unknown, { port: number }> = {
  '~standard': {
    version: 1,
    vendor: 'custom',
    validate: (value) => {
      const data = value as Record<string, unknown>;
      return {
        issues: [
          { message: `password must be at most 8 characters (was ${JSON.stringify(data['password'])})`, path: ['password'] },
          { message: `must be a number (was ${JSON.stringify(data['port'])})`, path: ['port'] },
        ],
      };
    },
  },
};

describe('SecretValidationError never shows a value, escaped or not', () => {
  it('a value with a quote, a backslash and a newline', async () => {
    const password = 'Tr0ub4dor"&\\3\nSECOND-LINE-MARKER';
    const error = await validateSecret('db', { password, port: 'PORT"MARKER\\x' }, schema).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretValidationError);
    const shown = [String(error), JSON.stringify(error), inspect(error, { depth: 10 }), (error as Error).stack].join('\n');
    expect(shown).not.toContain('SECOND-LINE-MARKER');
    expect(shown).not.toContain('Tr0ub4dor');
    expect(shown).not.toContain('PORT');
  });
});
