import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError } from './secrets.error.js';

/**
 * Secrets declared with `SecretsModule.forFeature` could not be loaded at boot (missing, refused,
 * invalid, Vault down with no fallback): one error listing each key and why, so every problem is
 * fixed in one go, with `advice` (what to do) last. A single failure other than an outage is
 * thrown as itself (e.g. `SecretValidationError`); an outage always comes in this error, naming
 * the keys and the ways to boot without Vault.
 */
export class SecretFeatureError extends SecretsError {
  /** Each declared key that failed, with its error (never a value). */
  readonly failures: ReadonlyArray<{ key: string; error: SecretsError | Error }>;

  /**
   * @param failures - each key and its error (messages are already free of values).
   * @param advice - a closing line saying what to do, or undefined.
   */
  constructor(failures: ReadonlyArray<{ key: string; error: SecretsError | Error }>, advice?: string) {
    const count = failures.length === 1 ? '1 declared secret' : `${failures.length} declared secrets`;
    super(
      SecretsErrorCode.FeatureFailed,
      `${count} could not be loaded:\n${failures
        .map(({ key, error }) => `  - "${key}": ${error.message.split('\n').join('\n    ')}`)
        .join('\n')}${advice === undefined ? '' : `\n${advice}`}`,
      { cause: failures.length === 1 ? failures[0]!.error : undefined },
    );
    this.failures = [...failures];
  }
}
