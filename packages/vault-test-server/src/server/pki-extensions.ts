/**
 * The X.509 extensions of the certificates the PKI engine signs: basic constraints, key usage
 * and extended key usage (Go names such as `DigitalSignature`, `ServerAuth`), key identifiers,
 * subject alternative names, authority information access and CRL distribution points from
 * `config/urls`, and extensions copied from a CSR (`use_csr_values`, `sign-verbatim`).
 */
import type { CertificateSpec, PkiKeyType, X509Module } from './pki-certificates.js';

/** Builds the extensions of a certificate. */
export async function buildExtensions(x509: X509Module, spec: CertificateSpec): Promise<InstanceType<X509Module['Extension']>[]> {
  const extensions: InstanceType<X509Module['Extension']>[] = [];
  const copied = spec.copiedExtensions ?? [];
  const copiedUsage = copied.find((extension) => extension.type === KEY_USAGE_OID);
  if (spec.isCa) {
    const pathLength = spec.maxPathLength !== undefined && spec.maxPathLength >= 0 ? spec.maxPathLength : undefined;
    extensions.push(new x509.BasicConstraintsExtension(true, pathLength, true));
    let usage = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
    if (spec.copiedWin && copiedUsage) usage |= new x509.KeyUsagesExtension(copiedUsage.rawData).usages;
    extensions.push(new x509.KeyUsagesExtension(usage, true));
  } else {
    extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
    const usage = spec.keyUsage ? keyUsageFlags(x509, spec.keyUsage) : defaultLeafUsage(x509, spec.subjectKey.type);
    if (usage !== 0) extensions.push(new x509.KeyUsagesExtension(usage, true));
    const purposes = extendedKeyUsageOids(spec.extKeyUsage ?? []);
    if (spec.serverAuth) purposes.push(x509.ExtendedKeyUsage.serverAuth);
    if (spec.clientAuth) purposes.push(x509.ExtendedKeyUsage.clientAuth);
    if (purposes.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension([...new Set(purposes)], false));
  }
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(spec.subjectKey.spkiDer));
  const authorityKey = spec.issuer ? spec.issuer.key.spkiDer : spec.subjectKey.spkiDer;
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(authorityKey));
  const names = [
    ...spec.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...(spec.emails ?? []).map((value) => ({ type: 'email' as const, value })),
    ...spec.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
    ...(spec.uris ?? []).map((value) => ({ type: 'url' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const aia = spec.aia;
  if (aia && (aia.issuingCertificates.length > 0 || aia.ocspServers.length > 0)) {
    extensions.push(
      new x509.AuthorityInfoAccessExtension({
        ocsp: aia.ocspServers.map((value) => new x509.GeneralName('url', value)),
        caIssuers: aia.issuingCertificates.map((value) => new x509.GeneralName('url', value)),
      }),
    );
  }
  if (aia && aia.crlDistributionPoints.length > 0) {
    extensions.push(new x509.CRLDistributionPointsExtension([...aia.crlDistributionPoints]));
  }
  let result = extensions;
  if (spec.copiedWin) {
    const overriding = new Set(copied.map((extension) => extension.type).filter((type) => CSR_OVERRIDABLE.has(type)));
    if (spec.isCa) overriding.delete(KEY_USAGE_OID);
    result = [
      ...extensions.filter((extension) => !overriding.has(extension.type)),
      ...copied.filter((extension) => overriding.has(extension.type)),
    ];
  }
  const present = new Set(result.map((extension) => extension.type));
  for (const extension of copied) if (!present.has(extension.type) && !NEVER_COPIED.has(extension.type)) result.push(extension);
  return result;
}

const KEY_USAGE_OID = '2.5.29.15';
/** Key usage, extended key usage, subject alternative name: taken from a CSR when its values win. */
const CSR_OVERRIDABLE = new Set([KEY_USAGE_OID, '2.5.29.37', '2.5.29.17']);
/** Basic constraints, key identifiers, AIA and CRL distribution points always come from the signer. */
const NEVER_COPIED = new Set(['2.5.29.19', '2.5.29.14', '2.5.29.35', '1.3.6.1.5.5.7.1.1', '2.5.29.31']);

const KEY_USAGE_NAMES: Readonly<Record<string, keyof X509Module['KeyUsageFlags']>> = {
  digitalsignature: 'digitalSignature',
  contentcommitment: 'nonRepudiation',
  keyencipherment: 'keyEncipherment',
  dataencipherment: 'dataEncipherment',
  keyagreement: 'keyAgreement',
  certsign: 'keyCertSign',
  crlsign: 'cRLSign',
  encipheronly: 'encipherOnly',
  decipheronly: 'decipherOnly',
};

function keyUsageFlags(x509: X509Module, names: readonly string[]): number {
  let flags = 0;
  for (const name of names) {
    const flag = KEY_USAGE_NAMES[name.trim().toLowerCase()];
    if (flag) flags |= x509.KeyUsageFlags[flag];
  }
  return flags;
}

function defaultLeafUsage(x509: X509Module, type: PkiKeyType): number {
  const base = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement;
  return type === 'rsa' ? base | x509.KeyUsageFlags.keyEncipherment : base;
}

const EXT_KEY_USAGE_OIDS: Readonly<Record<string, string>> = {
  any: '2.5.29.37.0',
  serverauth: '1.3.6.1.5.5.7.3.1',
  clientauth: '1.3.6.1.5.5.7.3.2',
  codesigning: '1.3.6.1.5.5.7.3.3',
  emailprotection: '1.3.6.1.5.5.7.3.4',
  timestamping: '1.3.6.1.5.5.7.3.8',
  ocspsigning: '1.3.6.1.5.5.7.3.9',
};

function extendedKeyUsageOids(names: readonly string[]): string[] {
  return names.map((name) => EXT_KEY_USAGE_OIDS[name.trim().toLowerCase()]).filter((oid): oid is string => oid !== undefined);
}
