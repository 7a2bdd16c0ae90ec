import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError, type SecretsErrorDetails } from './secrets.error.js';

/**
 * The module could not obtain or keep a Vault token: the login was refused, credentials could
 * not be read, or renewal and re-login failed for good.
 */
export class AuthFailedError extends SecretsError {
  constructor(message: string, details: SecretsErrorDetails = {}) {
    super(SecretsErrorCode.AuthFailed, message, details);
  }
}
