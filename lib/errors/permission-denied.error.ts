import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError, type SecretsErrorDetails } from './secrets.error.js';

/**
 * Vault answered 403 for a valid token: the token's policies do not allow this operation on
 * this path. Fix the policy; retrying or logging in again will not help.
 */
export class PermissionDeniedError extends SecretsError {
  constructor(details: SecretsErrorDetails = {}) {
    super(
      SecretsErrorCode.PermissionDenied,
      `Permission denied by Vault for ${details.path ?? 'this request'}: the token's policies do not grant this capability on the path.`,
      { ...details, status: details.status ?? 403 },
    );
  }
}
