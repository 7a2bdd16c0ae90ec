/**
 * PKCS#10 certificate requests for the PKI engine: the CSR `intermediate/generate` returns, and
 * the parsing of CSRs given to `sign`, `sign-verbatim` and `sign-intermediate`, with Vault's
 * error texts (`"csr" is empty`, `csr contains no data`, ...).
 */
import { createPublicKey } from 'node:crypto';
import { badRequest } from './errors.js';
import {
  loadX509,
  signingAlgorithm,
  subjectName,
  toPem,
  type CryptoKeyLike,
  type GeneratedKey,
  type PkiKeyType,
  type SubjectFields,
  type SubjectPublicKey,
  type X509Module,
} from './pki-certificates.js';

/** What `intermediate/generate` puts into a CSR. */
export interface CsrSpec extends SubjectFields {
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly uris: readonly string[];
  /** `add_basic_constraints`: a CA:true basic constraints extension. */
  readonly addBasicConstraints: boolean;
}

/** Creates a CSR signed by `key`. Returns PEM (no trailing newline) and DER. */
export async function createCsr(spec: CsrSpec, key: GeneratedKey): Promise<{ pem: string; der: Buffer }> {
  const x509 = await loadX509();
  const extensions: InstanceType<X509Module['Extension']>[] = [];
  const names = [
    ...spec.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...spec.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
    ...spec.uris.map((value) => ({ type: 'url' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  if (spec.addBasicConstraints) extensions.push(new x509.BasicConstraintsExtension(true, undefined, true));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectName(spec),
    extensions,
    signingAlgorithm: signingAlgorithm(key),
    keys: key.keys as unknown as { publicKey: CryptoKeyLike; privateKey: CryptoKeyLike },
  });
  const der = Buffer.from(csr.rawData);
  return { pem: toPem(der, 'CERTIFICATE REQUEST'), der };
}

/** A parsed CSR. */
export interface ParsedCsr extends SubjectPublicKey {
  readonly subjectDer: Buffer;
  readonly commonName: string;
  readonly dnsNames: readonly string[];
  readonly emails: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly uris: readonly string[];
  /** RSA modulus length or EC curve size; 0 for Ed25519. */
  readonly bits: number;
  /** The requested extensions (copied with `use_csr_values` and by `sign-verbatim`). */
  readonly extensions: readonly InstanceType<X509Module['Extension']>[];
}

/** Parses the `csr` field of a request; throws Vault's 400 errors. */
export async function parseCsr(text: string): Promise<ParsedCsr> {
  if (text === '') throw badRequest('"csr" is empty');
  const block = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  const body = (block?.[2] ?? '').replace(/\s+/g, '');
  if (!block || body === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw badRequest('csr contains no data');
  const x509 = await loadX509();
  let csr: InstanceType<X509Module['Pkcs10CertificateRequest']>;
  try {
    csr = new x509.Pkcs10CertificateRequest(Buffer.from(body, 'base64'));
  } catch (error: unknown) {
    throw badRequest(`certificate request could not be parsed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const spkiDer = Buffer.from(csr.publicKey.rawData);
  const { type, bits } = publicKeyKind(spkiDer);
  const rawSan = csr.getExtension('2.5.29.17');
  const san = rawSan ? new x509.SubjectAlternativeNameExtension(rawSan.rawData) : undefined;
  const sans = san?.names.items ?? [];
  const pick = (kind: string): string[] => sans.filter((name) => name.type === kind).map((name) => name.value);
  return {
    type,
    bits,
    spkiDer,
    subjectDer: Buffer.from(csr.subjectName.toArrayBuffer()),
    commonName: csr.subjectName.getField('CN')[0] ?? '',
    dnsNames: pick('dns'),
    emails: pick('email'),
    ipAddresses: pick('ip'),
    uris: pick('url'),
    extensions: csr.extensions,
  };
}

/** Key type and size of a SubjectPublicKeyInfo; throws Vault's 400 for unsupported keys. */
export function publicKeyKind(spkiDer: Buffer): { type: PkiKeyType; bits: number } {
  const key = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return { type: 'rsa', bits: details.modulusLength ?? 0 };
  if (key.asymmetricKeyType === 'ed25519') return { type: 'ed25519', bits: 0 };
  if (key.asymmetricKeyType === 'ec') {
    const bits = { prime256v1: 256, secp224r1: 224, secp384r1: 384, secp521r1: 521 }[details.namedCurve ?? ''];
    if (bits !== undefined) return { type: 'ec', bits };
  }
  throw badRequest(
    'Refusing to sign CSR with empty PublicKey. This usually means the SubjectPublicKeyInfo field has an OID not recognized by Go, such as 1.2.840.113549.1.1.10 for rsaPSS.',
  );
}
