import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError } from './secrets.error.js';

/** One failing field of a secret: where and which rule, never the value. */
export interface SecretValidationIssue {
  /** Dotted path of the field, e.g. `password` or `brokers.0`; `''` for the whole secret. */
  field: string;
  /** The rule that failed, e.g. `minLength`, `isInt` (class-validator) or `invalid_type` (Standard Schema code, when given). */
  constraint: string;
  /** The schema's message, with any value of the secret removed. */
  message: string;
}

/**
 * A secret's data does not match the schema it was declared with
 * (`fetchSecret(key, { schema })`, `SecretsModule.forFeature([{ key, schema }])`).
 * Lists every failing field and constraint in `issues` and in the message; never a value.
 * Fix the secret in Vault (or the schema); the message names what to change.
 */
export class SecretValidationError extends SecretsError {
  /** The key that was read, e.g. `database`. */
  readonly key: string;
  /** Every failing field and constraint. */
  readonly issues: readonly SecretValidationIssue[];

  constructor(key: string, issues: readonly SecretValidationIssue[], schemaName: string) {
    super(
      SecretsErrorCode.InvalidSecret,
      `Secret "${key}" does not match ${schemaName} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${issues
        .map((i) => `  - ${i.field === '' ? 'the secret' : `field "${i.field}"`} fails ${i.constraint} (${i.message})`)
        .join('\n')}`,
    );
    this.key = key;
    this.issues = issues.map((issue) => ({ ...issue }));
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), key: this.key, issues: this.issues };
  }
}
