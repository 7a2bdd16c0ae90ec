import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import { SecretValidationError, type SecretValidationIssue } from '../../errors/secret-validation.error.js';
import { deepFreeze } from '../../util/deep-freeze.js';
import { redactText } from '../../util/redact.js';
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
 *   constraint; values are never included (any value of the secret found in a message is redacted).
 * @throws TypeError when `schema` is neither a class nor a Standard Schema.
 */
export async function validateSecret<S extends SecretSchema>(key: string, data: unknown, schema: S): Promise<SchemaOutput<S>> {
  const cacheable = typeof data === 'object' && data !== null ? data : undefined;
  const known = cacheable ? memo.get(cacheable)?.get(schema) : undefined;
  if (known !== undefined) return known as SchemaOutput<S>;
  const secrets = leafValues(data);
  let value: unknown;
  if (isStandardSchema(schema)) {
    const result = await schema['~standard'].validate(data);
    if (result.issues) {
      throw new SecretValidationError(
        key,
        result.issues.map((issue) => ({
          field: (issue.path ?? []).map((p) => String(typeof p === 'object' && p !== null ? p.key : p)).join('.'),
          constraint: issueCode(issue),
          message: redactText(issue.message, secrets),
        })),
        schemaName(schema),
      );
    }
    value = result.value;
  } else if (typeof schema === 'function') {
    // Implicit conversion reads design-time types through `reflect-metadata`, loaded by Nest apps; without it
    // (SecretsManager in a script) values are validated as they are.
    const implicit = typeof (Reflect as { getMetadata?: unknown }).getMetadata === 'function';
    const instance = plainToInstance(schema as SecretClass, data ?? {}, { enableImplicitConversion: implicit }) as object;
    const errors = await validate(instance, { forbidUnknownValues: true, validationError: { target: false, value: false } });
    if (errors.length > 0) throw new SecretValidationError(key, flatten(errors, '', secrets), schemaName(schema));
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

/** The vendor's issue code when it has one (zod: `too_small`, valibot: `type` ...), else `invalid`. */
function issueCode(issue: StandardSchemaV1.Issue): string {
  const code: unknown = (issue as { code?: unknown; type?: unknown }).code ?? (issue as { type?: unknown }).type;
  return typeof code === 'string' ? code : 'invalid';
}

function flatten(errors: readonly ValidationError[], prefix: string, secrets: string[]): SecretValidationIssue[] {
  const issues: SecretValidationIssue[] = [];
  for (const error of errors) {
    const field = prefix === '' ? error.property : `${prefix}.${error.property}`;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      issues.push({ field, constraint, message: redactText(message, secrets) });
    }
    if (error.children?.length) issues.push(...flatten(error.children, field, secrets));
  }
  return issues;
}

/** Every string (and number) value inside `data`, so messages can be scrubbed of them. */
function leafValues(data: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 16) return out;
  if (typeof data === 'string') {
    out.push(data);
    // Validators may print the value JSON-escaped (a quote, backslash or newline in it): redact that form too.
    const escaped = JSON.stringify(data).slice(1, -1);
    if (escaped !== data) out.push(escaped);
  } else if (typeof data === 'number' || typeof data === 'bigint') out.push(String(data));
  else if (data && typeof data === 'object') for (const value of Object.values(data)) leafValues(value, out, depth + 1);
  return out;
}
