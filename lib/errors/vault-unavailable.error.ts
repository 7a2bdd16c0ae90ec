import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError, type SecretsErrorDetails } from './secrets.error.js';

/**
 * Vault could not be reached or could not answer: network error, timeout, 5xx, 429/412, sealed,
 * standby without an active node. This is an outage: stale cache and fallbacks may serve.
 */
export class VaultUnavailableError extends SecretsError {
  /** Seconds Vault asked us to wait (`Retry-After`), when it did. */
  declare readonly retryAfterSeconds?: number;

  constructor(
    reason: string,
    details: SecretsErrorDetails & { retryAfterSeconds?: number } = {},
    code: typeof SecretsErrorCode.VaultUnavailable | typeof SecretsErrorCode.VaultSealed = SecretsErrorCode.VaultUnavailable,
  ) {
    super(code, `Vault is unavailable${details.path ? ` for ${details.path}` : ''}: ${reason}`, details);
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds;
  }
}
