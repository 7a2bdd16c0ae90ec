import { parseGoBool } from './env-defaults.js';
import { keyPairProblem, loadCaDirectory, loadPem } from './load-pem.js';
import { OPTION_DEFAULTS } from './options.schema.js';
import type { ResolveContext } from './resolve-context.js';

/** The TLS settings after defaults from `VAULT_*`: PEM text loaded from files at boot. */
export interface ResolvedTls {
  readonly verifySsl: boolean;
  /** Every trusted CA (`caCert` and each file of `caPath`), PEM, one after the other. */
  readonly caCert: string | undefined;
  readonly clientCert: string | undefined;
  readonly clientKey: string | undefined;
  readonly tlsServerName: string | undefined;
}

/** `verifySsl`, else not `VAULT_SKIP_VERIFY` (a Go boolean), else `true`; warns when off. */
function resolveVerifySsl({ config, vaultEnv, problems, warnings }: ResolveContext): boolean {
  let verifySsl: boolean = config.verifySsl ?? OPTION_DEFAULTS.verifySsl;
  if (config.verifySsl === undefined && vaultEnv.VAULT_SKIP_VERIFY !== undefined) {
    const skip = parseGoBool(vaultEnv.VAULT_SKIP_VERIFY);
    if (skip === undefined) problems.push('VAULT_SKIP_VERIFY must be a boolean such as "true" or "false"');
    else verifySsl = !skip;
  }
  if (!verifySsl) {
    warnings.push(
      `TLS verification of Vault is off (${config.verifySsl === false ? 'verifySsl: false' : 'VAULT_SKIP_VERIFY'}): anyone on the network path can pose as Vault and receive the token; use it in development only, and set caCert / VAULT_CACERT instead`,
    );
  }
  return verifySsl;
}

/** `caCert` / `VAULT_CACERT` and every file of `caPath` / `VAULT_CAPATH`, as one PEM text. */
function resolveCa({ config, vaultEnv, problems }: ResolveContext): string | undefined {
  const caParts: string[] = [];
  const caSource = config.caCert ?? vaultEnv.VAULT_CACERT;
  if (typeof caSource === 'string' && caSource.length > 0) {
    const pem = loadPem(caSource, config.caCert !== undefined ? 'caCert' : 'VAULT_CACERT', 'certificate', problems);
    if (pem !== undefined) caParts.push(pem);
  }
  const caPathSource = config.caPath ?? vaultEnv.VAULT_CAPATH;
  if (typeof caPathSource === 'string' && caPathSource.length > 0) {
    caParts.push(...loadCaDirectory(caPathSource, config.caPath !== undefined ? 'caPath' : 'VAULT_CAPATH', problems));
  }
  return caParts.length > 0 ? caParts.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('') : undefined;
}

/** The client certificate and its key (both or neither), loaded and checked to belong together. */
function resolveClientCertificate({ config, vaultEnv, problems }: ResolveContext): { clientCert?: string; clientKey?: string } {
  const certSource = config.clientCert ?? vaultEnv.VAULT_CLIENT_CERT;
  const keySource = config.clientKey ?? vaultEnv.VAULT_CLIENT_KEY;
  const certName = config.clientCert !== undefined ? 'clientCert' : 'VAULT_CLIENT_CERT';
  const keyName = config.clientKey !== undefined ? 'clientKey' : 'VAULT_CLIENT_KEY';
  if ((certSource === undefined) !== (keySource === undefined)) {
    problems.push(
      certSource === undefined
        ? `${keyName} is set but clientCert (or VAULT_CLIENT_CERT) is not: a client certificate needs both the certificate and its private key`
        : `${certName} is set but clientKey (or VAULT_CLIENT_KEY) is not: a client certificate needs both the certificate and its private key`,
    );
    return {};
  }
  if (typeof certSource !== 'string' || typeof keySource !== 'string') return {};
  const clientCert = loadPem(certSource, certName, 'certificate', problems);
  const clientKey = loadPem(keySource, keyName, 'private key', problems);
  if (clientCert !== undefined && clientKey !== undefined) {
    const mismatch = keyPairProblem(clientCert, clientKey, certName, keyName);
    if (mismatch) problems.push(mismatch);
  }
  return { clientCert, clientKey };
}

/**
 * The TLS settings: verification, trusted CAs, client certificate and server name, each from its
 * option or else its `VAULT_*` variable. Files are read here, at boot; problems name the option or
 * variable and the file, never a key's content.
 * @param address - the resolved address: with `http://` the settings are unused, which is warned about.
 */
export function resolveTls(context: ResolveContext, address: string): ResolvedTls {
  const verifySsl = resolveVerifySsl(context);
  const caCert = resolveCa(context);
  const { clientCert, clientKey } = resolveClientCertificate(context);
  const tlsServerName = context.config.tlsServerName ?? context.vaultEnv.VAULT_TLS_SERVER_NAME;
  if (address.startsWith('http://') && (caCert !== undefined || clientCert !== undefined || tlsServerName !== undefined)) {
    context.warnings.push(`address ${address} uses plain http://, so the TLS settings (CA, client certificate, server name) are not used`);
  }
  return { verifySsl, caCert, clientCert, clientKey, tlsServerName };
}
