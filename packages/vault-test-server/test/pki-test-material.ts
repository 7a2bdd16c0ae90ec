/**
 * Test material for the PKI conformance suite, made independently of the server: key pairs,
 * CSRs and self-signed CA certificates built with `@peculiar/x509` on Node's WebCrypto, and a
 * binary `fetch` for the DER endpoints.
 */
import 'reflect-metadata';
import { createPrivateKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { VaultTestServer } from '../src/index.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

/** Key types the tests use. `rsa-1024` is too small for Vault. */
export type TestKeyType = 'rsa' | 'rsa-1024' | 'ec';

type KeyPairs = Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0]['keys'];

interface KeyPair {
  readonly keys: KeyPairs;
  readonly algorithm: { name: string; hash: string };
}

async function keyPair(type: TestKeyType): Promise<KeyPair> {
  if (type === 'ec') {
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as unknown as KeyPairs;
    return { keys, algorithm: { name: 'ECDSA', hash: 'SHA-256' } };
  }
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(
    { ...algorithm, modulusLength: type === 'rsa' ? 2048 : 1024, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  )) as unknown as KeyPairs;
  return { keys, algorithm };
}

async function spkiOf(pair: KeyPair): Promise<Buffer> {
  return Buffer.from(await webcrypto.subtle.exportKey('spki', pair.keys.publicKey as unknown as webcrypto.CryptoKey));
}

/** What a test CSR holds. */
export interface CsrOptions {
  readonly subject: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly keyType?: TestKeyType;
  /** Adds a CA:true basic constraints extension request. */
  readonly basicConstraintsCa?: boolean;
}

/** A PEM CSR and the SPKI (DER) of its key. */
export async function makeCsr(options: CsrOptions): Promise<{ pem: string; spki: Buffer }> {
  const pair = await keyPair(options.keyType ?? 'rsa');
  const extensions: x509.Extension[] = [];
  const names = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  if (options.basicConstraintsCa) extensions.push(new x509.BasicConstraintsExtension(true, undefined, true));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: options.subject,
    keys: pair.keys,
    signingAlgorithm: pair.algorithm,
    extensions,
  });
  return { pem: csr.toString('pem'), spki: await spkiOf(pair) };
}

/** A self-signed certificate (CA unless told) and its PKCS#8 key, PEM. */
export async function makeSelfSigned(
  subject: string,
  options: { ca?: boolean; keyType?: TestKeyType } = {},
): Promise<{ pem: string; keyPem: string }> {
  const pair = await keyPair(options.keyType ?? 'ec');
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a1b2c3d4e5f',
    name: subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 30 * 86_400_000),
    keys: pair.keys,
    signingAlgorithm: pair.algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(options.ca ?? true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(await spkiOf(pair)),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', pair.keys.privateKey as unknown as webcrypto.CryptoKey));
  const keyPem = String(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }));
  return { pem: certificate.toString('pem'), keyPem };
}

/** A binary answer. */
export interface BinaryAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Buffer;
}

/** `GET /v1/<path>` read as bytes (DER endpoints); no token unless given. */
export async function fetchBytes(server: VaultTestServer, path: string, token?: string): Promise<BinaryAnswer> {
  const response = await fetch(`${server.address}/v1/${path}`, { headers: token ? { 'X-Vault-Token': token } : {} });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** The DER inside a PEM block. */
export function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z0-9 ]+-----|\s/g, ''), 'base64');
}
