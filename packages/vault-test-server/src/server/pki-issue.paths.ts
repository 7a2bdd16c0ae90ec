/**
 * Certificates under a role (https://developer.hashicorp.com/vault/api-docs/secret/pki#issuing-certificates):
 * `POST issue/:role` (key generated here), `POST sign/:role` (a CSR under the role's
 * constraints), `POST sign-verbatim(/:role)` (a CSR's values as they are) and `POST revoke`.
 * Certificates are signed by the role's issuer (`issuer_ref`), carry the `config/urls` AIA and
 * CRL distribution points, and are stored in `certs/` unless the role has `no_store`.
 */
import { isIP } from 'node:net';
import { badRequest } from './errors.js';
import { boolField, durationField, stringField, stringSliceField } from './fields.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { PathDefinition, PathParams } from './path-router.js';
import { createCertificate, generateKey, randomSerialHex, type SubjectPublicKey } from './pki-certificates.js';
import { inspectCertificate, normalizeSerialHex, splitPem } from './pki-certificate-info.js';
import { parseCsr, type ParsedCsr } from './pki-csr.js';
import { computeValidity, leasedResponse, parseFormat, signedData, storeCertificate, type PkiContext } from './pki-issuance.js';
import { revokeCertificate } from './pki-revocation.js';
import { nameAllowed, type PkiRole } from './pki-roles.js';
import { formatRfc3339FromMillis } from './time-format.js';

const NAME = String.raw`(?<name>\w(?:[\w.-]*\w)?)`;
const ISSUER = String.raw`(?:issuer/(?<ref>\w(?:[\w.-]*\w)?)/)?`;

/** The paths of this module; `issuer/:ref/...` overrides the role's `issuer_ref` with the path's. */
export function pkiIssuePaths(pki: PkiContext): PathDefinition[] {
  const withIssuer = (role: PkiRole, params: PathParams): PkiRole => (params['ref'] ? { ...role, issuerRef: params['ref'] } : role);
  return [
    {
      pattern: new RegExp(`^${ISSUER}issue/${NAME}$`),
      operations: { update: (r, p) => issue(pki, r, withIssuer(requireRole(pki, p['name'] ?? ''), p)) },
    },
    {
      pattern: new RegExp(`^${ISSUER}sign/${NAME}$`),
      operations: { update: (r, p) => sign(pki, r, withIssuer(requireRole(pki, p['name'] ?? ''), p), false) },
    },
    {
      pattern: new RegExp(`^${ISSUER}sign-verbatim(?:/${NAME})?$`),
      operations: { update: (r, p) => sign(pki, r, withIssuer(verbatimRole(pki, p['name'] ?? ''), p), true) },
    },
    { pattern: /^revoke$/, operations: { update: (r) => revoke(pki, r) } },
  ];
}

function requireRole(pki: PkiContext, name: string): PkiRole {
  const role = pki.roles.get(name);
  if (!role) throw badRequest(`unknown role: ${name}`);
  return role;
}

/** Vault's sign-verbatim role: any name, any key, CSR values; TTLs, lease, storage and issuer from the named role. */
function verbatimRole(pki: PkiContext, name: string): PkiRole {
  const role = name === '' ? undefined : requireRole(pki, name);
  return {
    allowedDomains: [],
    allowSubdomains: false,
    allowBareDomains: false,
    allowGlobDomains: false,
    allowAnyName: true,
    allowLocalhost: true,
    allowIpSans: true,
    allowWildcardCertificates: true,
    enforceHostnames: false,
    ttl: role?.ttl ?? 0,
    maxTtl: role?.maxTtl ?? 0,
    keyType: 'any',
    keyBits: 0,
    generateLease: role?.generateLease ?? false,
    noStore: role?.noStore ?? false,
    serverFlag: false,
    clientFlag: false,
    requireCn: false,
    useCsrCommonName: true,
    useCsrSans: true,
    notBeforeDuration: role?.notBeforeDuration ?? 30,
    organization: [],
    ou: [],
    issuerRef: role?.issuerRef || 'default',
  };
}

/** Subject names of a request, checked against the role (Vault's `generateCreationBundle` + `validateNames`). */
interface Names {
  readonly commonName: string;
  readonly dnsNames: string[];
  readonly emails: string[];
  readonly ipAddresses: string[];
}

function requestNames(role: PkiRole, data: Record<string, unknown>, csr: ParsedCsr | undefined): Names {
  let commonName = csr && role.useCsrCommonName ? csr.commonName : '';
  if (commonName === '') commonName = stringField(data, 'common_name');
  if (commonName === '' && role.requireCn) {
    throw badRequest(
      'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false',
    );
  }
  const fromCsr = csr !== undefined && role.useCsrSans;
  const altNames = fromCsr ? [...csr.dnsNames, ...csr.emails] : stringSliceField(data, 'alt_names');
  const ipAddresses = fromCsr ? [...csr.ipAddresses] : stringSliceField(data, 'ip_sans');
  const dnsNames = altNames.filter((name) => !name.includes('@'));
  const emails = altNames.filter((name) => name.includes('@'));
  if (commonName !== '' && !boolField(data, 'exclude_cn_from_sans', false)) {
    if (commonName.includes('@')) emails.unshift(commonName);
    else if (isIP(commonName) !== 0) ipAddresses.unshift(commonName);
    else dnsNames.unshift(commonName);
  }
  const check = (name: string): boolean => nameAllowed(role, name.includes('@') ? (name.split('@')[1] ?? '') : name);
  if (commonName !== '' && isIP(commonName) === 0 && !check(commonName))
    throw badRequest(`common name ${commonName} not allowed by this role`);
  for (const name of [...dnsNames, ...emails]) {
    if (!check(name)) throw badRequest(`subject alternate name ${name} not allowed by this role`);
  }
  for (const ip of ipAddresses) if (isIP(ip) === 0) throw badRequest(`the value ${JSON.stringify(ip)} is not a valid IP address`);
  const requestedIps = ipAddresses.filter((ip) => ip !== commonName);
  if (requestedIps.length > 0 && !role.allowIpSans) {
    throw badRequest(`IP Subject Alternative Names are not allowed in this role, but was provided ${requestedIps.join(', ')}`);
  }
  return { commonName, dnsNames: [...new Set(dnsNames)], emails: [...new Set(emails)], ipAddresses: [...new Set(ipAddresses)] };
}

/** `POST issue/:role` (https://developer.hashicorp.com/vault/api-docs/secret/pki#generate-certificate-and-key). */
async function issue(pki: PkiContext, req: LogicalRequest, role: PkiRole): Promise<DataResponse> {
  if (role.keyType === 'any') throw badRequest('role key type "any" not allowed for issuing certificates, only signing');
  const format = parseFormat(req.data);
  const keyFormat = stringField(req.data, 'private_key_format', 'der');
  if (!['der', 'pem', 'pkcs8', ''].includes(keyFormat)) throw badRequest(`unknown format for field "private_key_format": ${keyFormat}`);
  const signer = pki.state.signingIssuer(role.issuerRef);
  const names = requestNames(role, req.data, undefined);
  const validity = computeValidity(pki, {
    requestedTtl: durationField(req.data, 'ttl', 0),
    roleTtl: role.ttl,
    roleMaxTtl: role.maxTtl,
    notBeforeDuration: role.notBeforeDuration,
    issuer: signer.issuer,
  });
  const key = await generateKey(role.keyType, role.keyBits);
  const certificate = await createCertificate({
    ...names,
    serialHex: randomSerialHex(),
    organization: role.organization,
    organizationalUnit: role.ou,
    ...validity,
    subjectKey: key,
    isCa: false,
    serverAuth: role.serverFlag,
    clientAuth: role.clientFlag,
    aia: signer.aia,
    issuer: { certificate: signer.issuer.info, key: signer.key },
  });
  await storeCertificate(pki, certificate, signer.issuer.id, role.noStore);
  const data = signedData(certificate, signer.issuer, {
    format,
    removeRoots: boolField(req.data, 'remove_roots_from_chain', false),
    privateKey: key,
    privateKeyFormat: keyFormat,
  });
  return leasedResponse(pki, req, data, certificate, { generateLease: role.generateLease && !role.noStore, warnings: validity.warnings });
}

/** `POST sign/:role` and `POST sign-verbatim(/:role)`. */
async function sign(pki: PkiContext, req: LogicalRequest, role: PkiRole, verbatim: boolean): Promise<DataResponse> {
  const format = parseFormat(req.data);
  const signer = pki.state.signingIssuer(role.issuerRef);
  const csr = await parseCsr(stringField(req.data, 'csr'));
  checkCsrKey(role, csr);
  const names = requestNames(role, req.data, csr);
  const validity = computeValidity(pki, {
    requestedTtl: durationField(req.data, 'ttl', 0),
    roleTtl: role.ttl,
    roleMaxTtl: role.maxTtl,
    notBeforeDuration: role.notBeforeDuration,
    issuer: signer.issuer,
  });
  const subjectKey: SubjectPublicKey = csr;
  const certificate = await createCertificate({
    ...names,
    serialHex: randomSerialHex(),
    organization: role.organization,
    organizationalUnit: role.ou,
    ...validity,
    subjectKey,
    isCa: false,
    serverAuth: role.serverFlag,
    clientAuth: role.clientFlag,
    aia: signer.aia,
    issuer: { certificate: signer.issuer.info, key: signer.key },
    ...(verbatim
      ? {
          subjectDer: csr.subjectDer,
          copiedExtensions: csr.extensions,
          copiedWin: true,
          keyUsage: listOr(req.data, 'key_usage', ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment']),
          extKeyUsage: listOr(req.data, 'ext_key_usage', []),
        }
      : {}),
  });
  await storeCertificate(pki, certificate, signer.issuer.id, role.noStore);
  const data = signedData(certificate, signer.issuer, { format, removeRoots: boolField(req.data, 'remove_roots_from_chain', false) });
  const warnings = [...validity.warnings];
  if (csr.extensions.some((extension) => extension.type === '2.5.29.19')) {
    warnings.push('specified CSR contained a Basic Constraints extension that was ignored during issuance');
  }
  if (role.useCsrCommonName && stringField(req.data, 'common_name') !== '') {
    warnings.push('the common_name field was provided but the role is set with "use_csr_common_name" set to true');
  }
  if (role.useCsrSans && stringField(req.data, 'alt_names') !== '') {
    warnings.push('the alt_names field was provided but the role is set with "use_csr_sans" set to true');
  }
  return leasedResponse(pki, req, data, certificate, { generateLease: role.generateLease && !role.noStore, warnings });
}

/** Vault's CSR key checks: the role's key type, its minimum size, and RSA ≥ 2048 bits. */
function checkCsrKey(role: PkiRole, csr: ParsedCsr): void {
  if (role.keyType !== 'any' && csr.type !== role.keyType) throw badRequest(`role requires keys of type ${role.keyType}`);
  const minimum = role.keyType === 'any' ? (csr.type === 'rsa' ? 2048 : csr.type === 'ec' ? 224 : 0) : role.keyBits;
  if (csr.type !== 'ed25519' && csr.bits < minimum) {
    throw badRequest(`role requires a minimum of a ${minimum}-bit key, but CSR's key is ${csr.bits} bits`);
  }
  if (csr.type === 'rsa' && csr.bits < 2048) {
    throw badRequest(`Vault requires a minimum of a 2048-bit key, but CSR's key is ${csr.bits} bits`);
  }
}

/** `POST revoke` (https://developer.hashicorp.com/vault/api-docs/secret/pki#revoke-certificate). */
async function revoke(pki: PkiContext, req: LogicalRequest): Promise<DataResponse> {
  const haveSerial = req.data['serial_number'] !== undefined;
  const haveCertificate = req.data['certificate'] !== undefined;
  if (!haveSerial && !haveCertificate) throw badRequest('The serial number or certificate to revoke must be provided.');
  if (haveSerial && haveCertificate) throw badRequest('Must provide either the certificate or the serial to revoke; not both.');
  let serialHex: string;
  let shown: string;
  if (haveSerial) {
    shown = stringField(req.data, 'serial_number').toLowerCase().replace(/-/g, ':');
    serialHex = normalizeSerialHex(shown);
  } else {
    const der = splitPem(stringField(req.data, 'certificate'))?.find((block) => block.label === 'CERTIFICATE')?.der;
    const info = der ? await inspectCertificate(der).catch(() => undefined) : undefined;
    if (!info) throw badRequest('certificate could not be parsed');
    if (!pki.state.issuerOf(info)) {
      throw badRequest(
        'unable to verify signature on presented cert from any present issuer in this mount; certificates from previous CAs will need to have their issuing CA and key re-imported if revocation is necessary',
      );
    }
    if (!pki.state.certificates.has(info.serialHex))
      pki.state.certificates.set(info.serialHex, { info, issuerId: pki.state.issuerOf(info)?.id ?? '' });
    serialHex = info.serialHex;
    shown = serialHex;
  }
  const entry = await revokeCertificate(pki.state, serialHex, pki.ctx.clock.now(), shown);
  return respondData({
    revocation_time: Math.floor(entry.revokedAtMs / 1000),
    revocation_time_rfc3339: formatRfc3339FromMillis(entry.revokedAtMs),
    state: 'revoked',
  });
}

function listOr(data: Record<string, unknown>, field: string, fallback: readonly string[]): string[] {
  return data[field] === undefined ? [...fallback] : stringSliceField(data, field);
}
