/**
 * Certificate revocation lists (X.509 v2 CRLs) signed by a PKI issuer, like Vault's CRL builder:
 * the issuer's subject as CRL issuer, `thisUpdate` now, `nextUpdate` now + the configured
 * expiry, an authority key identifier and a CRL number extension, one entry per revoked
 * certificate (serial and revocation time).
 */
import { loadX509, signingAlgorithm, toPem, type CryptoKeyLike, type GeneratedKey } from './pki-certificates.js';

/** One revoked certificate. */
export interface CrlEntry {
  readonly serialHex: string;
  /** Revocation time, ms since the epoch. */
  readonly revokedAtMs: number;
}

/** What a CRL is made of. Times in ms since the epoch. */
export interface CrlSpec {
  readonly issuerCertificateDer: Buffer;
  readonly issuerKey: GeneratedKey;
  readonly number: number;
  readonly thisUpdateMs: number;
  readonly nextUpdateMs: number;
  readonly entries: readonly CrlEntry[];
}

/** Builds and signs a CRL; returns its DER. */
export async function createCrl(spec: CrlSpec): Promise<Buffer> {
  const x509 = await loadX509();
  const issuer = new x509.X509Certificate(spec.issuerCertificateDer);
  const crl = await x509.X509CrlGenerator.create({
    issuer: new x509.Name(issuer.subjectName.toArrayBuffer()),
    thisUpdate: new Date(spec.thisUpdateMs),
    nextUpdate: new Date(spec.nextUpdateMs),
    entries: spec.entries.map((entry) => ({ serialNumber: entry.serialHex, revocationDate: new Date(entry.revokedAtMs) })),
    extensions: [
      await x509.AuthorityKeyIdentifierExtension.create(spec.issuerKey.spkiDer),
      new x509.Extension('2.5.29.20', false, derInteger(spec.number)),
    ],
    signingKey: spec.issuerKey.keys.privateKey as unknown as CryptoKeyLike,
    signingAlgorithm: signingAlgorithm(spec.issuerKey),
  });
  return Buffer.from(crl.rawData);
}

/** PEM `X509 CRL` block with a trailing newline (Go's `pem.EncodeToMemory`). */
export function crlPem(der: Buffer): string {
  return `${toPem(der, 'X509 CRL')}\n`;
}

/** DER INTEGER of a non-negative number. */
function derInteger(value: number): Buffer {
  let hex = Math.max(0, Math.trunc(value)).toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}
