/**
 * Real X.509 certificates for the PKI engine, built with `@peculiar/x509` on Node's WebCrypto.
 * `reflect-metadata` and `@peculiar/x509` are loaded with dynamic imports the first time a
 * certificate is generated, so users who never mount `pki` do not need them.
 */
import { createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { buildExtensions } from './pki-extensions.js';

/** Key types of the PKI engine. */
export type PkiKeyType = 'rsa' | 'ec' | 'ed25519';

/** The `@peculiar/x509` module. */
export type X509Module = typeof import('@peculiar/x509');
type WebCryptoKey = webcrypto.CryptoKey;
type WebCryptoKeyPair = webcrypto.CryptoKeyPair;

let x509Module: Promise<X509Module> | undefined;

/** Loads `reflect-metadata` then `@peculiar/x509` once, with Node's WebCrypto as provider. */
export function loadX509(): Promise<X509Module> {
  x509Module ??= (async () => {
    await import('reflect-metadata');
    const module = (await import('@peculiar/x509')) as X509Module & { default?: X509Module };
    const x509 = module.default ?? module;
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<X509Module['cryptoProvider']['set']>[0]);
    return x509;
  })();
  return x509Module;
}

/** A public key to certify: its type and SubjectPublicKeyInfo (DER). */
export interface SubjectPublicKey {
  readonly type: PkiKeyType;
  readonly spkiDer: Buffer;
}

/** A key pair (generated or imported) with its PEM export. */
export interface GeneratedKey extends SubjectPublicKey {
  /** RSA modulus length or EC curve size (256/384/521); 0 for Ed25519. */
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
const RSA_IMPORT = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** Generates a key pair. `bits`: RSA modulus length, EC curve size (256/384/521), ignored for Ed25519. */
export async function generateKey(type: PkiKeyType, bits: number): Promise<GeneratedKey> {
  const subtle = webcrypto.subtle;
  let keys: WebCryptoKeyPair;
  if (type === 'rsa') {
    keys = (await subtle.generateKey({ ...RSA_IMPORT, modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]) }, true, [
      'sign',
      'verify',
    ])) as WebCryptoKeyPair;
  } else if (type === 'ec') {
    keys = (await subtle.generateKey({ name: 'ECDSA', namedCurve: EC_CURVES[bits] ?? 'P-256' }, true, [
      'sign',
      'verify',
    ])) as WebCryptoKeyPair;
  } else {
    keys = (await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as WebCryptoKeyPair;
  }
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey));
  return describeKey(type, bits, keys, pkcs8);
}

/**
 * Imports an unencrypted private key PEM (PKCS#1 RSA, SEC1 EC or PKCS#8 RSA/EC/Ed25519).
 * Throws an `Error` with a readable message for anything else.
 */
export async function importPrivateKey(pem: string): Promise<GeneratedKey> {
  const keyObject = createPrivateKey({ key: pem, format: 'pem' });
  const pkcs8 = Buffer.from(keyObject.export({ type: 'pkcs8', format: 'der' }));
  const spki = Buffer.from(createPublicKey(keyObject).export({ type: 'spki', format: 'der' }));
  const details = keyObject.asymmetricKeyDetails ?? {};
  const subtle = webcrypto.subtle;
  let algorithm: Parameters<typeof subtle.importKey>[2];
  let type: PkiKeyType;
  let bits: number;
  if (keyObject.asymmetricKeyType === 'rsa') {
    type = 'rsa';
    bits = details.modulusLength ?? 0;
    algorithm = RSA_IMPORT;
  } else if (keyObject.asymmetricKeyType === 'ec') {
    type = 'ec';
    bits = { prime256v1: 256, secp384r1: 384, secp521r1: 521 }[details.namedCurve ?? ''] ?? 0;
    if (bits === 0) throw new Error(`unsupported EC curve ${details.namedCurve ?? 'unknown'}`);
    algorithm = { name: 'ECDSA', namedCurve: EC_CURVES[bits] ?? 'P-256' };
  } else if (keyObject.asymmetricKeyType === 'ed25519') {
    type = 'ed25519';
    bits = 0;
    algorithm = { name: 'Ed25519' };
  } else {
    throw new Error(`unsupported private key type ${keyObject.asymmetricKeyType ?? 'unknown'}`);
  }
  const privateKey = await subtle.importKey('pkcs8', pkcs8, algorithm, true, ['sign']);
  const publicKey = await subtle.importKey('spki', spki, algorithm, true, ['verify']);
  return describeKey(type, bits, { privateKey, publicKey }, pkcs8);
}

async function describeKey(type: PkiKeyType, bits: number, keys: WebCryptoKeyPair, pkcs8: Buffer): Promise<GeneratedKey> {
  const keyObject = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const nativeType = type === 'rsa' ? 'pkcs1' : type === 'ec' ? 'sec1' : 'pkcs8';
  const spkiDer = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  return {
    type,
    bits,
    keys,
    spkiDer,
    privateKeyPem: String(keyObject.export({ type: nativeType, format: 'pem' })).trim(),
    pkcs8Pem: String(keyObject.export({ type: 'pkcs8', format: 'pem' })).trim(),
    privateKeyDerBase64: Buffer.from(keyObject.export({ type: nativeType, format: 'der' })).toString('base64'),
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

/** Subject attributes, in the order Go's `pkix.Name` writes them. */
export interface SubjectFields {
  readonly commonName: string;
  readonly country?: readonly string[];
  readonly organization?: readonly string[];
  readonly organizationalUnit?: readonly string[];
  readonly locality?: readonly string[];
  readonly province?: readonly string[];
  readonly streetAddress?: readonly string[];
  readonly postalCode?: readonly string[];
  readonly serialNumber?: string;
}

/** The JSON name `@peculiar/x509` builds a DN from. */
export function subjectName(fields: SubjectFields): Array<Record<string, string[]>> {
  const name: Array<Record<string, string[]>> = [];
  const add = (key: string, values: readonly string[] | undefined): void => {
    if (values && values.length > 0) name.push({ [key]: [...values] });
  };
  add('C', fields.country);
  add('O', fields.organization);
  add('OU', fields.organizationalUnit);
  add('L', fields.locality);
  add('ST', fields.province);
  add('2.5.4.9', fields.streetAddress);
  add('2.5.4.17', fields.postalCode);
  add('2.5.4.5', fields.serialNumber ? [fields.serialNumber] : undefined);
  add('CN', fields.commonName !== '' ? [fields.commonName] : undefined);
  return name;
}

/** Authority information access and CRL distribution point URLs put into a certificate. */
export interface AiaUrls {
  readonly issuingCertificates: readonly string[];
  readonly ocspServers: readonly string[];
  readonly crlDistributionPoints: readonly string[];
}

/** What a certificate is made of. Times in ms. */
export interface CertificateSpec extends SubjectFields {
  readonly serialHex: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly uris?: readonly string[];
  readonly emails?: readonly string[];
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  /** The certified key (a key pair is needed when `issuer` is absent: self-signed). */
  readonly subjectKey: SubjectPublicKey;
  /** Exact subject DN (DER), overriding the subject fields (CSR values, self-issued certificates). */
  readonly subjectDer?: Buffer;
  /** CA certificate: basic constraints CA + keyCertSign/cRLSign. */
  readonly isCa: boolean;
  /** CA path length constraint; undefined or negative = none. */
  readonly maxPathLength?: number;
  readonly serverAuth?: boolean;
  readonly clientAuth?: boolean;
  /** Leaf key usages by Go name (`DigitalSignature`, `KeyEncipherment`...); default by key type. */
  readonly keyUsage?: readonly string[];
  /** Leaf extended key usages by Go name (`ServerAuth`, `CodeSigning`...), besides the flags. */
  readonly extKeyUsage?: readonly string[];
  readonly aia?: AiaUrls;
  /** Extensions copied from a CSR or certificate. */
  readonly copiedExtensions?: readonly InstanceType<X509Module['Extension']>[];
  /**
   * Copied key usage, extended key usage and SAN extensions win over the built ones (CSR values);
   * a CA keeps certSign/cRLSign and adds the copied usages. Otherwise built extensions win.
   */
  readonly copiedWin?: boolean;
  /** Issuer; undefined = self-signed. */
  readonly issuer?: { readonly certificate: { readonly der: Buffer }; readonly key: GeneratedKey };
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

/** WebCrypto signature parameters for a signing key (SHA-256 for RSA, curve-sized for EC). */
export function signingAlgorithm(key: GeneratedKey): { name: string; hash?: string } {
  if (key.type === 'rsa') return { ...RSA_IMPORT };
  if (key.type === 'ec') return { name: 'ECDSA', hash: EC_HASHES[key.bits] ?? 'SHA-256' };
  return { name: 'Ed25519' };
}

/** The `CryptoKey` type @peculiar/x509 expects (the DOM one); Node's WebCrypto keys are compatible. */
export type CryptoKeyLike = Parameters<X509Module['SubjectKeyIdentifierExtension']['create']>[0] & WebCryptoKey;

/** Creates (and signs) a certificate. */
export async function createCertificate(spec: CertificateSpec): Promise<IssuedCertificate> {
  const x509 = await loadX509();
  const extensions = await buildExtensions(x509, spec);
  const name = spec.subjectDer ? new x509.Name(spec.subjectDer) : subjectName(spec);
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
      subject: name,
      issuer: new x509.Name(issuerCert.subjectName.toArrayBuffer()),
      publicKey: spec.subjectKey.spkiDer,
      signingKey: spec.issuer.key.keys.privateKey as unknown as CryptoKeyLike,
      signingAlgorithm: signingAlgorithm(spec.issuer.key),
    });
  } else {
    const own = spec.subjectKey as Partial<GeneratedKey>;
    if (!own.keys) throw new Error('a self-signed certificate needs the subject key pair');
    certificate = await x509.X509CertificateGenerator.create({
      ...common,
      subject: name,
      issuer: name,
      publicKey: spec.subjectKey.spkiDer,
      signingKey: own.keys.privateKey as unknown as CryptoKeyLike,
      signingAlgorithm: signingAlgorithm(own as GeneratedKey),
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

/** PEM block of a DER value without trailing newline (`CERTIFICATE` unless told). */
export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----`;
}

/** Whether a name is a valid (optionally wildcard) DNS hostname, like Vault's `enforce_hostnames`. */
export function isHostname(name: string): boolean {
  const clean = name.startsWith('*.') ? name.slice(2) : name;
  if (clean === '' || clean.length > 253 || isIP(clean) !== 0) return false;
  return /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/.test(clean);
}
