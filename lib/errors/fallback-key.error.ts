import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError } from './secrets.error.js';

/**
 * The key or passphrase of an encrypted fallback file could not be obtained or is not acceptable:
 * the environment variable is unset or empty, the key file cannot be read, both or neither of
 * `keyEnv` / `keyFile` were given, the passphrase is too short, or a file that needs a key was
 * given none. Code `SECRETS_FALLBACK_KEY`. The message names the variable or file, never the key.
 */
export class FallbackKeyError extends SecretsError {
  /**
   * @param problem - what is wrong and how to fix it (must not contain key material).
   * @param cause - the underlying error (e.g. the `ENOENT` of a key file), sanitized.
   */
  constructor(problem: string, cause?: unknown) {
    super(SecretsErrorCode.FallbackKey, `Fallback key: ${problem}`, cause === undefined ? {} : { cause });
  }
}
