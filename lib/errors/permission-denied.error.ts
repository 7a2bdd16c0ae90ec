import { redactText } from '../util/redact.js';
import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError, type SecretsErrorDetails } from './secrets.error.js';

/**
 * Vault answered 403 for a valid token: the token's policies do not allow this operation on
 * this path. Fix the policy; retrying or logging in again will not help.
 */
export class PermissionDeniedError extends SecretsError {
  /** Vault's own error strings (redacted), e.g. `permission denied` or `service account name not authorized`. */
  readonly vaultErrors: readonly string[];

  /**
   * @param details - `hint`: one more sentence for the message (e.g. the KV v2 `data/` rule), never a value.
   */
  constructor(details: SecretsErrorDetails & { vaultErrors?: readonly string[]; hint?: string } = {}) {
    super(
      SecretsErrorCode.PermissionDenied,
      `Permission denied by Vault for ${details.path ?? 'this request'}: the token's policies do not grant this capability on the path.${details.hint ? ` ${details.hint}` : ''}`,
      { cause: details.cause, path: details.path, status: details.status ?? 403 },
    );
    this.vaultErrors = (details.vaultErrors ?? []).map((e) => redactText(e));
  }
}
