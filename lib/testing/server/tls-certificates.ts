/**
 * Certificates for the test server's HTTPS listener: a CA generated at start and a server
 * certificate it issues. Built with the PKI engine's helpers (`@peculiar/x509`, loaded on first use).
 */
import { isIP } from 'node:net';
import { createCertificate, generateKey, randomSerialHex, type GeneratedKey, type IssuedCertificate } from './pki-certificates.js';

/** A generated certificate authority. */
export interface TestCertificateAuthority {
  /** The CA certificate, PEM (what a client is given as `caCert` / VAULT_CACERT). */
  readonly certPem: string;
  readonly certificate: IssuedCertificate;
  readonly key: GeneratedKey;
}

/** A server certificate and its private key, PEM, ready for `tls.createServer`. */
export interface TestServerCertificate {
  readonly certPem: string;
  /** PKCS#8 PEM. */
  readonly keyPem: string;
}

const DAY_MS = 86_400_000;
/** Certificates are valid from an hour ago (clock skew) for a year: a CLI server may run for long. */
const BACKDATE_MS = 3_600_000;
const VALIDITY_MS = 365 * DAY_MS;

/** Generates a fresh self-signed CA (EC P-256) valid for a year. Times follow the wall clock, as TLS verification does. */
export async function createTestCertificateAuthority(commonName = 'Vault Test Server CA'): Promise<TestCertificateAuthority> {
  const key = await generateKey('ec', 256);
  const now = Date.now();
  const certificate = await createCertificate({
    serialHex: randomSerialHex(),
    commonName,
    organization: ['nestjs-vault-secrets'],
    dnsNames: [],
    ipAddresses: [],
    notBeforeMs: now - BACKDATE_MS,
    notAfterMs: now + VALIDITY_MS,
    subjectKey: key,
    isCa: true,
  });
  return { certPem: `${certificate.pem}\n`, certificate, key };
}

/**
 * Issues a server certificate (serverAuth) signed by `ca` for the given names: each name is put
 * into the subject alternative names as an IP address when it is one, as a DNS name otherwise.
 */
export async function issueTestServerCertificate(ca: TestCertificateAuthority, names: readonly string[]): Promise<TestServerCertificate> {
  const key = await generateKey('ec', 256);
  const now = Date.now();
  const certificate = await createCertificate({
    serialHex: randomSerialHex(),
    commonName: names[0] ?? 'localhost',
    dnsNames: names.filter((name) => isIP(name) === 0),
    ipAddresses: names.filter((name) => isIP(name) !== 0),
    notBeforeMs: now - BACKDATE_MS,
    notAfterMs: now + VALIDITY_MS,
    subjectKey: key,
    isCa: false,
    serverAuth: true,
    issuer: { certificate: ca.certificate, key: ca.key },
  });
  return { certPem: `${certificate.pem}\n`, keyPem: `${key.pkcs8Pem}\n` };
}
