/**
 * Signing CA certificates with an issuer of the mount:
 * `root/sign-intermediate` and `issuer/:ref/sign-intermediate` (a CSR becomes an intermediate
 * CA certificate; https://developer.hashicorp.com/vault/api-docs/secret/pki#sign-intermediate)
 * and `root/sign-self-issued` and `issuer/:ref/sign-self-issued` (a self-issued CA certificate
 * re-signed as it is, with the issuer's DN, key identifier and AIA;
 * https://developer.hashicorp.com/vault/api-docs/secret/pki#sign-self-issued).
 */
import { badRequest, internalError } from './errors.js';
import { boolField, durationField, stringField } from './fields.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { PathDefinition, PathParams } from './path-router.js';
import { caAltNames, maxPathLengthField, requiredCommonName, subjectFields } from './pki-ca-fields.js';
import { colonSerial, createCertificate, loadX509, randomSerialHex, toPem } from './pki-certificates.js';
import { inspectCertificate, splitPem, type CertificateInfo } from './pki-certificate-info.js';
import { parseCsr } from './pki-csr.js';
import { AIA_WARNING, computeValidity, storeCertificate, type PkiContext } from './pki-issuance.js';

const REF = String.raw`(?:root|issuer/(?<ref>\w(?:[\w.-]*\w)?))`;

/** The paths of this module. */
export function pkiSignCaPaths(pki: PkiContext): PathDefinition[] {
  return [
    { pattern: new RegExp(`^${REF}/sign-intermediate$`), operations: { update: (r, p) => signIntermediate(pki, r, p) } },
    { pattern: new RegExp(`^${REF}/sign-self-issued$`), operations: { update: (r, p) => signSelfIssued(pki, r, p) } },
  ];
}

const TRUNCATION_WARNING = "the signed intermediary CA certificate's notAfter was truncated to the issuer's notAfter";

/** `POST root/sign-intermediate`. */
async function signIntermediate(pki: PkiContext, req: LogicalRequest, params: PathParams): Promise<DataResponse> {
  const data = req.data;
  const format = stringField(data, 'format', 'pem');
  if (format !== 'pem' && format !== 'der' && format !== 'pem_bundle') {
    throw badRequest('The "format" path parameter must be "pem", "der" or "pem_bundle"');
  }
  const signer = pki.state.signingIssuer(params['ref'] || 'default');
  const csr = await parseCsr(stringField(data, 'csr'));
  const useCsrValues = boolField(data, 'use_csr_values', false);
  const commonName = useCsrValues ? csr.commonName : requiredCommonName(data, csr.commonName);
  let maxPathLength = maxPathLengthField(data);
  const signerPathLength = signer.issuer.info.pathLength;
  if (signerPathLength === 0)
    throw badRequest('signing certificate has a max path length of zero, and cannot issue further CA certificates');
  if (maxPathLength === -1 && signerPathLength !== undefined) maxPathLength = signerPathLength - 1;
  const enforce = boolField(data, 'enforce_leaf_not_after_behavior', false);
  const validity = computeValidity(pki, {
    requestedTtl: durationField(data, 'ttl', 0),
    roleTtl: 0,
    roleMaxTtl: 0,
    notBeforeDuration: durationField(data, 'not_before_duration', 30),
    issuer: signer.issuer,
    behavior: enforce ? signer.issuer.leafNotAfterBehavior : 'truncate',
  });
  const names = useCsrValues
    ? { dnsNames: [...csr.dnsNames], emails: [...csr.emails], ipAddresses: [...csr.ipAddresses], uris: [...csr.uris] }
    : caAltNames(data, commonName);
  const certificate = await createCertificate({
    ...subjectFields(data, commonName),
    ...names,
    ...validity,
    serialHex: randomSerialHex(),
    subjectKey: csr,
    isCa: true,
    maxPathLength,
    aia: signer.aia,
    issuer: { certificate: signer.issuer.info, key: signer.key },
    ...(useCsrValues ? { subjectDer: csr.subjectDer, copiedExtensions: csr.extensions, copiedWin: true } : {}),
  });
  const info = await storeCertificate(pki, certificate, signer.issuer.id);
  const chain: CertificateInfo[] = [info, ...signer.issuer.caChain];
  const der = format === 'der';
  const render = (entry: CertificateInfo): string => (der ? entry.der.toString('base64') : entry.pem);
  const out: Record<string, unknown> = {
    ca_chain: chain.map(render),
    certificate: format === 'pem_bundle' ? chain.map((entry) => entry.pem).join('\n') : render(info),
    expiration: Math.floor(info.notAfterMs / 1000),
    issuing_ca: render(signer.issuer.info),
    serial_number: colonSerial(info.serialHex),
  };
  const warnings: string[] = [];
  if (info.subjectDer.length <= 2) {
    warnings.push(
      'This issuer certificate was generated without a Subject; this makes it likely that issuing leaf certs with this certificate will cause TLS validation libraries to reject this certificate.',
    );
  }
  const aia = signer.aia;
  if (aia.issuingCertificates.length + aia.ocspServers.length + aia.crlDistributionPoints.length === 0) warnings.push(AIA_WARNING);
  if (info.pathLength === 0) {
    warnings.push(
      'Max path length of the signed certificate is zero. This CA certificate cannot be used to issue intermediate CA certificates.',
    );
  }
  warnings.push(...validity.warnings);
  if (!enforce && info.notAfterMs === signer.issuer.info.notAfterMs) warnings.push(TRUNCATION_WARNING);
  return respondData(out, { warnings });
}

/** `POST root/sign-self-issued`. */
async function signSelfIssued(pki: PkiContext, req: LogicalRequest, params: PathParams): Promise<DataResponse> {
  const text = stringField(req.data, 'certificate');
  const blocks = splitPem(text)?.filter((block) => block.label === 'CERTIFICATE') ?? [];
  if (blocks.length !== 1) throw badRequest(`${blocks.length} certificates found in PEM file, expected 1`);
  const block = blocks[0] as { der: Buffer };
  const info = await inspectCertificate(block.der).catch((error: unknown) => {
    throw badRequest(`error parsing certificate: ${(error as Error).message}`);
  });
  if (!info.isCa) throw badRequest('given certificate is not a CA certificate');
  if (!info.selfIssued) throw badRequest('given certificate is not self-issued');
  const signer = pki.state.signingIssuer(params['ref'] || 'default');
  if (boolField(req.data, 'require_matching_certificate_algorithms', false) && info.keyType !== signer.key.type) {
    throw internalError(
      `signing certificate's public key algorithm (${algorithmName(signer.key.type)}) does not match submitted certificate's (${algorithmName(info.keyType)}), and require_matching_certificate_algorithms is true`,
    );
  }
  const x509 = await loadX509();
  const original = new x509.X509Certificate(block.der);
  const resigned = await createCertificate({
    commonName: info.commonName,
    subjectDer: info.subjectDer,
    serialHex: info.serialHex,
    dnsNames: [],
    ipAddresses: [],
    notBeforeMs: info.notBeforeMs,
    notAfterMs: info.notAfterMs,
    subjectKey: { type: info.keyType ?? 'rsa', spkiDer: info.spkiDer },
    isCa: true,
    ...(info.pathLength !== undefined ? { maxPathLength: info.pathLength } : {}),
    aia: signer.aia,
    copiedExtensions: original.extensions,
    copiedWin: true,
    issuer: { certificate: signer.issuer.info, key: signer.key },
  });
  return respondData({ certificate: toPem(resigned.der), issuing_ca: signer.issuer.info.pem });
}

function algorithmName(type: string | undefined): string {
  return type === 'rsa' ? 'RSA' : type === 'ec' ? 'ECDSA' : type === 'ed25519' ? 'Ed25519' : 'unknown';
}
