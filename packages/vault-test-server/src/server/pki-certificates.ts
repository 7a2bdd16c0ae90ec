/**
 * Real X.509 certificates for the PKI engine, built with `@peculiar/x509` on Node's WebCrypto.
 * `reflect-metadata` and `@peculiar/x509` are loaded with dynamic imports the first time a
 * certificate is generated, so users who never mount `pki` do not need them.
 */
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';

/** Key types of the PKI engine. */
export type PkiKeyType = 'rsa' | 'ec' | 'ed25519';

type X509Module = typeof import('@peculiar/x509');
type WebCryptoKey = webcrypto.CryptoKey;
type WebCryptoKeyPair = webcrypto.CryptoKeyPair;

let x509Module: Promise<X509Module> | undefined;

/** Loads `reflect-metadata` then `@peculiar/x509` once, with Node's WebCrypto as provider. */
function loadX509(): Promise<X509Module> {
  x509Module ??= (async () => {
    await import('reflect-metadata');
    const module = (await import('@peculiar/x509')) as X509Module & { default?: X509Module };
    const x509 = module.default ?? module;
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<X509Module['cryptoProvider']['set']>[0]);
    return x509;
  })();
  return x509Module;
}

/** A generated key pair with its PEM export. */
export interface GeneratedKey {
  readonly type: PkiKeyType;
  readonly bits: number;
  readonly keys: WebCryptoKeyPair;
  /** Vault's default `private_key` PEM: PKCS#1 for RSA, SEC1 for EC, PKCS#8 for Ed25519. */
  readonly privateKeyPem: string;
  /** PKCS#8 PEM (`private_key_format=pkcs8`). */
  readonly pkcs8Pem: string;
  /** DER (base64) of the default format (`format=der`). */
  readonly privateKeyDerBase64: string;
}

const EC_CURVES: Readonly<Record<number, string>> = { 256: 'P-256', 384: 'P-384', 521: 'P-521' };
const EC_HASHES: Readonly<Record<number, string>> = { 256: 'SHA-256', 384: 'SHA-384', 521: 'SHA-512' };

/** Generates a key pair. `bits`: RSA modulus length, EC curve size (256/384/521), ignored for Ed25519. */
export async function generateKey(type: PkiKeyType, bits: number): Promise<GeneratedKey> {
  const subtle = webcrypto.subtle;
  let keys: WebCryptoKeyPair;
  if (type === 'rsa') {
    keys = (await subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )) as WebCryptoKeyPair;
  } else if (type === 'ec') {
    keys = (await subtle.generateKey({ name: 'ECDSA', namedCurve: EC_CURVES[bits] ?? 'P-256' }, true, [
      'sign',
      'verify',
    ])) as WebCryptoKeyPair;
  } else {
    keys = (await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as WebCryptoKeyPair;
  }
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey));
  const keyObject = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const nativeType = type === 'rsa' ? 'pkcs1' : type === 'ec' ? 'sec1' : 'pkcs8';
  const privateKeyPem = String(keyObject.export({ type: nativeType, format: 'pem' })).trim();
  const der = keyObject.export({ type: nativeType, format: 'der' });
  return {
    type,
    bits,
    keys,
    privateKeyPem,
    pkcs8Pem: String(keyObject.export({ type: 'pkcs8', format: 'pem' })).trim(),
    privateKeyDerBase64: Buffer.from(der).toString('base64'),
  };
}

/** A random positive 20-byte serial number as hex (first byte 0x01..0x7f). */
export function randomSerialHex(): string {
  const bytes = randomBytes(20);
  bytes[0] = ((bytes[0] ?? 1) % 0x7f) + 1;
  return bytes.toString('hex');
}

/** Vault's colon-separated lower-case hex serial (`39:dd:2e:...`). */
export function colonSerial(hex: string): string {
  return (hex.match(/../g) ?? []).join(':');
}

/** What a certificate is made of. Times in ms. */
export interface CertificateSpec {
  readonly serialHex: string;
  readonly commonName: string;
  readonly organization?: readonly string[];
  readonly organizationalUnit?: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly uris?: readonly string[];
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  /** The certified key. */
  readonly subjectKey: GeneratedKey;
  /** CA certificate: basic constraints CA + keyCertSign/cRLSign. */
  readonly isCa: boolean;
  readonly serverAuth?: boolean;
  readonly clientAuth?: boolean;
  /** Issuer; undefined = self-signed. */
  readonly issuer?: { readonly certificate: IssuedCertificate; readonly key: GeneratedKey };
}

/** An issued certificate. */
export interface IssuedCertificate {
  /** PEM without trailing newline (Vault's API form). */
  readonly pem: string;
  readonly der: Buffer;
  readonly serialHex: string;
  readonly notAfterMs: number;
  readonly notBeforeMs: number;
  /** Subject as `CN=...` text. */
  readonly subject: string;
}

function signingAlgorithm(key: GeneratedKey): { name: string; hash?: string } {
  if (key.type === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  if (key.type === 'ec') return { name: 'ECDSA', hash: EC_HASHES[key.bits] ?? 'SHA-256' };
  return { name: 'Ed25519' };
}

/** Creates (and signs) a certificate. */
export async function createCertificate(spec: CertificateSpec): Promise<IssuedCertificate> {
  const x509 = await loadX509();
  const subject: Array<Record<string, string[]>> = [];
  if (spec.organizationalUnit && spec.organizationalUnit.length > 0) subject.push({ OU: [...spec.organizationalUnit] });
  if (spec.organization && spec.organization.length > 0) subject.push({ O: [...spec.organization] });
  if (spec.commonName !== '') subject.push({ CN: [spec.commonName] });
  const extensions: InstanceType<X509Module['Extension']>[] = [];
  if (spec.isCa) {
    extensions.push(new x509.BasicConstraintsExtension(true, undefined, true));
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true));
  } else {
    extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
    const usage =
      spec.subjectKey.type === 'rsa'
        ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyAgreement
        : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement;
    extensions.push(new x509.KeyUsagesExtension(usage, true));
    const purposes: string[] = [];
    if (spec.serverAuth) purposes.push(x509.ExtendedKeyUsage.serverAuth);
    if (spec.clientAuth) purposes.push(x509.ExtendedKeyUsage.clientAuth);
    if (purposes.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(purposes, false));
  }
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(spec.subjectKey.keys.publicKey as unknown as CryptoKeyLike));
  const authorityKey = spec.issuer ? spec.issuer.key.keys.publicKey : spec.subjectKey.keys.publicKey;
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(authorityKey as unknown as CryptoKeyLike));
  const names = [
    ...spec.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...spec.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
    ...(spec.uris ?? []).map((value) => ({ type: 'url' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));

  const common = {
    serialNumber: spec.serialHex,
    notBefore: new Date(spec.notBeforeMs),
    notAfter: new Date(spec.notAfterMs),
    extensions,
  };
  let certificate: InstanceType<X509Module['X509Certificate']>;
  if (spec.issuer) {
    const issuerCert = new x509.X509Certificate(spec.issuer.certificate.der);
    certificate = await x509.X509CertificateGenerator.create({
      ...common,
      subject,
      issuer: issuerCert.subject,
      publicKey: spec.subjectKey.keys.publicKey as unknown as CryptoKeyLike,
      signingKey: spec.issuer.key.keys.privateKey as unknown as CryptoKeyLike,
      signingAlgorithm: signingAlgorithm(spec.issuer.key),
    });
  } else {
    certificate = await x509.X509CertificateGenerator.createSelfSigned({
      ...common,
      name: subject,
      keys: spec.subjectKey.keys as unknown as { publicKey: CryptoKeyLike; privateKey: CryptoKeyLike },
      signingAlgorithm: signingAlgorithm(spec.subjectKey),
    });
  }
  const der = Buffer.from(certificate.rawData);
  return {
    pem: toPem(der),
    der,
    serialHex: spec.serialHex,
    notAfterMs: spec.notAfterMs,
    notBeforeMs: spec.notBeforeMs,
    subject: certificate.subject,
  };
}

/** The `CryptoKey` type @peculiar/x509 expects (the DOM one); Node's WebCrypto keys are compatible. */
type CryptoKeyLike = Parameters<X509Module['SubjectKeyIdentifierExtension']['create']>[0] & WebCryptoKey;

/** PEM `CERTIFICATE` block without trailing newline. */
export function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----`;
}

/** Whether a name is a valid (optionally wildcard) DNS hostname, like Vault's `enforce_hostnames`. */
export function isHostname(name: string): boolean {
  const clean = name.startsWith('*.') ? name.slice(2) : name;
  if (clean === '' || clean.length > 253 || isIP(clean) !== 0) return false;
  return /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/.test(clean);
}
