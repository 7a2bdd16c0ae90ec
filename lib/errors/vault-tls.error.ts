import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError, type SecretsErrorDetails } from './secrets.error.js';

/**
 * The TLS handshake with Vault failed (unknown CA, hostname mismatch, expired certificate).
 * A configuration problem, not an outage: set `caCert` / VAULT_CACERT to the CA that signed
 * Vault's certificate, or (development only) `verifySsl: false` / VAULT_SKIP_VERIFY=true.
 */
export class VaultTlsError extends SecretsError {
  constructor(reason: string, details: SecretsErrorDetails = {}) {
    super(
      SecretsErrorCode.Tls,
      `TLS verification of Vault failed: ${reason}. Set caCert (or VAULT_CACERT) to the CA that signed Vault's certificate.`,
      details,
    );
  }
}
