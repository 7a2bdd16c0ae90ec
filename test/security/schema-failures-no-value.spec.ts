/**
 * Issue 22 item 9: every schema failure is a SecretValidationError with no value in it, at any
 * depth: a message quoting `$value` after a @Transform or a zod `.transform().pipe()` changed the
 * value, a value nested deeper than 16 levels, and a transform that throws (JSON.parse).
 */
import 'reflect-metadata';
import { inspect } from 'node:util';
import { Transform } from 'class-transformer';
import { MinLength, IsInt } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SecretValidationError } from '../../lib/index.js';
import type { StandardSchemaV1 } from '../../lib/core/schema/standard-schema.js';
import { validateSecret } from '../../lib/core/schema/validate-secret.js';

function shown(error: unknown): string {
  return [String(error), JSON.stringify(error), inspect(error, { depth: 20, showHidden: true }), (error as Error).stack].join('\n');
}

class TrimmedPassword {
  @Transform(({ value }: { value: string }) => value.trim().toUpperCase())
  @MinLength(64, { message: 'password $value is too short' })
  password!: string;
}

describe('schema failures never show a value (issue 22 item 9)', () => {
  it('class-validator: a @Transform changed the value and the message quotes $value', async () => {
    const error = await validateSecret('db', { password: '  hunter2-transform-marker  ' }, TrimmedPassword).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretValidationError);
    expect(shown(error).toLowerCase()).not.toContain('hunter2-transform');
    expect((error as SecretValidationError).issues[0]).toMatchObject({ field: 'password', constraint: 'minLength' });
  });

  it('zod: .transform().pipe() with a message quoting the transformed input', async () => {
    const schema = z.object({
      token: z
        .string()
        .transform((s) => s.slice(2, -2))
        .pipe(z.string().regex(/^x/, { error: (issue) => `expected x…, got ${String(issue.input)}` })),
    });
    const error = await validateSecret('api', { token: '##pipe-value-marker-77##' }, schema).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretValidationError);
    expect(shown(error)).not.toContain('pipe-value-marker');
  });

  it('a value nested deeper than 16 levels, quoted by the message', async () => {
    let nested: Record<string, unknown> = { leaf: 'deep-leaf-marker-4242' };
    for (let i = 0; i < 30; i += 1) nested = { level: nested };
    const schema: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'custom',
        validate: () => ({ issues: [{ message: 'leaf "deep-leaf-marker-4242" is not allowed', path: ['level'] }] }),
      },
    };
    const error = await validateSecret('deep', nested, schema).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretValidationError);
    expect(shown(error)).not.toContain('deep-leaf-marker');
  });

  it('zod: a transform that throws (JSON.parse of a value that is not JSON)', async () => {
    const schema = z.object({ config: z.string().transform((s) => JSON.parse(s) as unknown) });
    const error = await validateSecret('cfg', { config: 'p@ss-json-marker-not-json' }, schema).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretValidationError);
    expect((error as SecretValidationError).issues[0]).toMatchObject({ constraint: 'threw' });
    expect((error as Error).message).toContain('SyntaxError');
    expect(shown(error)).not.toContain('json-marker');
    expect(shown(error)).not.toContain('p@ss');
  });

  it('class-validator: a @Transform that throws', async () => {
    class Parsed {
      @Transform(({ value }: { value: string }) => JSON.parse(value) as unknown)
      @IsInt()
      port!: number;
    }
    const error = await validateSecret('svc', { port: 'port-json-marker' }, Parsed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretValidationError);
    expect(shown(error)).not.toContain('port-json-marker');
  });
});
