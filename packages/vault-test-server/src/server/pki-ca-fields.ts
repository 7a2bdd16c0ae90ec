/**
 * Request fields shared by the PKI endpoints that create CA certificates and CSRs
 * (`root/generate`, `intermediate/generate`, `root/sign-intermediate`): the generation type,
 * key type and size, issuer/key names, subject attributes and subject alternative names.
 */
import { isIP } from 'node:net';
import { badRequest } from './errors.js';
import { boolField, stringField, stringSliceField } from './fields.js';
import { isHostname, type PkiKeyType, type SubjectFields } from './pki-certificates.js';
import type { PkiMountState } from './pki-mount-state.js';
import { keyBitsFor, optionalIntField, parseKeyType } from './pki-roles.js';

/** `internal` or `exported` (the `:type` of the generate paths); 400 otherwise. */
export function generationType(raw: string): 'internal' | 'exported' {
  if (raw === 'internal' || raw === 'exported') return raw;
  if (raw === 'existing' || raw === 'kms') {
    throw badRequest(`generation type ${JSON.stringify(raw)} is not supported by the Vault test server (use internal or exported)`);
  }
  throw badRequest('the "exported" path parameter must be "internal", "existing", exported" or "kms"');
}

/** `key_type` / `key_bits` of a generated CA key. */
export function caKeySpec(data: Record<string, unknown>): { type: PkiKeyType; bits: number } {
  const type = parseKeyType(stringField(data, 'key_type', 'rsa'), false) as PkiKeyType;
  return { type, bits: keyBitsFor(type, optionalIntField(data, 'key_bits')) };
}

const NAME_PATTERN = /^\w(?:[\w.-]*\w)?$/;

/** `issuer_name` checks (reserved `default`, characters, uniqueness); `''` when absent. */
export function issuerNameField(state: PkiMountState, data: Record<string, unknown>): string {
  const name = stringField(data, 'issuer_name').trim();
  if (name === '') return '';
  if (name.toLowerCase() === 'default') throw badRequest("reserved keyword 'default' can not be used as issuer name");
  if (!NAME_PATTERN.test(name)) throw badRequest('issuer name contained invalid characters');
  if (state.issuerNameInUse(name)) throw badRequest('issuer name already in use');
  return name;
}

/** `key_name` checks (reserved `default`, characters, uniqueness); `''` when absent. */
export function keyNameField(state: PkiMountState, data: Record<string, unknown>): string {
  const name = stringField(data, 'key_name').trim();
  if (name === '') return '';
  if (name.toLowerCase() === 'default') throw badRequest("reserved keyword 'default' can not be used as key name");
  if (!NAME_PATTERN.test(name)) throw badRequest('key name contained invalid characters');
  if ([...state.keys.values()].some((key) => key.name === name)) throw badRequest('key name already in use');
  return name;
}

/** The required `common_name` of a CA (Vault's message when missing). */
export function requiredCommonName(data: Record<string, unknown>, fallback = ''): string {
  const commonName = stringField(data, 'common_name') || fallback;
  if (commonName === '') {
    throw badRequest(
      'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false',
    );
  }
  return commonName;
}

/** Subject attributes from `organization`, `ou`, `country`, `locality`, `province`, `street_address`, `postal_code`, `serial_number`. */
export function subjectFields(data: Record<string, unknown>, commonName: string): SubjectFields {
  return {
    commonName,
    country: stringSliceField(data, 'country'),
    organization: stringSliceField(data, 'organization'),
    organizationalUnit: stringSliceField(data, 'ou'),
    locality: stringSliceField(data, 'locality'),
    province: stringSliceField(data, 'province'),
    streetAddress: stringSliceField(data, 'street_address'),
    postalCode: stringSliceField(data, 'postal_code'),
    serialNumber: stringField(data, 'serial_number'),
  };
}

/** Subject alternative names: the CN (unless `exclude_cn_from_sans`), `alt_names`, `ip_sans`, `uri_sans`. */
export function caAltNames(
  data: Record<string, unknown>,
  commonName: string,
): { dnsNames: string[]; emails: string[]; ipAddresses: string[]; uris: string[] } {
  const alt = stringSliceField(data, 'alt_names');
  const dnsNames = alt.filter((name) => !name.includes('@'));
  const emails = alt.filter((name) => name.includes('@'));
  if (commonName !== '' && !boolField(data, 'exclude_cn_from_sans', false)) {
    if (commonName.includes('@')) emails.unshift(commonName);
    else if (isHostname(commonName)) dnsNames.unshift(commonName);
  }
  const ipAddresses = stringSliceField(data, 'ip_sans');
  for (const ip of ipAddresses) if (isIP(ip) === 0) throw badRequest(`the value ${JSON.stringify(ip)} is not a valid IP address`);
  return { dnsNames: [...new Set(dnsNames)], emails, ipAddresses, uris: stringSliceField(data, 'uri_sans') };
}

/** `max_path_length` (default -1 = no constraint); 400 below -1. */
export function maxPathLengthField(data: Record<string, unknown>): number {
  const value = optionalIntField(data, 'max_path_length') ?? -1;
  if (value < -1) {
    throw badRequest(`requested max_path_length ${value} is invalid: must be a non-negative integer or -1 for no constraint`);
  }
  return value;
}
