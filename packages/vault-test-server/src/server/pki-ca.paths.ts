/**
 * Creating and importing CAs (https://developer.hashicorp.com/vault/api-docs/secret/pki#managing-keys-and-issuers):
 * `root/generate/:type` (also `issuers/generate/root/:type`), `DELETE root`,
 * `intermediate/generate/:type` (also `issuers/generate/intermediate/:type`: a CSR and a key
 * kept by the mount), and the imports `config/ca`, `issuers/import/bundle`,
 * `issuers/import/cert` and `intermediate/set-signed` (PEM bundles of CA certificates and
 * keys; an imported certificate whose key the mount holds becomes an issuer that can sign).
 */
import { badRequest } from './errors.js';
import { durationField, stringField } from './fields.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { PathDefinition, PathParams } from './path-router.js';
import {
  caAltNames,
  caKeySpec,
  generationType,
  issuerNameField,
  keyNameField,
  maxPathLengthField,
  requiredCommonName,
  subjectFields,
} from './pki-ca-fields.js';
import {
  colonSerial,
  createCertificate,
  generateKey,
  importPrivateKey,
  randomSerialHex,
  toPem,
  type AiaUrls,
  type GeneratedKey,
} from './pki-certificates.js';
import { inspectCertificate, splitPem, type CertificateInfo } from './pki-certificate-info.js';
import { createCsr } from './pki-csr.js';
import { AIA_WARNING, computeValidity, parseFormat, type PkiContext } from './pki-issuance.js';

/** The paths of this module. */
export function pkiCaPaths(pki: PkiContext): PathDefinition[] {
  return [
    {
      pattern: /^(?:root\/generate|issuers\/generate\/root)\/(?<exported>[^/]+)$/,
      operations: { update: (r, p) => generateRoot(pki, r, p) },
    },
    { pattern: /^root$/, operations: { delete: () => deleteRoot(pki) } },
    {
      pattern: /^(?:intermediate\/generate|issuers\/generate\/intermediate)\/(?<exported>[^/]+)$/,
      operations: { update: (r, p) => generateIntermediate(pki, r, p) },
    },
    {
      pattern: /^(?:config\/ca|issuers\/import\/(?<kind>bundle|cert)|intermediate\/set-signed)$/,
      operations: { update: (r, p) => importIssuers(pki, r, p) },
    },
  ];
}

/** The private key as `private_key_format` asks (`pkcs8`) in the response `format`. */
function privateKeyText(key: GeneratedKey, der: boolean, pkcs8: boolean): string {
  if (!der) return pkcs8 ? key.pkcs8Pem : key.privateKeyPem;
  if (!pkcs8) return key.privateKeyDerBase64;
  return key.pkcs8Pem.replace(/-----[A-Z ]+-----|\s/g, '');
}

/** `POST root/generate/:type` (https://developer.hashicorp.com/vault/api-docs/secret/pki#generate-root). */
async function generateRoot(pki: PkiContext, req: LogicalRequest, params: PathParams): Promise<DataResponse> {
  const data = req.data;
  const mode = generationType(params['exported'] ?? '');
  const format = parseFormat(data);
  const keySpec = caKeySpec(data);
  const maxPathLength = maxPathLengthField(data);
  const issuerName = issuerNameField(pki.state, data);
  const keyName = keyNameField(pki.state, data);
  const commonName = requiredCommonName(data);
  let aia: AiaUrls;
  try {
    aia = pki.state.aiaUrls('');
  } catch (error: unknown) {
    throw badRequest(
      `unable to parse AIA URL information: ${(error as Error).message}\nUsing templated AIA URL's {{issuer_id}} field when generating root certificates is not supported.`,
    );
  }
  const validity = computeValidity(pki, {
    requestedTtl: durationField(data, 'ttl', 0),
    roleTtl: 0,
    roleMaxTtl: 0,
    notBeforeDuration: durationField(data, 'not_before_duration', 30),
  });
  const key = await generateKey(keySpec.type, keySpec.bits);
  const certificate = await createCertificate({
    ...subjectFields(data, commonName),
    ...caAltNames(data, commonName),
    ...validity,
    serialHex: randomSerialHex(),
    subjectKey: key,
    isCa: true,
    maxPathLength,
    aia,
  });
  const info = await inspectCertificate(certificate.der);
  const storedKey = pki.state.addKey(key, keyName).key;
  const issuer = pki.state.addIssuer(info, issuerName).issuer;
  pki.state.certificates.set(info.serialHex, { info, issuerId: issuer.id });
  await pki.state.rebuildCrls();
  const der = format === 'der';
  const pkcs8 = stringField(data, 'private_key_format') === 'pkcs8';
  const out: Record<string, unknown> = {
    certificate: der ? info.der.toString('base64') : info.pem,
    expiration: Math.floor(info.notAfterMs / 1000),
    issuer_id: issuer.id,
    issuer_name: issuer.name,
    issuing_ca: der ? info.der.toString('base64') : info.pem,
    key_id: storedKey.id,
    key_name: storedKey.name,
    serial_number: colonSerial(info.serialHex),
  };
  if (mode === 'exported') {
    out['private_key'] = privateKeyText(key, der, pkcs8);
    out['private_key_type'] = key.type;
    if (format === 'pem_bundle') out['certificate'] = `${key.privateKeyPem}\n${info.pem}`;
  }
  const warnings: string[] = [];
  if (aia.issuingCertificates.length + aia.ocspServers.length + aia.crlDistributionPoints.length === 0) warnings.push(AIA_WARNING);
  if (maxPathLength === 0) {
    warnings.push(
      'Max path length of the generated certificate is zero. This certificate cannot be used to issue intermediate CA certificates.',
    );
  }
  return respondData(out, { warnings: [...warnings, ...validity.warnings] });
}

/** `DELETE root`: every issuer and key of the mount. */
function deleteRoot(pki: PkiContext): DataResponse {
  pki.state.deleteAll();
  return respondData(null, {
    warnings: [
      'DELETE /root deletes all keys and issuers; prefer the new DELETE /key/:key_ref and DELETE /issuer/:issuer_ref for finer granularity, unless removal of all keys and issuers is desired.',
    ],
  });
}

/** `POST intermediate/generate/:type` (https://developer.hashicorp.com/vault/api-docs/secret/pki#generate-intermediate-csr). */
async function generateIntermediate(pki: PkiContext, req: LogicalRequest, params: PathParams): Promise<DataResponse> {
  const data = req.data;
  const mode = generationType(params['exported'] ?? '');
  const format = parseFormat(data);
  const keySpec = caKeySpec(data);
  const keyName = keyNameField(pki.state, data);
  const commonName = requiredCommonName(data);
  const names = caAltNames(data, commonName);
  const key = await generateKey(keySpec.type, keySpec.bits);
  const csr = await createCsr(
    {
      ...subjectFields(data, commonName),
      dnsNames: [...names.dnsNames, ...names.emails],
      ipAddresses: names.ipAddresses,
      uris: names.uris,
      addBasicConstraints: data['add_basic_constraints'] === true || data['add_basic_constraints'] === 'true',
    },
    key,
  );
  const storedKey = pki.state.addKey(key, keyName).key;
  const der = format === 'der';
  const out: Record<string, unknown> = { csr: der ? csr.der.toString('base64') : csr.pem, key_id: storedKey.id };
  if (mode === 'exported') {
    out['private_key'] = privateKeyText(key, der, stringField(data, 'private_key_format') === 'pkcs8');
    out['private_key_type'] = key.type;
    if (format === 'pem_bundle') out['csr'] = `${key.privateKeyPem}\n${csr.pem}`;
  }
  const urls = pki.state.urls;
  const warnings =
    urls.issuingCertificates.length + urls.crlDistributionPoints.length + urls.ocspServers.length === 0
      ? [
          `${AIA_WARNING} Since this certificate is an intermediate, it might be useful to regenerate this certificate after fixing this problem for the root mount.`,
        ]
      : [];
  return respondData(out, { warnings });
}

/** `POST config/ca`, `issuers/import/(bundle|cert)`, `intermediate/set-signed` (https://developer.hashicorp.com/vault/api-docs/secret/pki#import-ca-certificates-and-keys). */
async function importIssuers(pki: PkiContext, req: LogicalRequest, params: PathParams): Promise<DataResponse> {
  const setSigned = req.subPath === 'intermediate/set-signed';
  const keysAllowed = req.subPath === 'config/ca' || params['kind'] === 'bundle';
  const bundle = stringField(req.data, setSigned ? 'certificate' : 'pem_bundle');
  if (bundle === '') throw badRequest("'pem_bundle' and 'certificate' parameters were empty");
  if (bundle.length < 75) {
    throw badRequest('provided data for import was too short; perhaps a path was passed to the API rather than the contents of a PEM file');
  }
  const blocks = splitPem(bundle);
  if (!blocks) throw badRequest('provided PEM block contained no data');
  const certificates = blocks.filter((block) => block.label === 'CERTIFICATE' || block.label === 'X509 CERTIFICATE');
  const keyBlocks = blocks.filter((block) => !/^(?:X509 )?(?:CERTIFICATE|CRL)$|^EC PARAM(?:ETER)?S$/.test(block.label));
  if (keyBlocks.length > 0 && !keysAllowed) {
    throw badRequest('private keys found in the PEM bundle but not allowed by the path; use /issuers/import/bundle');
  }
  const importedKeys: string[] = [];
  const existingKeys: string[] = [];
  for (const [index, block] of keyBlocks.entries()) {
    let key: GeneratedKey;
    try {
      key = await importPrivateKey(toPem(block.der, block.label));
    } catch (error: unknown) {
      throw badRequest(`Error parsing key ${index}: ${(error as Error).message}`);
    }
    const added = pki.state.addKey(key);
    (added.existing ? existingKeys : importedKeys).push(added.key.id);
  }
  const parsed: CertificateInfo[] = [];
  for (const [index, block] of certificates.entries()) {
    const pem = `${toPem(block.der)}\n`;
    const info = await inspectCertificate(block.der).catch((error: unknown) => {
      throw badRequest(`Error parsing issuer ${index}: ${(error as Error).message}\n${pem}`);
    });
    if (!info.isCa) throw badRequest(`Error parsing issuer ${index}: Refusing to import non-CA certificate\n${pem}`);
    parsed.push(info);
  }
  const importedIssuers: string[] = [];
  const existingIssuers: string[] = [];
  const mapping: Record<string, string> = {};
  for (const info of parsed) {
    const added = pki.state.addIssuer(info);
    mapping[added.issuer.id] = added.issuer.keyId;
    (added.existing ? existingIssuers : importedIssuers).push(added.issuer.id);
  }
  if (importedIssuers.length > 0) await pki.state.rebuildCrls();
  const warnings: string[] = [];
  const defaultId = pki.state.defaultIssuerId;
  if (defaultId !== undefined && mapping[defaultId] === '') {
    warnings.push(
      'The default issuer has no key associated with it. Some operations like issuing certificates and signing CRLs will be unavailable with the requested default issuer until a key is imported or the default issuer is changed.',
    );
  }
  const urls = pki.state.urls;
  if (urls.issuingCertificates.length + urls.crlDistributionPoints.length + urls.ocspServers.length === 0) warnings.push(AIA_WARNING);
  return respondData(
    {
      existing_issuers: existingIssuers,
      existing_keys: existingKeys,
      imported_issuers: importedIssuers,
      imported_keys: importedKeys,
      mapping,
    },
    { warnings },
  );
}
