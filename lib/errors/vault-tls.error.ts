import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError, type SecretsErrorDetails } from './secrets.error.js';

/** What went wrong in the TLS handshake with Vault. */
export type VaultTlsProblem =
  /** Vault's certificate is signed by a CA this client does not trust (or the chain is incomplete). */
  | 'untrusted-ca'
  /** Vault's certificate is not issued for the host name the client connected to. */
  | 'hostname-mismatch'
  /** Vault's certificate has expired or is not valid yet. */
  | 'expired'
  /** Vault's listener requires a client certificate and none was configured. */
  | 'client-certificate-required'
  /** Vault's listener refused the client certificate (unknown CA, expired, wrong purpose). */
  | 'client-certificate-refused'
  /** The other end does not speak TLS (e.g. `https://` to a plain-HTTP listener). */
  | 'not-tls'
  | 'other';

const HINTS: Record<VaultTlsProblem, string> = {
  'untrusted-ca':
    "Set caCert (or VAULT_CACERT) to the CA that signed Vault's certificate, or caPath (or VAULT_CAPATH) to a directory of CA files including any intermediate.",
  'hostname-mismatch':
    "Vault's certificate is not issued for the host in address: connect with a name the certificate lists, or set tlsServerName (or VAULT_TLS_SERVER_NAME) to it. The CA is not the problem.",
  expired: "Vault's certificate is outside its validity period: renew it on the Vault listener, and check this machine's clock.",
  'client-certificate-required':
    "Vault's listener requires a client certificate: set clientCert and clientKey (or VAULT_CLIENT_CERT and VAULT_CLIENT_KEY).",
  'client-certificate-refused':
    "Vault's listener refused the client certificate: set clientCert and clientKey (or VAULT_CLIENT_CERT and VAULT_CLIENT_KEY) to a certificate signed by a CA the listener trusts (tls_client_ca_file), not expired, issued for client authentication.",
  'not-tls': 'The server did not answer with TLS: check that address uses https:// only for a TLS listener.',
  other: "Check caCert / caPath, clientCert / clientKey and tlsServerName against Vault's listener.",
};

/**
 * The TLS handshake with Vault failed. A configuration problem, not an outage: never retried,
 * never served from a fallback silently. `problem` says which one, and the message how to fix it
 * (`verifySsl: false` / VAULT_SKIP_VERIFY=true turns verification off, for development only).
 */
export class VaultTlsError extends SecretsError {
  /** Which TLS problem it is. */
  readonly problem: VaultTlsProblem;

  constructor(reason: string, details: SecretsErrorDetails = {}, problem: VaultTlsProblem = 'untrusted-ca') {
    super(SecretsErrorCode.Tls, `TLS handshake with Vault failed: ${reason}. ${HINTS[problem]}`, details);
    this.problem = problem;
  }
}
