import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError, type SecretsErrorDetails } from './secrets.error.js';

/** Why a KV read found nothing: never written, soft-deleted, or destroyed. */
export type SecretNotFoundReason = 'missing' | 'deleted' | 'destroyed';

/**
 * The secret does not exist at that path (Vault answered 404), or the requested KV v2 version
 * was soft-deleted (`reason: 'deleted'`, can be undeleted) or destroyed (`reason: 'destroyed'`).
 * Not an outage: never served from a fallback.
 */
export class SecretNotFoundError extends SecretsError {
  /** What Vault said about the version. */
  readonly reason: SecretNotFoundReason;
  /** The KV v2 version that was asked for or found deleted, when known. */
  declare readonly version?: number;

  constructor(key: string, reason: SecretNotFoundReason, details: SecretsErrorDetails & { version?: number; hint?: string } = {}) {
    const which = details.version === undefined ? '' : ` version ${details.version}`;
    const why =
      reason === 'missing'
        ? 'does not exist'
        : reason === 'deleted'
          ? 'was soft-deleted (it can be restored with `vault kv undelete`)'
          : 'was destroyed (its data is gone for good)';
    const status = details.status === undefined ? '' : ` (HTTP ${details.status})`;
    super(
      SecretsErrorCode.NotFound,
      `Secret "${key}"${which} ${why} at ${details.path ?? 'Vault'}${status}.${details.hint ?? ''}`,
      details,
    );
    this.reason = reason;
    if (details.version !== undefined) this.version = details.version;
  }
}
