/**
 * PKI roles (`pki/roles/:name`): what the role stores, its read view, and Vault's name checks
 * (`validateNames`: any name, localhost, bare/sub/glob domains, wildcards, hostnames) used by
 * `issue/:role` and `sign/:role`.
 */
import { badRequest } from './errors.js';
import { boolField, durationField, stringField, stringSliceField } from './fields.js';
import { isHostname, type PkiKeyType } from './pki-certificates.js';

/** A stored role. TTLs in **seconds**. */
export interface PkiRole {
  allowedDomains: string[];
  allowSubdomains: boolean;
  allowBareDomains: boolean;
  allowGlobDomains: boolean;
  allowAnyName: boolean;
  allowLocalhost: boolean;
  allowIpSans: boolean;
  allowWildcardCertificates: boolean;
  enforceHostnames: boolean;
  /** Seconds (0 = mount default). */
  ttl: number;
  /** Seconds (0 = mount max). */
  maxTtl: number;
  keyType: PkiKeyType | 'any';
  keyBits: number;
  generateLease: boolean;
  noStore: boolean;
  serverFlag: boolean;
  clientFlag: boolean;
  requireCn: boolean;
  useCsrCommonName: boolean;
  useCsrSans: boolean;
  /** Seconds. */
  notBeforeDuration: number;
  organization: string[];
  ou: string[];
  issuerRef: string;
}

/** Parses `key_type` (`any` only where allowed). */
export function parseKeyType(text: string, allowAny: boolean): PkiKeyType | 'any' {
  if (text === 'rsa' || text === 'ec' || text === 'ed25519') return text;
  if (allowAny && text === 'any') return 'any';
  throw badRequest(`unknown key type ${text}`);
}

/** Default/validated key bits (RSA 2048+, EC 256/384/521). */
export function keyBitsFor(type: PkiKeyType, bits: number | undefined): number {
  if (type === 'rsa') {
    const value = bits && bits > 0 ? bits : 2048;
    if (value < 2048) throw badRequest(`RSA keys < 2048 bits are unsafe and not supported: got ${value}`);
    if (![2048, 3072, 4096, 8192].includes(value)) throw badRequest(`unsupported bit length for RSA key: ${value}`);
    return value;
  }
  if (type === 'ec') {
    const value = bits && bits > 0 ? bits : 256;
    if (![256, 384, 521].includes(value)) throw badRequest(`unsupported bit length for EC key: ${value}`);
    return value;
  }
  return 0;
}

/** An optional integer field (400 when not an integer). */
export function optionalIntField(data: Record<string, unknown>, field: string): number | undefined {
  const raw = data[field];
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw badRequest(`Field validation failed: error converting input ${String(raw)} for field "${field}"`);
  return value;
}

/** Builds a role from a write request (fields not sent keep the current values). */
export function roleFromRequest(data: Record<string, unknown>, current: PkiRole | undefined): PkiRole {
  const bool = (field: string, fallback: boolean): boolean => boolField(data, field, fallback);
  const list = (field: string, fallback: readonly string[] | undefined): string[] =>
    data[field] !== undefined ? stringSliceField(data, field) : [...(fallback ?? [])];
  const keyType = parseKeyType(stringField(data, 'key_type', current?.keyType ?? 'rsa'), true);
  const role: PkiRole = {
    allowedDomains: list('allowed_domains', current?.allowedDomains),
    allowSubdomains: bool('allow_subdomains', current?.allowSubdomains ?? false),
    allowBareDomains: bool('allow_bare_domains', current?.allowBareDomains ?? false),
    allowGlobDomains: bool('allow_glob_domains', current?.allowGlobDomains ?? false),
    allowAnyName: bool('allow_any_name', current?.allowAnyName ?? false),
    allowLocalhost: bool('allow_localhost', current?.allowLocalhost ?? true),
    allowIpSans: bool('allow_ip_sans', current?.allowIpSans ?? true),
    allowWildcardCertificates: bool('allow_wildcard_certificates', current?.allowWildcardCertificates ?? true),
    enforceHostnames: bool('enforce_hostnames', current?.enforceHostnames ?? true),
    ttl: durationField(data, 'ttl') ?? current?.ttl ?? 0,
    maxTtl: durationField(data, 'max_ttl') ?? current?.maxTtl ?? 0,
    keyType,
    keyBits: keyType === 'any' ? 0 : keyBitsFor(keyType, optionalIntField(data, 'key_bits') ?? current?.keyBits),
    generateLease: bool('generate_lease', current?.generateLease ?? false),
    noStore: bool('no_store', current?.noStore ?? false),
    serverFlag: bool('server_flag', current?.serverFlag ?? true),
    clientFlag: bool('client_flag', current?.clientFlag ?? true),
    requireCn: bool('require_cn', current?.requireCn ?? true),
    useCsrCommonName: bool('use_csr_common_name', current?.useCsrCommonName ?? true),
    useCsrSans: bool('use_csr_sans', current?.useCsrSans ?? true),
    notBeforeDuration: durationField(data, 'not_before_duration') ?? current?.notBeforeDuration ?? 30,
    organization: list('organization', current?.organization),
    ou: list('ou', current?.ou),
    issuerRef: stringField(data, 'issuer_ref', current?.issuerRef ?? 'default'),
  };
  if (role.maxTtl > 0 && role.ttl > role.maxTtl) throw badRequest('"ttl" value must be less than "max_ttl" value');
  return role;
}

/** The `data` of `GET roles/:name`. */
export function roleData(role: PkiRole): Record<string, unknown> {
  return {
    allow_any_name: role.allowAnyName,
    allow_bare_domains: role.allowBareDomains,
    allow_glob_domains: role.allowGlobDomains,
    allow_ip_sans: role.allowIpSans,
    allow_localhost: role.allowLocalhost,
    allow_subdomains: role.allowSubdomains,
    allow_wildcard_certificates: role.allowWildcardCertificates,
    allowed_domains: [...role.allowedDomains],
    client_flag: role.clientFlag,
    enforce_hostnames: role.enforceHostnames,
    generate_lease: role.generateLease,
    issuer_ref: role.issuerRef,
    key_bits: role.keyBits,
    key_type: role.keyType,
    max_ttl: role.maxTtl,
    no_store: role.noStore,
    not_before_duration: role.notBeforeDuration,
    organization: [...role.organization],
    ou: [...role.ou],
    require_cn: role.requireCn,
    server_flag: role.serverFlag,
    ttl: role.ttl,
    use_csr_common_name: role.useCsrCommonName,
    use_csr_sans: role.useCsrSans,
  };
}

/** Vault's `validateNames` for one name (any name, localhost, bare/sub/glob domains, hostname check). */
export function nameAllowed(role: PkiRole, name: string): boolean {
  if (role.allowAnyName) return true;
  const isWildcard = name.startsWith('*.');
  if (isWildcard && !role.allowWildcardCertificates) return false;
  if (role.enforceHostnames && !isHostname(name)) return false;
  const sanitized = (isWildcard ? name.slice(2) : name).toLowerCase();
  if (role.allowLocalhost) {
    if (name === 'localhost' || name === 'localdomain') return true;
    if (role.allowSubdomains) {
      if (sanitized.endsWith('.localhost') || (isWildcard && sanitized === 'localhost')) return true;
      if (sanitized.endsWith('.localdomain') || (isWildcard && sanitized === 'localdomain')) return true;
    }
  }
  for (const allowed of role.allowedDomains) {
    const domain = allowed.toLowerCase();
    if (role.allowBareDomains && sanitized === domain) return true;
    if (role.allowSubdomains && (sanitized.endsWith(`.${domain}`) || (isWildcard && sanitized === domain))) return true;
    if (role.allowGlobDomains && domain.includes('*') && globMatch(domain, name.toLowerCase())) return true;
  }
  return false;
}

function globMatch(pattern: string, value: string): boolean {
  const escaped = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`).test(value);
}
