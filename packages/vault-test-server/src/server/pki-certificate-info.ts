/**
 * Reading X.509 certificates given to the PKI engine (imported issuers, signed intermediates,
 * self-issued CAs): PEM splitting, the fields the engine needs, and signature checks between a
 * certificate and a candidate parent.
 */
import { createPublicKey, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { loadX509, toPem, type PkiKeyType } from './pki-certificates.js';

/** One PEM block. */
export interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
}

/**
 * Splits text into PEM blocks like Go's `pem.Decode` loop: text outside blocks is skipped.
 * Returns `undefined` when the text holds data that is not a complete PEM block.
 */
export function splitPem(text: string): PemBlock[] | undefined {
  const blocks: PemBlock[] = [];
  const pattern = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  let found: RegExpExecArray | null;
  let consumedUpTo = 0;
  while ((found = pattern.exec(text)) !== null) {
    const body = (found[2] ?? '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return undefined;
    blocks.push({ label: found[1] ?? '', der: Buffer.from(body, 'base64') });
    consumedUpTo = pattern.lastIndex;
  }
  if (blocks.length === 0 || text.slice(consumedUpTo).includes('-----BEGIN')) return undefined;
  return blocks;
}

/** What the engine reads from a certificate. Times in ms since the epoch. */
export interface CertificateInfo {
  readonly der: Buffer;
  /** PEM without trailing newline. */
  readonly pem: string;
  /** Lower-case hex without leading zero bytes (Go's `big.Int.Bytes()`). */
  readonly serialHex: string;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  readonly subjectDer: Buffer;
  readonly issuerDer: Buffer;
  readonly commonName: string;
  /** Basic constraints present with CA true. */
  readonly isCa: boolean;
  /** Basic constraints path length (undefined = none). */
  readonly pathLength: number | undefined;
  readonly spkiDer: Buffer;
  readonly keyType: PkiKeyType | undefined;
  /** Subject DN equals issuer DN. */
  readonly selfIssued: boolean;
}

/** Parses a DER certificate; throws `Error` when it is not one. */
export async function inspectCertificate(der: Buffer): Promise<CertificateInfo> {
  const x509 = await loadX509();
  const certificate = new x509.X509Certificate(der);
  const node = new NodeX509Certificate(der);
  const subjectDer = Buffer.from(certificate.subjectName.toArrayBuffer());
  const issuerDer = Buffer.from(certificate.issuerName.toArrayBuffer());
  const constraints = certificate.getExtension(x509.BasicConstraintsExtension);
  const spkiDer = Buffer.from(certificate.publicKey.rawData);
  const keyKind = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' }).asymmetricKeyType;
  return {
    der,
    pem: toPem(der),
    serialHex: normalizeSerialHex(node.serialNumber),
    notBeforeMs: certificate.notBefore.getTime(),
    notAfterMs: certificate.notAfter.getTime(),
    subjectDer,
    issuerDer,
    commonName: certificate.subjectName.getField('CN')[0] ?? '',
    isCa: constraints?.ca === true,
    pathLength: constraints?.pathLength,
    spkiDer,
    keyType: keyKind === 'rsa' || keyKind === 'ec' || keyKind === 'ed25519' ? keyKind : undefined,
    selfIssued: subjectDer.equals(issuerDer),
  };
}

/** Lower-case hex serial without separators and leading zero bytes. */
export function normalizeSerialHex(serial: string): string {
  let hex = serial.replace(/[:-]/g, '').toLowerCase();
  if (hex.length % 2 === 1) hex = `0${hex}`;
  while (hex.length > 2 && hex.startsWith('00')) hex = hex.slice(2);
  return hex;
}

/** Whether `child` names `parent`'s subject as issuer and carries a signature `parent`'s key verifies. */
export function isIssuedBy(child: CertificateInfo, parent: CertificateInfo): boolean {
  if (!child.issuerDer.equals(parent.subjectDer)) return false;
  try {
    return new NodeX509Certificate(child.der).verify(createPublicKey({ key: parent.spkiDer, format: 'der', type: 'spki' }));
  } catch {
    return false;
  }
}
