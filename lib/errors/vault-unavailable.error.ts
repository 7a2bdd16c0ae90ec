import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError, type SecretsErrorDetails } from './secrets.error.js';

/**
 * What failed, when known:
 * - `network`: no HTTP answer (connection refused or reset, DNS);
 * - `timeout`: no answer within the deadline;
 * - `status`: Vault (or a proxy) answered 5xx, 429 or 412;
 * - `circuit-open`: this mount failed again and again: not called for a few seconds, no request sent;
 * - `path-backoff`: this path answered 429 and is backed off (`Retry-After`), no request sent;
 * - `degraded`: the module is degraded (Vault does not serve): no request sent.
 */
export type VaultUnavailableKind = 'network' | 'timeout' | 'status' | 'circuit-open' | 'path-backoff' | 'degraded';

/**
 * Vault could not be reached or could not answer: network error, timeout, 5xx, 429/412, sealed,
 * standby without an active node. This is an outage: stale cache and fallbacks may serve.
 */
export class VaultUnavailableError extends SecretsError {
  /** Seconds Vault asked us to wait (`Retry-After`), when it did. */
  declare readonly retryAfterSeconds?: number;
  /**
   * When the module tries Vault again (ms since the epoch), set when the error comes from the
   * supervisor backing off: no request was sent for this call.
   */
  declare readonly nextAttemptAt?: number;
  /** Why Vault cannot answer, when the supervisor knows: `unreachable`, `sealed`, `auth-failed`, ... */
  declare readonly reason?: string;
  /** What failed (see {@link VaultUnavailableKind}), when known. */
  declare readonly kind?: VaultUnavailableKind;

  constructor(
    reason: string,
    details: SecretsErrorDetails & {
      retryAfterSeconds?: number;
      nextAttemptAt?: number;
      reason?: string;
      kind?: VaultUnavailableKind;
    } = {},
    code: typeof SecretsErrorCode.VaultUnavailable | typeof SecretsErrorCode.VaultSealed = SecretsErrorCode.VaultUnavailable,
  ) {
    super(code, `Vault is unavailable${details.path ? ` for ${details.path}` : ''}: ${reason}`, details);
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds;
    if (details.nextAttemptAt !== undefined) this.nextAttemptAt = details.nextAttemptAt;
    if (details.reason !== undefined) this.reason = details.reason;
    if (details.kind !== undefined) this.kind = details.kind;
  }
}
