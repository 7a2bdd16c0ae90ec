/**
 * The PKI secrets engine (`type: 'pki'`, https://developer.hashicorp.com/vault/api-docs/secret/pki) issuing real X.509 certificates:
 *
 * - `pki/root/generate/(internal|exported)`: a self-signed CA (RSA, EC or Ed25519); the first
 *   issuer becomes the default (`pki/config/issuers` changes it); `DELETE pki/root` removes all;
 * - `pki/roles/:name` (+ LIST `roles/`) and `POST pki/issue/:role`: leaf certificates signed by
 *   the default issuer, never valid past the issuer (`leaf_not_after_behavior=err`), with a
 *   lease only when the role has `generate_lease`;
 * - `GET pki/ca/pem`, `pki/cert/ca`, `pki/cert/:serial`, LIST `pki/certs`,
 *   `POST pki/revoke`.
 *
 * Not emulated: intermediates/CSR signing, CRLs/OCSP, ACME, key management endpoints, the binary
 * DER endpoints (`pki/ca`, `pki/cert/:serial/raw`).
 */
import { isIP } from 'node:net';
import type { BackendContext } from './backend.js';
import { badRequest } from './errors.js';
import { boolField, durationField, stringField, stringSliceField } from './fields.js';
import { formatGoDuration } from './go-duration.js';
import { newUuid } from './ids.js';
import type { DataResponse, LogicalRequest, RawResponse } from './logical.js';
import { respondData } from './logical.js';
import type { MountDescriptor } from './mount-table.js';
import { FrameworkBackend, type PathDefinition, type PathParams } from './path-router.js';
import {
  colonSerial,
  createCertificate,
  generateKey,
  isHostname,
  randomSerialHex,
  type GeneratedKey,
  type IssuedCertificate,
  type PkiKeyType,
} from './pki-certificates.js';
import { formatRfc3339FromMillis } from './time-format.js';

const NAME = String.raw`(?<name>\w(?:[\w.-]*\w)?)`;

interface Issuer {
  readonly id: string;
  readonly name: string;
  readonly keyId: string;
  readonly key: GeneratedKey;
  readonly certificate: IssuedCertificate;
}

interface PkiRole {
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
  /** Seconds. */
  notBeforeDuration: number;
  organization: string[];
  ou: string[];
  issuerRef: string;
}

interface StoredCertificate {
  readonly certificate: IssuedCertificate;
  readonly issuerId: string;
  revokedAtMs: number | undefined;
}

/** Backend of a `pki` mount. */
export class PkiBackend extends FrameworkBackend {
  private readonly issuers = new Map<string, Issuer>();
  private defaultIssuer: string | undefined;
  private readonly roles = new Map<string, PkiRole>();
  private readonly certificates = new Map<string, StoredCertificate>();

  protected readonly paths: readonly PathDefinition[] = [
    {
      pattern: /^root\/generate\/(?<exported>[^/]+)$/,
      operations: { update: (r, p) => this.generateRoot(r, p) },
    },
    { pattern: /^root$/, operations: { delete: () => this.deleteRoot() } },
    {
      pattern: /^config\/issuers$/,
      operations: { read: () => this.readIssuersConfig(), update: (r) => this.writeIssuersConfig(r) },
    },
    { pattern: /^roles\/?$/, operations: { list: () => respondData({ keys: [...this.roles.keys()].sort() }) } },
    {
      pattern: new RegExp(`^roles/${NAME}$`),
      operations: {
        read: (_r, p) => this.readRole(p),
        update: (r, p) => this.writeRole(r, p),
        delete: (_r, p) => {
          this.roles.delete(p['name'] ?? '');
          return null;
        },
      },
      exists: (_r, p) => this.roles.has(p['name'] ?? ''),
    },
    { pattern: new RegExp(`^issue/${NAME}$`), operations: { update: (r, p) => this.issue(r, p) } },
    { pattern: /^ca\/pem$/, operations: { read: () => this.rawCaPem() } },
    { pattern: /^cert\/ca$/, operations: { read: () => this.readCaCert() } },
    { pattern: /^cert\/(?<serial>[0-9a-fA-F:-]+)$/, operations: { read: (_r, p) => this.readCert(p) } },
    {
      pattern: /^certs\/?$/,
      operations: { list: () => respondData({ keys: [...this.certificates.keys()].map(colonSerial).sort() }) },
    },
    { pattern: /^revoke$/, operations: { update: (r) => this.revoke(r) } },
  ];

  constructor(
    private readonly ctx: BackendContext,
    private readonly mount: MountDescriptor,
  ) {
    super();
  }

  /** Mount disabled: its leases go away with it. */
  cleanup(): void {
    this.ctx.leases.background(this.ctx.leases.revokePrefix(this.mount.path, { sync: true, force: true }));
  }

  // ----- issuers --------------------------------------------------------------------------

  private currentIssuer(): Issuer | undefined {
    return this.defaultIssuer === undefined ? undefined : this.issuers.get(this.defaultIssuer);
  }

  private async generateRoot(req: LogicalRequest, params: PathParams): Promise<DataResponse> {
    const mode = params['exported'] ?? '';
    if (mode !== 'internal' && mode !== 'exported') {
      throw badRequest(
        `root generation of type ${JSON.stringify(mode)} is not supported by the Vault test server (use internal or exported)`,
      );
    }
    const data = req.data;
    const commonName = stringField(data, 'common_name');
    if (commonName === '') {
      throw badRequest(
        'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false',
      );
    }
    const keyType = parseKeyType(stringField(data, 'key_type', 'rsa'), false) as PkiKeyType;
    const keyBits = keyBitsFor(keyType, optionalIntField(data, 'key_bits'));
    const warnings: string[] = [];
    let ttl = durationField(data, 'ttl', 0);
    if (ttl === 0) ttl = this.ctx.mountDefaultTtl(this.mount);
    const maxTtl = this.ctx.mountMaxTtl(this.mount);
    if (ttl > maxTtl) {
      warnings.push(
        `TTL ${JSON.stringify(formatGoDuration(ttl))} is longer than permitted maxTTL ${JSON.stringify(formatGoDuration(maxTtl))}, so maxTTL is being used`,
      );
      ttl = maxTtl;
    }
    const issuerName = stringField(data, 'issuer_name');
    if (issuerName !== '' && [...this.issuers.values()].some((i) => i.name === issuerName)) {
      throw badRequest(`issuer name already in use`);
    }
    const now = this.ctx.clock.now();
    const key = await generateKey(keyType, keyBits);
    const certificate = await createCertificate({
      serialHex: randomSerialHex(),
      commonName,
      organization: stringSliceField(data, 'organization'),
      organizationalUnit: stringSliceField(data, 'ou'),
      dnsNames: [
        ...(isHostname(commonName) && !boolField(data, 'exclude_cn_from_sans', false) ? [commonName] : []),
        ...stringSliceField(data, 'alt_names'),
      ],
      ipAddresses: stringSliceField(data, 'ip_sans'),
      notBeforeMs: Math.floor(now / 1000) * 1000 - 30_000,
      notAfterMs: Math.floor(now / 1000) * 1000 + ttl * 1000,
      subjectKey: key,
      isCa: true,
    });
    const issuer: Issuer = { id: newUuid(), name: issuerName, keyId: newUuid(), key, certificate };
    this.issuers.set(issuer.id, issuer);
    this.defaultIssuer ??= issuer.id;
    this.certificates.set(certificate.serialHex, { certificate, issuerId: issuer.id, revokedAtMs: undefined });
    const out: Record<string, unknown> = {
      certificate: certificate.pem,
      expiration: Math.floor(certificate.notAfterMs / 1000),
      issuer_id: issuer.id,
      issuer_name: issuer.name,
      issuing_ca: certificate.pem,
      key_id: issuer.keyId,
      key_name: '',
      serial_number: colonSerial(certificate.serialHex),
    };
    if (mode === 'exported') {
      out['private_key'] = key.privateKeyPem;
      out['private_key_type'] = key.type;
    }
    return respondData(out, { warnings });
  }

  private deleteRoot(): DataResponse | null {
    this.issuers.clear();
    this.defaultIssuer = undefined;
    return null;
  }

  private readIssuersConfig(): DataResponse {
    return respondData({ default: this.defaultIssuer ?? '', default_follows_latest_issuer: false });
  }

  private writeIssuersConfig(req: LogicalRequest): DataResponse {
    const ref = stringField(req.data, 'default');
    const issuer = this.issuerByRef(ref);
    if (!issuer) throw badRequest(`unable to resolve issuer ${ref}: no such issuer`);
    this.defaultIssuer = issuer.id;
    return respondData({ default: issuer.id, default_follows_latest_issuer: false });
  }

  private issuerByRef(ref: string): Issuer | undefined {
    if (ref === '' || ref === 'default') return this.currentIssuer();
    return this.issuers.get(ref) ?? [...this.issuers.values()].find((issuer) => issuer.name === ref);
  }

  // ----- roles ----------------------------------------------------------------------------

  private writeRole(req: LogicalRequest, params: PathParams): null {
    const name = params['name'] ?? '';
    const data = req.data;
    const current = this.roles.get(name);
    const bool = (field: string, fallback: boolean): boolean => boolField(data, field, fallback);
    const keyType = parseKeyType(stringField(data, 'key_type', current?.keyType ?? 'rsa'), true);
    const role: PkiRole = {
      allowedDomains:
        data['allowed_domains'] !== undefined ? stringSliceField(data, 'allowed_domains') : [...(current?.allowedDomains ?? [])],
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
      notBeforeDuration: durationField(data, 'not_before_duration') ?? current?.notBeforeDuration ?? 30,
      organization: data['organization'] !== undefined ? stringSliceField(data, 'organization') : [...(current?.organization ?? [])],
      ou: data['ou'] !== undefined ? stringSliceField(data, 'ou') : [...(current?.ou ?? [])],
      issuerRef: stringField(data, 'issuer_ref', current?.issuerRef ?? 'default'),
    };
    if (role.maxTtl > 0 && role.ttl > role.maxTtl) throw badRequest('"ttl" value must be less than "max_ttl" value');
    this.roles.set(name, role);
    return null;
  }

  private readRole(params: PathParams): DataResponse | null {
    const role = this.roles.get(params['name'] ?? '');
    if (!role) return null;
    return respondData({
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
    });
  }

  // ----- issuing --------------------------------------------------------------------------

  /** `POST /v1/pki/issue/:role` (https://developer.hashicorp.com/vault/api-docs/secret/pki#generate-certificate-and-key). */
  private async issue(req: LogicalRequest, params: PathParams): Promise<DataResponse> {
    const roleName = params['name'] ?? '';
    const role = this.roles.get(roleName);
    if (!role) throw badRequest(`unknown role: ${roleName}`);
    if (role.keyType === 'any') throw badRequest('role key type "any" not allowed for issuing certificates, only signing');
    const issuer = this.issuerByRef(role.issuerRef);
    if (!issuer) throw badRequest(`unable to fetch corresponding key for issuer ${role.issuerRef}; unable to use this issuer for signing`);
    const data = req.data;
    const format = stringField(data, 'format', 'pem');
    if (!['pem', 'der', 'pem_bundle'].includes(format)) throw badRequest(`unknown format for field "format": ${format}`);
    const keyFormat = stringField(data, 'private_key_format', 'der');
    if (!['der', 'pem', 'pkcs8', ''].includes(keyFormat)) throw badRequest(`unknown format for field "private_key_format": ${keyFormat}`);

    const commonName = stringField(data, 'common_name');
    if (commonName === '' && role.requireCn) {
      throw badRequest(
        'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false',
      );
    }
    if (commonName !== '' && !this.nameAllowed(role, commonName)) throw badRequest(`common name ${commonName} not allowed by this role`);
    const altNames = stringSliceField(data, 'alt_names');
    for (const name of altNames) {
      if (!this.nameAllowed(role, name)) throw badRequest(`subject alternate name ${name} not allowed by this role`);
    }
    const ipSans = stringSliceField(data, 'ip_sans');
    if (ipSans.length > 0 && !role.allowIpSans) {
      throw badRequest(`IP Subject Alternative Names are not allowed in this role, but was provided ${ipSans.join(', ')}`);
    }
    for (const ip of ipSans) if (isIP(ip) === 0) throw badRequest(`the value ${JSON.stringify(ip)} is not a valid IP address`);

    const warnings: string[] = [];
    let ttl = durationField(data, 'ttl', 0);
    if (ttl === 0) ttl = role.ttl > 0 ? role.ttl : this.ctx.mountDefaultTtl(this.mount);
    const maxTtl = role.maxTtl > 0 ? role.maxTtl : this.ctx.mountMaxTtl(this.mount);
    if (ttl > maxTtl) {
      warnings.push(
        `TTL ${JSON.stringify(formatGoDuration(ttl))} is longer than permitted maxTTL ${JSON.stringify(formatGoDuration(maxTtl))}, so maxTTL is being used`,
      );
      ttl = maxTtl;
    }
    const now = this.ctx.clock.now();
    const notAfterMs = Math.floor(now / 1000) * 1000 + ttl * 1000;
    const caNotAfter = issuer.certificate.notAfterMs;
    if (notAfterMs > caNotAfter) {
      throw badRequest(
        `cannot satisfy request, as TTL would result in notAfter of ${formatRfc3339FromMillis(notAfterMs)} that is beyond the expiration of the CA certificate at ${formatRfc3339FromMillis(caNotAfter)}`,
      );
    }

    const excludeCn = boolField(data, 'exclude_cn_from_sans', false);
    const dnsNames = [...new Set([...(commonName !== '' && !excludeCn && isIP(commonName) === 0 ? [commonName] : []), ...altNames])];
    const key = await generateKey(role.keyType, role.keyBits);
    const certificate = await createCertificate({
      serialHex: randomSerialHex(),
      commonName,
      organization: role.organization,
      organizationalUnit: role.ou,
      dnsNames,
      ipAddresses: [...(isIP(commonName) !== 0 && !excludeCn ? [commonName] : []), ...ipSans],
      notBeforeMs: Math.floor(now / 1000) * 1000 - role.notBeforeDuration * 1000,
      notAfterMs,
      subjectKey: key,
      isCa: false,
      serverAuth: role.serverFlag,
      clientAuth: role.clientFlag,
      issuer: { certificate: issuer.certificate, key: issuer.key },
    });
    const stored: StoredCertificate = { certificate, issuerId: issuer.id, revokedAtMs: undefined };
    if (!role.noStore) this.certificates.set(certificate.serialHex, stored);

    const removeRoots = boolField(data, 'remove_roots_from_chain', false);
    const chain = removeRoots ? [] : [issuer.certificate];
    const render = (cert: IssuedCertificate): string => (format === 'der' ? cert.der.toString('base64') : cert.pem);
    let privateKey = keyFormat === 'pkcs8' ? key.pkcs8Pem : key.privateKeyPem;
    if (format === 'der') privateKey = keyFormat === 'pkcs8' ? pemBody(key.pkcs8Pem) : key.privateKeyDerBase64;
    const certificateField = format === 'pem_bundle' ? `${privateKey}\n${certificate.pem}` : render(certificate);
    const out = {
      ca_chain: chain.map(render),
      certificate: certificateField,
      expiration: Math.floor(certificate.notAfterMs / 1000),
      issuing_ca: render(issuer.certificate),
      private_key: privateKey,
      private_key_type: key.type,
      serial_number: colonSerial(certificate.serialHex),
    };
    if (!role.generateLease) return respondData(out, { warnings });
    const lease = this.ctx.leases.create({
      path: req.path,
      mount: this.mount,
      token: req.token,
      ttlSeconds: Math.max(1, Math.round((certificate.notAfterMs - now) / 1000)),
      maxTtlSeconds: 0,
      renewable: false,
      internal: { serial_number: colonSerial(certificate.serialHex) },
      handlers: {
        revoke: () => {
          stored.revokedAtMs ??= this.ctx.clock.now();
        },
      },
    });
    return respondData(out, { warnings, lease });
  }

  /** Vault's `validateNames` for one name (any name, localhost, bare/sub/glob domains, hostname check). */
  private nameAllowed(role: PkiRole, name: string): boolean {
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

  // ----- reads ----------------------------------------------------------------------------

  /** `GET pki/ca/pem`: the default issuer's certificate as raw PEM (204 when there is none). */
  private rawCaPem(): RawResponse {
    const issuer = this.currentIssuer();
    if (!issuer) return { kind: 'raw', status: 204, body: '' };
    return {
      kind: 'raw',
      status: 200,
      body: `${issuer.certificate.pem}\n`,
      headers: { 'Content-Type': 'application/pem-certificate-chain' },
    };
  }

  private readCaCert(): DataResponse | null {
    const issuer = this.currentIssuer();
    if (!issuer) return null;
    return respondData({ certificate: issuer.certificate.pem, revocation_time: 0 });
  }

  private readCert(params: PathParams): DataResponse | null {
    const hex = (params['serial'] ?? '').replace(/[:-]/g, '').toLowerCase();
    const stored = this.certificates.get(hex);
    if (!stored) return null;
    const revoked = stored.revokedAtMs;
    return respondData({
      certificate: stored.certificate.pem,
      issuer_id: stored.issuerId,
      revocation_time: revoked === undefined ? 0 : Math.floor(revoked / 1000),
      revocation_time_rfc3339: revoked === undefined ? '' : formatRfc3339FromMillis(revoked),
    });
  }

  private revoke(req: LogicalRequest): DataResponse {
    const serial = stringField(req.data, 'serial_number');
    if (serial === '') throw badRequest('The serial number must be provided');
    const stored = this.certificates.get(serial.replace(/[:-]/g, '').toLowerCase());
    if (!stored) throw badRequest(`certificate with serial ${serial} not found.`);
    const issuer = this.issuers.get(stored.issuerId);
    if (issuer && issuer.certificate.serialHex === stored.certificate.serialHex) {
      throw badRequest('adding issuer (id: ' + issuer.id + ') to its own CRL is not allowed');
    }
    stored.revokedAtMs ??= this.ctx.clock.now();
    return respondData({
      revocation_time: Math.floor(stored.revokedAtMs / 1000),
      revocation_time_rfc3339: formatRfc3339FromMillis(stored.revokedAtMs),
      state: 'revoked',
    });
  }
}

function parseKeyType(text: string, allowAny: boolean): PkiKeyType | 'any' {
  if (text === 'rsa' || text === 'ec' || text === 'ed25519') return text;
  if (allowAny && text === 'any') return 'any';
  throw badRequest(`unknown key type ${text}`);
}

/** Default/validated key bits (RSA 2048+, EC 256/384/521). */
function keyBitsFor(type: PkiKeyType, bits: number | undefined): number {
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

function optionalIntField(data: Record<string, unknown>, field: string): number | undefined {
  const raw = data[field];
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw badRequest(`Field validation failed: error converting input ${String(raw)} for field "${field}"`);
  return value;
}

function globMatch(pattern: string, value: string): boolean {
  const escaped = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`).test(value);
}

function pemBody(pem: string): string {
  return pem
    .split('\n')
    .filter((line) => !line.startsWith('-----'))
    .join('');
}
