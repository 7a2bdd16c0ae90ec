import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError } from './secrets.error.js';

/** A secret key or path was rejected before any request was sent (empty segment, `.`, `..`, control characters). */
export class InvalidSecretKeyError extends SecretsError {
  constructor(key: string, problem: string) {
    super(SecretsErrorCode.InvalidSecretKey, `Invalid secret key ${JSON.stringify(key)}: ${problem}`);
  }
}
