import { encodeSegments, splitSecretKey } from '../client/vault-path.js';
import type { VaultEnvelope } from '../client/vault-envelope.js';
import { envelopeData, envelopeLease } from './engine-response.js';
import type { EngineContext, EngineSecret, SecretEngine } from './secret-engine.js';

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

/**
 * The PKI secrets engine (REFERENCE.md §7.2): `POST <mount>/issue/<role>`. The certificate is
 * issued again before `expiration`; a refusal (e.g. past the CA's expiry) leaves the current one in use.
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
    const response = await context.client.request<VaultEnvelope>({ method: 'POST', path, body });
    const data = envelopeData(response.body, path, ['certificate', 'private_key', 'serial_number', 'expiration']);
    const expiresAt = Number(data.expiration) * 1000;
    return {
      data: {
        certificate: String(data.certificate),
        privateKey: String(data.private_key),
        privateKeyType: String(data.private_key_type ?? ''),
        issuingCa: String(data.issuing_ca ?? ''),
        caChain: Array.isArray(data.ca_chain) ? data.ca_chain.map(String) : [],
        serialNumber: String(data.serial_number),
        expiresAt,
      },
      lease: envelopeLease(response.body),
      expiresAt,
      version: String(data.serial_number),
    };
  },
};
