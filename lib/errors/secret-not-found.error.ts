import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError, type SecretsErrorDetails } from './secrets.error.js';

/**
 * Why a read found nothing: never written, soft-deleted, destroyed, or no secrets engine is
 * mounted at the path at all (`no-mount`: Vault's `no handler for route` 404).
 */
export type SecretNotFoundReason = 'missing' | 'deleted' | 'destroyed' | 'no-mount';

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

  /** With reason `no-mount`: the mount that does not exist, e.g. `database/`. */
  declare readonly mount?: string;

  constructor(
    key: string,
    reason: SecretNotFoundReason,
    details: SecretsErrorDetails & { version?: number; hint?: string; mount?: string; vaultMessage?: string } = {},
  ) {
    if (reason === 'no-mount') {
      super(
        SecretsErrorCode.NotFound,
        `No secrets engine is mounted at "${details.mount ?? key}" (HTTP 404 for ${details.path ?? key}${details.vaultMessage ? `: ${details.vaultMessage}` : ''}). Check the mount in secretsPath (or the secretsMount option), or enable the engine there.`,
        details,
      );
      this.reason = reason;
      if (details.mount !== undefined) this.mount = details.mount;
      return;
    }
    const which = details.version === undefined ? '' : ` version ${details.version}`;
    const why =
      reason === 'missing'
        ? 'does not exist'
        : reason === 'deleted'
          ? 'was soft-deleted (it can be restored with `vault kv undelete`)'
          : 'was destroyed (its data is gone for good)';
    const status = details.status === undefined ? '' : ` (HTTP ${details.status})`;
    // A plain miss is most often a wrong key or path: say what to check, unless the caller knows better.
    const hint =
      details.hint ??
      (reason === 'missing'
        ? ' Check the key and `secretsPath` (or `secretsMount`, `paths`), and that the secret was written at that path.'
        : '');
    super(SecretsErrorCode.NotFound, `Secret "${key}"${which} ${why} at ${details.path ?? 'Vault'}${status}.${hint}`, details);
    this.reason = reason;
    if (details.version !== undefined) this.version = details.version;
  }
}
