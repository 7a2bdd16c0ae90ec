/**
 * Certificates for the test server's HTTPS listener and its clients: CAs generated at start
 * (a root, optionally an intermediate), the server certificate they issue, and client
 * certificates for mTLS and the `cert` auth method. Built with the PKI engine's helpers (`@peculiar/x509`, loaded on first use).
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

/**
 * Generates a fresh CA (EC P-256) valid for a year: self-signed, or an intermediate CA signed by
 * `issuer`. Times follow the wall clock, as TLS verification does.
 */
export async function createTestCertificateAuthority(
  commonName = 'Vault Test Server CA',
  issuer?: TestCertificateAuthority,
): Promise<TestCertificateAuthority> {
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
    ...(issuer ? { issuer: { certificate: issuer.certificate, key: issuer.key } } : {}),
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

/** A client certificate and its private key, PEM, for `clientCert` / `clientKey` (VAULT_CLIENT_CERT / VAULT_CLIENT_KEY). */
export interface TestClientCertificate {
  /** The certificate, followed by `chain` when given (what a client presents). */
  readonly certPem: string;
  /** PKCS#8 PEM. */
  readonly keyPem: string;
  /** Serial number, hex. */
  readonly serialHex: string;
}

/**
 * Issues a TLS client certificate (clientAuth) signed by `ca` with the given common name.
 *
 * @param options.notAfterMs - end of validity in ms since the epoch (default a year from now;
 *   a past time gives an expired certificate).
 * @param options.chain - intermediate CAs appended to `certPem`, leaf first.
 */
export async function issueTestClientCertificate(
  ca: TestCertificateAuthority,
  commonName: string,
  options: { readonly notAfterMs?: number; readonly chain?: readonly TestCertificateAuthority[] } = {},
): Promise<TestClientCertificate> {
  const key = await generateKey('ec', 256);
  const now = Date.now();
  const notAfterMs = options.notAfterMs ?? now + VALIDITY_MS;
  const certificate = await createCertificate({
    serialHex: randomSerialHex(),
    commonName,
    dnsNames: [],
    ipAddresses: [],
    notBeforeMs: Math.min(now - BACKDATE_MS, notAfterMs - BACKDATE_MS),
    notAfterMs,
    subjectKey: key,
    isCa: false,
    clientAuth: true,
    issuer: { certificate: ca.certificate, key: ca.key },
  });
  const chain = (options.chain ?? []).map((c) => c.certPem).join('');
  return { certPem: `${certificate.pem}\n${chain}`, keyPem: `${key.pkcs8Pem}\n`, serialHex: certificate.serialHex };
}
