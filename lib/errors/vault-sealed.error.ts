import { SecretsErrorCode } from './secrets-error-code.js';
import type { SecretsErrorDetails } from './secrets.error.js';
import { VaultUnavailableError } from './vault-unavailable.error.js';

/** Vault answered 503 `Vault is sealed`. An outage (a subclass of {@link VaultUnavailableError}); an operator must unseal it. */
export class VaultSealedError extends VaultUnavailableError {
  constructor(details: SecretsErrorDetails = {}) {
    super('Vault is sealed; an operator must unseal it.', { ...details, status: details.status ?? 503 }, SecretsErrorCode.VaultSealed);
  }
}
