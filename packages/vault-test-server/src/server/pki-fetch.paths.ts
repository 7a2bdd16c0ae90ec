/**
 * Reading authority information (https://developer.hashicorp.com/vault/api-docs/secret/pki#accessing-authority-information),
 * unauthenticated like in Vault: the default issuer's certificate (`ca` DER, `ca/pem`,
 * `cert/ca`), its chain (`ca_chain`, `cert/ca_chain`) and CRL (`crl` DER, `crl/pem`,
 * `cert/crl`), certificates by serial (`cert/:serial`, `/raw`, `/raw/pem`), issuers (LIST
 * `issuers`, `issuer/:ref/json|der|pem`, `issuer/:ref/crl(/pem|/der)`); and, authenticated,
 * LIST `certs`, LIST `certs/revoked`, `issuer/:ref`, LIST `keys`, `key/:ref`.
 */
import { badRequest, internalError } from './errors.js';
import type { DataResponse, LogicalResponse, RawResponse } from './logical.js';
import { respondData } from './logical.js';
import type { PathDefinition, PathParams } from './path-router.js';
import { colonSerial } from './pki-certificates.js';
import { normalizeSerialHex } from './pki-certificate-info.js';
import { crlPem } from './pki-crl.js';
import type { PkiContext } from './pki-issuance.js';
import type { PkiIssuer } from './pki-mount-state.js';
import { formatRfc3339FromMillis } from './time-format.js';

const REF = String.raw`(?<ref>\w(?:[\w.-]*\w)?)`;
const SERIAL = String.raw`(?<serial>[0-9A-Fa-f:-]+)`;

/** The paths of this module. */
export function pkiFetchPaths(pki: PkiContext): PathDefinition[] {
  const open = true;
  return [
    { pattern: /^ca(?<pem>\/pem)?$/, operations: { read: (_r, p) => rawCa(pki, p['pem'] !== '') }, unauthenticated: open },
    { pattern: /^ca_chain$/, operations: { read: () => rawChain(pki) }, unauthenticated: open },
    { pattern: /^cert\/ca_chain$/, operations: { read: () => jsonChain(pki) }, unauthenticated: open },
    { pattern: /^cert\/ca$/, operations: { read: () => jsonCa(pki) }, unauthenticated: open },
    { pattern: /^cert\/crl$/, operations: { read: () => jsonCrl(pki) }, unauthenticated: open },
    { pattern: /^crl(?<pem>\/pem)?$/, operations: { read: (_r, p) => rawCrl(pki, p['pem'] !== '') }, unauthenticated: open },
    { pattern: new RegExp(`^cert/${SERIAL}/raw(?<pem>/pem)?$`), operations: { read: (_r, p) => rawCert(pki, p) }, unauthenticated: open },
    { pattern: new RegExp(`^cert/${SERIAL}$`), operations: { read: (_r, p) => readCert(pki, p) }, unauthenticated: open },
    {
      pattern: /^certs\/?$/,
      operations: { list: () => respondData({ keys: [...pki.state.certificates.keys()].map(colonSerial).sort() }) },
    },
    {
      pattern: /^certs\/revoked\/?$/,
      operations: { list: () => respondData({ keys: [...pki.state.revoked.keys()].map(colonSerial).sort() }) },
    },
    { pattern: /^issuers\/?$/, operations: { list: () => listIssuers(pki) }, unauthenticated: open },
    { pattern: new RegExp(`^issuer/${REF}$`), operations: { read: (_r, p) => readIssuer(pki, p) } },
    {
      pattern: new RegExp(`^issuer/${REF}/(?<form>json|der|pem)$`),
      operations: { read: (_r, p) => issuerCertificate(pki, p) },
      unauthenticated: open,
    },
    {
      pattern: new RegExp(`^issuer/${REF}/crl(?:/(?<form>pem|der))?$`),
      operations: { read: (_r, p) => issuerCrl(pki, p) },
      unauthenticated: open,
    },
    { pattern: /^keys\/?$/, operations: { list: () => listKeys(pki) } },
    { pattern: new RegExp(`^key/${REF}$`), operations: { read: (_r, p) => readKey(pki, p) } },
  ];
}

function raw(contentType: string, body: Buffer | string): RawResponse {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return { kind: 'raw', status: bytes.length > 0 ? 200 : 204, body: '', bytes, headers: { 'Content-Type': contentType } };
}

function defaultIssuer(pki: PkiContext): PkiIssuer | undefined {
  const found = pki.state.lookupIssuer('default');
  return 'issuer' in found ? found.issuer : undefined;
}

/** The default issuer for a JSON read, or Vault's 400 (`no default issuer currently configured`). */
function requireDefaultIssuer(pki: PkiContext): PkiIssuer {
  const found = pki.state.lookupIssuer('default');
  if ('error' in found) throw badRequest(found.error);
  return found.issuer;
}

function chainText(issuer: PkiIssuer): string {
  return issuer.caChain.map((entry) => entry.pem).join('\n');
}

/** `GET ca` (DER, `application/pkix-cert`) and `GET ca/pem` (PEM, `application/pem-certificate-chain`); 204 without an issuer. */
function rawCa(pki: PkiContext, pem: boolean): RawResponse {
  const issuer = defaultIssuer(pki);
  if (pem) return raw('application/pem-certificate-chain', issuer?.info.pem ?? '');
  return raw('application/pkix-cert', issuer?.info.der ?? Buffer.alloc(0));
}

/** `GET ca_chain`: the default issuer's chain, PEM (Vault labels it `application/pkix-cert`). */
function rawChain(pki: PkiContext): RawResponse {
  const issuer = defaultIssuer(pki);
  return raw('application/pkix-cert', issuer ? chainText(issuer) : '');
}

function jsonChain(pki: PkiContext): DataResponse {
  const chain = chainText(requireDefaultIssuer(pki));
  return respondData({ ca_chain: chain, certificate: chain, revocation_time: 0, revocation_time_rfc3339: '' });
}

function jsonCa(pki: PkiContext): DataResponse {
  return respondData({ certificate: requireDefaultIssuer(pki).info.pem, revocation_time: 0, revocation_time_rfc3339: '' });
}

async function defaultCrl(pki: PkiContext): Promise<Buffer | undefined> {
  const issuer = defaultIssuer(pki);
  return issuer ? (await pki.state.crlOf(issuer))?.der : undefined;
}

/** `GET crl` (DER, `application/pkix-crl`) and `GET crl/pem` (`application/x-pem-file`); 204 without a CRL. */
async function rawCrl(pki: PkiContext, pem: boolean): Promise<RawResponse> {
  const der = await defaultCrl(pki);
  if (pem) return raw('application/x-pem-file', der ? crlPem(der).trim() : '');
  return raw('application/pkix-crl', der ?? Buffer.alloc(0));
}

async function jsonCrl(pki: PkiContext): Promise<DataResponse> {
  const der = await defaultCrl(pki);
  return respondData({ certificate: der ? crlPem(der).trim() : '', revocation_time: 0, revocation_time_rfc3339: '' });
}

function rawCert(pki: PkiContext, params: PathParams): RawResponse {
  if (params['serial'] === 'ca') return rawCa(pki, params['pem'] !== '');
  const stored = pki.state.certificates.get(normalizeSerialHex(params['serial'] ?? ''));
  if (params['pem'] !== '') return raw('application/pem-certificate-chain', stored?.info.pem ?? '');
  return raw('application/pkix-cert', stored?.info.der ?? Buffer.alloc(0));
}

/** `GET cert/:serial`; 404 for an unknown serial. */
function readCert(pki: PkiContext, params: PathParams): DataResponse | null {
  const serialHex = normalizeSerialHex(params['serial'] ?? '');
  const stored = pki.state.certificates.get(serialHex);
  if (!stored) return null;
  const revoked = pki.state.revoked.get(serialHex);
  return respondData({
    certificate: stored.info.pem,
    ...(revoked ? { issuer_id: revoked.issuerId } : {}),
    revocation_time: revoked ? Math.floor(revoked.revokedAtMs / 1000) : 0,
    revocation_time_rfc3339: revoked ? formatRfc3339FromMillis(revoked.revokedAtMs) : '',
  });
}

/** LIST `issuers`: ids with name, default flag, serial and key id. */
function listIssuers(pki: PkiContext): DataResponse {
  const keyInfo: Record<string, unknown> = {};
  for (const issuer of pki.state.issuers.values()) {
    keyInfo[issuer.id] = {
      is_default: issuer.id === pki.state.defaultIssuerId,
      issuer_name: issuer.name,
      key_id: issuer.keyId,
      serial_number: colonSerial(issuer.info.serialHex),
    };
  }
  return respondData({ key_info: keyInfo, keys: Object.keys(keyInfo).sort() });
}

/** `GET issuer/:ref` (https://developer.hashicorp.com/vault/api-docs/secret/pki#read-issuer). */
function readIssuer(pki: PkiContext, params: PathParams): DataResponse {
  const issuer = pki.state.readableIssuer(params['ref'] ?? '');
  return respondData({
    ca_chain: issuer.caChain.map((entry) => `${entry.pem}\n`),
    certificate: `${issuer.info.pem}\n`,
    crl_distribution_points: [],
    enable_aia_url_templating: false,
    issuer_id: issuer.id,
    issuer_name: issuer.name,
    issuing_certificates: [],
    key_id: issuer.keyId,
    leaf_not_after_behavior: issuer.leafNotAfterBehavior,
    manual_chain: null,
    ocsp_servers: [],
    revocation_signature_algorithm: '',
    revoked: false,
    usage: 'read-only,issuing-certificates,crl-signing,ocsp-signing',
  });
}

/** `GET issuer/:ref/json|der|pem` (https://developer.hashicorp.com/vault/api-docs/secret/pki#read-issuer-certificate). */
function issuerCertificate(pki: PkiContext, params: PathParams): LogicalResponse {
  const issuer = pki.state.readableIssuer(params['ref'] ?? '');
  if (params['form'] === 'der') return raw('application/pkix-cert', issuer.info.der);
  if (params['form'] === 'pem') return raw('application/pem-certificate-chain', `${issuer.info.pem}\n`);
  return respondData({
    ca_chain: issuer.caChain.map((entry) => `${entry.pem}\n`),
    certificate: `${issuer.info.pem}\n`,
    issuer_id: issuer.id,
    issuer_name: issuer.name,
  });
}

/** `GET issuer/:ref/crl` (JSON `crl`), `/crl/pem`, `/crl/der` (https://developer.hashicorp.com/vault/api-docs/secret/pki#read-issuer-crl). */
async function issuerCrl(pki: PkiContext, params: PathParams): Promise<LogicalResponse> {
  const issuer = pki.state.readableIssuer(params['ref'] ?? '');
  const der = (await pki.state.crlOf(issuer))?.der;
  if (params['form'] === 'der') return raw('application/pkix-crl', der ?? Buffer.alloc(0));
  const pem = der ? crlPem(der) : '';
  if (params['form'] === 'pem') return raw('application/x-pem-file', pem);
  return respondData({ crl: pem });
}

function listKeys(pki: PkiContext): DataResponse {
  const keyInfo: Record<string, unknown> = {};
  for (const key of pki.state.keys.values()) keyInfo[key.id] = { key_name: key.name };
  return respondData({ key_info: keyInfo, keys: Object.keys(keyInfo).sort() });
}

/** `GET key/:ref` (https://developer.hashicorp.com/vault/api-docs/secret/pki#read-key). */
function readKey(pki: PkiContext, params: PathParams): DataResponse {
  const ref = params['ref'] ?? '';
  const state = pki.state;
  const id = ref.toLowerCase() === 'default' ? state.defaultKeyId : ref;
  const key = (id === undefined ? undefined : state.keys.get(id)) ?? [...state.keys.values()].find((candidate) => candidate.name === ref);
  if (!key) throw internalError(id === undefined ? 'no default key currently configured' : `unable to find PKI key for reference: ${ref}`);
  return respondData({ key_id: key.id, key_name: key.name, key_type: key.key.type });
}
