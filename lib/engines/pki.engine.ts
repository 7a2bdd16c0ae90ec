import { encodeSegments, splitSecretKey } from '../transport/vault-path.js';
import type { VaultEnvelope } from '../transport/vault-envelope.js';
import { VaultRequestError } from '../errors/vault-request.error.js';
import { envelopeData, envelopeLease, parseLeased } from './engine-response.js';
import type { EngineContext, EngineSecret, SecretEngine } from '../contracts/secret-engine.js';

/** An issued certificate. PEM strings; `expiresAt` in milliseconds since the epoch. */
export interface CertificateData {
  certificate: string;
  privateKey: string;
  privateKeyType: string;
  issuingCa: string;
  caChain: string[];
  /** Colon-separated hex, e.g. `39:dd:2e:...`. */
  serialNumber: string;
  expiresAt: number;
}

/** Options of a certificate issue. */
export interface PkiIssueOptions {
  commonName: string;
  altNames?: string[];
  ipSans?: string[];
  /** Requested lifetime in seconds. */
  ttl?: number;
  /** Mount of the PKI engine, default `pki`. */
  mount?: string;
}

/** Vault's refusal when the asked TTL outlives the issuer (`leaf_not_after_behavior=err`); group 1 is the CA's expiry (RFC 3339). */
const BEYOND_CA = /beyond the expiration of the CA certificate at (\S+)/;

/** Seconds kept between a clipped certificate's end and its CA's, for clock differences between Vault and this host. */
const CA_EXPIRY_MARGIN_SECONDS = 60;

/**
 * The PKI secrets engine (`POST /v1/:mount/issue/:name`,
 * https://developer.hashicorp.com/vault/api-docs/secret/pki#generate-certificate-and-key). The certificate is issued
 * again before `expiration`; a refusal leaves the current one in use. When Vault refuses the TTL
 * because the certificate would outlive its CA (`leaf_not_after_behavior=err`), the request is
 * sent once more with the TTL clipped to the CA's expiry (less a minute), and the result carries a
 * `notice` that `status().leases.notices` shows.
 *
 * @throws VaultRequestError when Vault refuses (unknown role, common name not allowed, CA expired).
 */
export const pkiEngine: SecretEngine<CertificateData, PkiIssueOptions> = {
  name: 'pki',
  async fetch(context: EngineContext, role: string, options?: PkiIssueOptions): Promise<EngineSecret<CertificateData>> {
    const mount = encodeSegments(splitSecretKey(options?.mount ?? 'pki'));
    const path = `${mount}/issue/${encodeSegments(splitSecretKey(role))}`;
    const body: Record<string, unknown> = { common_name: options?.commonName };
    if (options?.altNames?.length) body.alt_names = options.altNames.join(',');
    if (options?.ipSans?.length) body.ip_sans = options.ipSans.join(',');
    if (options?.ttl !== undefined) body.ttl = options.ttl;
    try {
      return await issue(context, path, body);
    } catch (error) {
      const clippedTtl = ttlWithinCa(error, context.clock.now());
      if (clippedTtl === undefined) throw error;
      const secret = await issue(context, path, { ...body, ttl: clippedTtl.seconds });
      return {
        ...secret,
        notice: `TTL clipped to ${clippedTtl.seconds} s: the issuing CA expires at ${clippedTtl.caExpiry}; rotate the CA`,
      };
    }
  },
};

async function issue(context: EngineContext, path: string, body: Record<string, unknown>): Promise<EngineSecret<CertificateData>> {
  const response = await context.client.request<VaultEnvelope>({ method: 'POST', path, body });
  return parseLeased(context, response.body, () => {
    const data = envelopeData(response.body, path, {
      certificate: 'string',
      private_key: 'string',
      serial_number: 'string',
      expiration: 'number',
    });
    const expiresAt = (data.expiration as number) * 1000;
    return {
      data: {
        certificate: data.certificate as string,
        privateKey: data.private_key as string,
        privateKeyType: typeof data.private_key_type === 'string' ? data.private_key_type : '',
        issuingCa: typeof data.issuing_ca === 'string' ? data.issuing_ca : '',
        caChain: Array.isArray(data.ca_chain) ? data.ca_chain.filter((c): c is string => typeof c === 'string') : [],
        serialNumber: data.serial_number as string,
        expiresAt,
      },
      lease: envelopeLease(response.body, path),
      expiresAt,
      version: data.serial_number as string,
    };
  });
}

/**
 * The TTL (seconds) that fits before the CA's expiry named in a "beyond the expiration of the CA"
 * refusal, or undefined when the error is another one or no useful TTL is left (the CA expires
 * within the margin: clipping cannot help, the refusal stands).
 */
function ttlWithinCa(error: unknown, nowMs: number): { seconds: number; caExpiry: string } | undefined {
  if (!(error instanceof VaultRequestError) || error.status !== 400) return undefined;
  const match = error.vaultErrors.map((text) => BEYOND_CA.exec(text)).find((m) => m !== null);
  const caExpiry = match?.[1];
  const caExpiryMs = caExpiry === undefined ? Number.NaN : Date.parse(caExpiry);
  if (caExpiry === undefined || !Number.isFinite(caExpiryMs)) return undefined;
  const seconds = Math.floor((caExpiryMs - nowMs) / 1000) - CA_EXPIRY_MARGIN_SECONDS;
  return seconds >= 1 ? { seconds, caExpiry } : undefined;
}
