/**
 * What the PKI engine's signing endpoints share (Vault's `generateCreationBundle` and the
 * response code of `pathIssueSignCert` / `signIntermediateResponse`): the `format` field, the
 * validity window (TTL, max TTL, issuer `leaf_not_after_behavior`), certificate storage,
 * the response data in `pem`/`der`/`pem_bundle`, and the optional lease.
 */
import type { BackendContext } from './backend.js';
import { badRequest } from './errors.js';
import { stringField } from './fields.js';
import { formatGoDuration } from './go-duration.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { MountDescriptor } from './mount-table.js';
import { colonSerial, type GeneratedKey, type IssuedCertificate } from './pki-certificates.js';
import { inspectCertificate, type CertificateInfo } from './pki-certificate-info.js';
import type { PkiIssuer, PkiMountState } from './pki-mount-state.js';
import { revokeCertificate } from './pki-revocation.js';
import type { PkiRole } from './pki-roles.js';
import { formatRfc3339FromMillis } from './time-format.js';

/** What every PKI path module works with. */
export interface PkiContext {
  readonly ctx: BackendContext;
  readonly mount: MountDescriptor;
  readonly state: PkiMountState;
  readonly roles: Map<string, PkiRole>;
}

/** Response encodings of certificates. */
export type PkiFormat = 'pem' | 'der' | 'pem_bundle';

/** The `format` field (default `pem`); 400 with Vault's text otherwise. */
export function parseFormat(data: Record<string, unknown>): PkiFormat {
  const format = stringField(data, 'format', 'pem');
  if (format === 'pem' || format === 'der' || format === 'pem_bundle') return format;
  throw badRequest('the "format" path parameter must be "pem", "der", or "pem_bundle"');
}

/** The AIA warning Vault adds when `config/urls` holds no URL. */
export const AIA_WARNING =
  "This mount hasn't configured any authority information access (AIA) fields; this may make it harder for systems to find missing certificates in the chain or to validate revocation status of certificates. Consider updating /config/urls or the newly generated issuer with this information.";

/** Inputs of {@link computeValidity}. Durations in **seconds**. */
export interface ValidityInput {
  /** The request's `ttl` (0 = none). */
  readonly requestedTtl: number;
  /** Role TTL / max TTL (0 = mount default / max). */
  readonly roleTtl: number;
  readonly roleMaxTtl: number;
  readonly notBeforeDuration: number;
  /** Signing issuer (undefined for self-signed roots). */
  readonly issuer?: PkiIssuer;
  /** Overrides the issuer's `leaf_not_after_behavior`. */
  readonly behavior?: PkiIssuer['leafNotAfterBehavior'];
}

/** The validity window, in ms since the epoch, and the TTL warnings. */
export interface Validity {
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  readonly warnings: string[];
}

/** Vault's TTL rules: request TTL, else role TTL, else mount default; capped at the max; then the issuer's expiry. */
export function computeValidity(pki: PkiContext, input: ValidityInput): Validity {
  const warnings: string[] = [];
  let ttl = input.requestedTtl > 0 ? input.requestedTtl : input.roleTtl;
  if (ttl === 0) ttl = pki.ctx.mountDefaultTtl(pki.mount);
  const maxTtl = input.roleMaxTtl > 0 ? input.roleMaxTtl : pki.ctx.mountMaxTtl(pki.mount);
  if (ttl > maxTtl) {
    warnings.push(
      `TTL ${JSON.stringify(formatGoDuration(ttl))} is longer than permitted maxTTL ${JSON.stringify(formatGoDuration(maxTtl))}, so maxTTL is being used`,
    );
    ttl = maxTtl;
  }
  const now = Math.floor(pki.ctx.clock.now() / 1000) * 1000;
  let notAfterMs = now + ttl * 1000;
  const issuerNotAfter = input.issuer?.info.notAfterMs;
  if (issuerNotAfter !== undefined && notAfterMs > issuerNotAfter) {
    const behavior = input.behavior ?? input.issuer?.leafNotAfterBehavior ?? 'err';
    if (behavior === 'truncate') notAfterMs = issuerNotAfter;
    else if (behavior === 'err') {
      throw badRequest(
        `cannot satisfy request, as TTL would result in notAfter of ${formatRfc3339FromMillis(notAfterMs)} that is beyond the expiration of the CA certificate at ${formatRfc3339FromMillis(issuerNotAfter)}`,
      );
    }
  }
  return { notBeforeMs: now - input.notBeforeDuration * 1000, notAfterMs, warnings };
}

/** Keeps a certificate in `certs/` (unless `noStore`) and returns what the engine knows of it. */
export async function storeCertificate(
  pki: PkiContext,
  certificate: IssuedCertificate,
  issuerId: string,
  noStore = false,
): Promise<CertificateInfo> {
  const info = await inspectCertificate(certificate.der);
  if (!noStore) pki.state.certificates.set(info.serialHex, { info, issuerId });
  return info;
}

/** Options of {@link signedData}. */
export interface SignedDataOptions {
  readonly format: PkiFormat;
  readonly removeRoots?: boolean;
  /** The generated key (`issue` only). */
  readonly privateKey?: GeneratedKey;
  /** `private_key_format` (`der` default, `pkcs8`). */
  readonly privateKeyFormat?: string;
}

/** The `data` of `issue`, `sign` and `sign-verbatim`: certificate, issuing CA, chain, serial, expiration (and key). */
export function signedData(certificate: IssuedCertificate, issuer: PkiIssuer, options: SignedDataOptions): Record<string, unknown> {
  const der = options.format === 'der';
  const chain = issuer.caChain.filter((entry) => !(options.removeRoots && entry.selfIssued));
  const render = (entry: { pem: string; der: Buffer }): string => (der ? entry.der.toString('base64') : entry.pem);
  const out: Record<string, unknown> = {
    certificate: render(certificate),
    expiration: Math.floor(certificate.notAfterMs / 1000),
    issuing_ca: render(issuer.info),
    serial_number: colonSerial(certificate.serialHex),
  };
  if (chain.length > 0) out['ca_chain'] = chain.map(render);
  const key = options.privateKey;
  let keyText: string | undefined;
  if (key) {
    const pkcs8 = options.privateKeyFormat === 'pkcs8';
    keyText = pkcs8 ? key.pkcs8Pem : key.privateKeyPem;
    if (der) keyText = pkcs8 ? pemBody(key.pkcs8Pem) : key.privateKeyDerBase64;
    out['private_key'] = keyText;
    out['private_key_type'] = key.type;
  }
  if (options.format === 'pem_bundle') {
    const parts = [...(key ? [key.privateKeyPem] : []), certificate.pem];
    if (!issuer.info.selfIssued) parts.push(...chain.map((entry) => entry.pem));
    out['certificate'] = parts.join('\n');
  }
  return out;
}

/** Wraps signed data in a response, with a non-renewable lease when the role has `generate_lease`. */
export function leasedResponse(
  pki: PkiContext,
  req: LogicalRequest,
  data: Record<string, unknown>,
  certificate: IssuedCertificate,
  options: { readonly generateLease: boolean; readonly warnings: readonly string[] },
): DataResponse {
  if (!options.generateLease) return respondData(data, { warnings: options.warnings });
  const now = pki.ctx.clock.now();
  const lease = pki.ctx.leases.create({
    path: req.path,
    mount: pki.mount,
    token: req.token,
    ttlSeconds: Math.max(1, Math.round((certificate.notAfterMs - now) / 1000)),
    maxTtlSeconds: 0,
    renewable: false,
    internal: { serial_number: colonSerial(certificate.serialHex) },
    handlers: {
      revoke: async () => {
        if (pki.state.certificates.has(certificate.serialHex))
          await revokeCertificate(pki.state, certificate.serialHex, pki.ctx.clock.now());
      },
    },
  });
  return respondData(data, { warnings: options.warnings, lease });
}

function pemBody(pem: string): string {
  return pem
    .split('\n')
    .filter((line) => !line.startsWith('-----'))
    .join('');
}
