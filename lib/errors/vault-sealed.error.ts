import { SecretsErrorCode } from './secrets-error-code.js';
import type { SecretsErrorDetails } from './secrets.error.js';
import { VaultUnavailableError, type VaultUnavailableKind } from './vault-unavailable.error.js';

/** Vault answered 503 `Vault is sealed`. An outage (a subclass of {@link VaultUnavailableError}); an operator must unseal it. */
export class VaultSealedError extends VaultUnavailableError {
  /** @param details.nextAttemptAt - when the module tries again (ms since the epoch), set while it backs off. */
  constructor(details: SecretsErrorDetails & { nextAttemptAt?: number; reason?: string; kind?: VaultUnavailableKind } = {}) {
    super(
      `Vault is sealed; an operator must unseal it.${details.nextAttemptAt === undefined ? '' : ` No request sent; the next attempt is at ${new Date(details.nextAttemptAt).toISOString()}.`}`,
      { ...details, status: details.status ?? 503 },
      SecretsErrorCode.VaultSealed,
    );
  }
}
