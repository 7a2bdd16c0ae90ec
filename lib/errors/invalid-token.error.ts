import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError, type SecretsErrorDetails } from './secrets.error.js';

/**
 * Vault answered 403 with `invalid token`: the token is unknown, expired or revoked.
 * The module logs in again when its auth method can; otherwise supply a new token.
 */
export class InvalidTokenError extends SecretsError {
  constructor(details: SecretsErrorDetails = {}) {
    super(
      SecretsErrorCode.InvalidToken,
      `Vault rejected the token for ${details.path ?? 'this request'}: it is expired, revoked or unknown. Provide a valid token (VAULT_TOKEN) or configure an auth method.`,
      { ...details, status: details.status ?? 403 },
    );
  }
}
