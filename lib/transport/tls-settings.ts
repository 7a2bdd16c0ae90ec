import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { ResolvedVaultConfig } from '../options/resolved-vault-config.js';

/** The TLS connection settings of every connection to Vault (HTTP requests and the event websocket). */
export interface TlsSettings {
  /** PEM text of the trusted CAs; undefined = the system's trust store. */
  readonly ca?: string;
  /** PEM text of the client certificate (mTLS listeners, the `cert` auth method). */
  readonly cert?: string;
  /** PEM text of the client certificate's private key. */
  readonly key?: string;
  /** Name verified against Vault's certificate and sent as SNI; undefined = the host of `address`. */
  readonly servername?: string;
  /** Verify Vault's certificate (false only with `verifySsl: false` / `VAULT_SKIP_VERIFY`). */
  readonly rejectUnauthorized: boolean;
}

/**
 * Builds the TLS settings of Vault connections from the resolved options, in one place, so the
 * HTTP agent and the event websocket always verify Vault the same way. The result holds the
 * client key: it is not enumerable, so spreading or logging the settings never shows it.
 *
 * @param config - `caCert`, `clientCert`, `clientKey`, `tlsServerName` and `verifySsl` of the resolved options.
 */
export function buildTlsSettings(
  config: Pick<ResolvedVaultConfig, 'caCert' | 'clientCert' | 'clientKey' | 'tlsServerName' | 'verifySsl'>,
): TlsSettings {
  const settings: { -readonly [K in keyof TlsSettings]: TlsSettings[K] } = { rejectUnauthorized: config.verifySsl };
  if (config.caCert !== undefined) settings.ca = config.caCert;
  if (config.clientCert !== undefined) settings.cert = config.clientCert;
  if (config.tlsServerName !== undefined) settings.servername = config.tlsServerName;
  if (config.clientKey !== undefined) Object.defineProperty(settings, 'key', { value: config.clientKey, enumerable: false });
  return Object.freeze(settings);
}

/** Options of `https.Agent`, `tls.connect` and `ws` built from {@link TlsSettings}. */
export interface TlsConnectOptions {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
  rejectUnauthorized: boolean;
}

/**
 * The settings as options of `https.Agent` / `tls.connect` / `ws` (which read `key` as a
 * property, so the non-enumerable key is copied explicitly). A server name that is a DNS name
 * is sent as SNI (Node then verifies the certificate against it); an IP address cannot be SNI
 * (RFC 6066), so the certificate is verified against it by `checkServerIdentity`.
 */
export function tlsConnectOptions(settings: TlsSettings): TlsConnectOptions {
  const name = settings.servername;
  return {
    rejectUnauthorized: settings.rejectUnauthorized,
    ...(settings.ca === undefined ? {} : { ca: settings.ca }),
    ...(settings.cert === undefined ? {} : { cert: settings.cert }),
    ...(settings.key === undefined ? {} : { key: settings.key }),
    ...(name === undefined ? {} : isIP(name) === 0 ? { servername: name } : {}),
    ...(name === undefined ? {} : { checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(name, cert) }),
  };
}
