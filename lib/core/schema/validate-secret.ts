import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import { SecretValidationError, type SecretValidationIssue } from '../../errors/secret-validation.error.js';
import { deepFreeze } from '../../util/deep-freeze.js';
import { SchemaMessageRedactor } from './schema-message.redactor.js';
import type { SchemaOutput, SecretClass, SecretSchema } from './secret-schema.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** Results per data object (the cache hands out the same frozen object while fresh) and schema. */
const memo = new WeakMap<object, Map<unknown, unknown>>();

/** Whether `schema` implements Standard Schema v1. */
export function isStandardSchema(schema: unknown): schema is StandardSchemaV1 {
  const props = (schema as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.['~standard'];
  return (typeof schema === 'object' || typeof schema === 'function') && props?.version === 1 && typeof props.validate === 'function';
}

/** A readable name of the schema for messages: the DTO class name or `<vendor> schema`. */
export function schemaName(schema: SecretSchema): string {
  if (isStandardSchema(schema)) return `the ${schema['~standard'].vendor} schema`;
  return (schema as SecretClass).name || 'the schema';
}

/**
 * Validates a secret's data against a schema and returns the typed value: a DTO instance
 * (class-validator, after class-transformer's `plainToInstance`) or the Standard Schema output.
 * The result is deep-frozen; results are memoised per (data object, schema).
 *
 * @throws SecretValidationError (code `SECRETS_INVALID_SECRET`) listing every failing field and
 *   constraint; values are never included (any value of the secret, as read or as transformed, at
 *   any depth, found in a message is redacted); also when a transform throws (constraint `threw`).
 * @throws TypeError when `schema` is neither a class nor a Standard Schema.
 */
export async function validateSecret<S extends SecretSchema>(key: string, data: unknown, schema: S): Promise<SchemaOutput<S>> {
  const cacheable = typeof data === 'object' && data !== null ? data : undefined;
  const known = cacheable ? memo.get(cacheable)?.get(schema) : undefined;
  if (known !== undefined) return known as SchemaOutput<S>;
  let value: unknown;
  if (isStandardSchema(schema)) {
    const result = await runSchema(key, schema, () => schema['~standard'].validate(data));
    if (result.issues) {
      const redactor = new SchemaMessageRedactor(data);
      throw new SecretValidationError(
        key,
        result.issues.map((issue) => ({
          field: (issue.path ?? []).map((p) => String(typeof p === 'object' && p !== null ? p.key : p)).join('.'),
          constraint: issueCode(issue),
          // A vendor may report the (transformed) input it judged: removed too.
          message: redactor.redact(issue.message, [(issue as { input?: unknown }).input]),
        })),
        schemaName(schema),
      );
    }
    value = result.value;
  } else if (typeof schema === 'function') {
    // Implicit conversion reads design-time types through `reflect-metadata`, loaded by Nest apps; without it
    // (SecretsManager in a script) values are validated as they are.
    const implicit = typeof (Reflect as { getMetadata?: unknown }).getMetadata === 'function';
    const instance = await runSchema(
      key,
      schema,
      () => plainToInstance(schema as SecretClass, data ?? {}, { enableImplicitConversion: implicit }) as object,
    );
    const errors = await runSchema(key, schema, () =>
      validate(instance, { forbidUnknownValues: true, validationError: { target: false, value: false } }),
    );
    // Messages may quote `$value` after a @Transform changed it: the instance's values are removed too.
    if (errors.length > 0)
      throw new SecretValidationError(key, flatten(errors, '', new SchemaMessageRedactor(data, instance)), schemaName(schema));
    value = instance;
  } else {
    throw new TypeError('schema must be a class-validator class or a Standard Schema object (zod, valibot, arktype)');
  }
  deepFreeze(value);
  if (cacheable) {
    const perSchema = memo.get(cacheable) ?? new Map<unknown, unknown>();
    perSchema.set(schema, value);
    memo.set(cacheable, perSchema);
  }
  return value as SchemaOutput<S>;
}

/**
 * Runs one step of a schema. A transform that throws (`JSON.parse` of a value that is not JSON)
 * becomes a SecretValidationError naming the error's class; its message is withheld, since it
 * may quote the value (`Unexpected token 'p', "p@ss..." is not valid JSON`).
 */
async function runSchema<T>(key: string, schema: SecretSchema, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof SecretValidationError) throw error;
    const kind = error instanceof Error ? error.constructor.name || 'Error' : typeof error;
    throw new SecretValidationError(
      key,
      [
        {
          field: '',
          constraint: 'threw',
          message: `the schema threw ${kind} while reading the secret; its message is withheld (it may quote the value)`,
        },
      ],
      schemaName(schema),
    );
  }
}

/** The vendor's issue code when it has one (zod: `too_small`, valibot: `type` ...), else `invalid`. */
function issueCode(issue: StandardSchemaV1.Issue): string {
  const code: unknown = (issue as { code?: unknown; type?: unknown }).code ?? (issue as { type?: unknown }).type;
  return typeof code === 'string' ? code : 'invalid';
}

function flatten(errors: readonly ValidationError[], prefix: string, redactor: SchemaMessageRedactor): SecretValidationIssue[] {
  const issues: SecretValidationIssue[] = [];
  for (const error of errors) {
    const field = prefix === '' ? error.property : `${prefix}.${error.property}`;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      issues.push({ field, constraint, message: redactor.redact(message) });
    }
    if (error.children?.length) issues.push(...flatten(error.children, field, redactor));
  }
  return issues;
}
