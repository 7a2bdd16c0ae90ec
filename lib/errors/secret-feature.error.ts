import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError } from './secrets.error.js';

/**
 * Several secrets declared with `SecretsModule.forFeature` could not be loaded at boot (missing,
 * refused, invalid, Vault down with no fallback): one error listing each key and why, so every
 * problem is fixed in one go. A single failure is thrown as itself (e.g. `SecretValidationError`).
 */
export class SecretFeatureError extends SecretsError {
  /** Each declared key that failed, with its error (never a value). */
  readonly failures: ReadonlyArray<{ key: string; error: SecretsError | Error }>;

  constructor(failures: ReadonlyArray<{ key: string; error: SecretsError | Error }>) {
    super(
      SecretsErrorCode.FeatureFailed,
      `${failures.length} declared secrets could not be loaded:\n${failures
        .map(({ key, error }) => `  - "${key}": ${error.message.split('\n').join('\n    ')}`)
        .join('\n')}`,
    );
    this.failures = [...failures];
  }
}
