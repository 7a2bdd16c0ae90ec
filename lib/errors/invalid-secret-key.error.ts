import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError } from './secrets.error.js';

/** A secret key or path was rejected before any request was sent (empty segment, `.`, `..`, control characters). */
export class InvalidSecretKeyError extends SecretsError {
  /**
   * @param key - the key as given.
   * @param problem - what is wrong and how to fix it.
   * @param what - what was invalid; default `secret key` (e.g. `version` for a bad version number).
   */
  constructor(key: string, problem: string, what = 'secret key') {
    super(
      SecretsErrorCode.InvalidSecretKey,
      what === 'secret key'
        ? `Invalid secret key ${JSON.stringify(key)}: ${problem}`
        : `Invalid ${what} for secret ${JSON.stringify(key)}: ${problem}`,
    );
  }
}
