import { redactText, shortenLongRuns } from '../util/redact.js';
import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError, type SecretsErrorDetails } from './secrets.error.js';

/**
 * Vault refused the request for a reason other than permissions or absence (usually 400,
 * e.g. `check-and-set parameter did not match the current version`). `vaultErrors` holds
 * Vault's own `errors` strings, redacted.
 */
export class VaultRequestError extends SecretsError {
  /** Vault's `errors` array, redacted. */
  readonly vaultErrors: readonly string[];

  constructor(vaultErrors: readonly string[], details: SecretsErrorDetails = {}) {
    const text = vaultErrors.length > 0 ? vaultErrors.join('; ') : 'no error message';
    super(
      SecretsErrorCode.VaultRequest,
      `Vault refused ${details.path ?? 'the request'} (HTTP ${details.status ?? '?'}): ${text}`,
      details,
    );
    this.vaultErrors = vaultErrors.map((e) => shortenLongRuns(redactText(e)));
  }
}
