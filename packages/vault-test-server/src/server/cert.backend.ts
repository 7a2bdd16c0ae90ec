/**
 * The TLS certificate auth method (`type: "cert"`), after Vault's `builtin/credential/cert`
 * (API docs `website/content/api-docs/auth/cert.mdx`): certificate roles at `certs/:name`
 * (`certificate` = the trusted CA or pinned certificate, PEM; `allowed_common_names`; token
 * parameters) and the unauthenticated `POST auth/<mount>/login` with an optional `name`, which
 * checks that the client certificate presented in the TLS handshake chains to a role's certificate;
 * `config` (`disable_binding`, `enable_identity_alias_metadata`, `ocsp_cache_size`) is stored and read back.
 */
import { X509Certificate } from 'node:crypto';
import {
  EMPTY_TOKEN_PARAMS,
  EntityAliases,
  globListContains,
  issueLoginToken,
  revokeMountTokens,
  tokenParamsData,
  parseTokenParams,
  type TokenParams,
} from './auth-common.js';
import type { BackendContext } from './backend.js';
import { badRequest, VaultError } from './errors.js';
import { boolField, intField, stringField, stringSliceField } from './fields.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { MountDescriptor } from './mount-table.js';
import { FrameworkBackend, type PathDefinition, type PathParams } from './path-router.js';

interface CertRole {
  readonly name: string;
  readonly certificatePem: string;
  readonly trusted: readonly X509Certificate[];
  readonly allowedCommonNames: readonly string[];
  readonly displayName: string;
  token: TokenParams;
}

/**
 * `auth/<mount>/config` (cert `path_config.go`). `ocsp_cache_size` starts at the documented default
 * of 100 (Vault's source stores 0 until a size is written; the docs win).
 */
interface CertConfig {
  disableBinding: boolean;
  enableIdentityAliasMetadata: boolean;
  ocspCacheSize: number;
}

const NAME = String.raw`(?<name>\w(?:[\w.-]*\w)?)`;
/** `maxCacheSize` of the cert method. */
const MAX_OCSP_CACHE_SIZE = 100_000;
/** Extended key usage OID of TLS client authentication. */
const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';
const INVALID = 'invalid certificate or no client certificate supplied';

/** Backend of a `cert` auth mount. */
export class CertBackend extends FrameworkBackend {
  private readonly roles = new Map<string, CertRole>();
  private readonly entities = new EntityAliases();
  private readonly config: CertConfig = { disableBinding: false, enableIdentityAliasMetadata: false, ocspCacheSize: 100 };

  protected readonly paths: readonly PathDefinition[] = [
    { pattern: /^login$/, operations: { update: (r) => this.login(r) }, unauthenticated: true },
    { pattern: /^config$/, operations: { read: () => this.readConfig(), update: (r) => this.writeConfig(r) } },
    { pattern: /^certs\/?$/, operations: { list: () => respondData({ keys: [...this.roles.keys()].sort() }) } },
    {
      pattern: new RegExp(`^certs/${NAME}$`),
      operations: {
        read: (_r, p) => this.readRole(p),
        update: (r, p) => this.writeRole(r, p),
        delete: (_r, p) => {
          this.roles.delete(roleKey(p));
          return null;
        },
      },
      exists: (_r, p) => this.roles.has(roleKey(p)),
    },
  ];

  constructor(
    private readonly ctx: BackendContext,
    private readonly mount: MountDescriptor,
  ) {
    super();
  }

  cleanup(): void {
    revokeMountTokens(this.ctx, this.mount);
  }

  private readConfig(): DataResponse {
    return respondData({
      disable_binding: this.config.disableBinding,
      enable_identity_alias_metadata: this.config.enableIdentityAliasMetadata,
      ocsp_cache_size: this.config.ocspCacheSize,
    });
  }

  private writeConfig(req: LogicalRequest): null {
    const disableBinding = boolField(req.data, 'disable_binding');
    const aliasMetadata = boolField(req.data, 'enable_identity_alias_metadata');
    const cacheSize = intField(req.data, 'ocsp_cache_size');
    if (cacheSize !== undefined && (cacheSize < 2 || cacheSize > MAX_OCSP_CACHE_SIZE)) {
      throw badRequest(`invalid cache size, must be >= 2 and <= ${MAX_OCSP_CACHE_SIZE}`);
    }
    if (disableBinding !== undefined) this.config.disableBinding = disableBinding;
    if (aliasMetadata !== undefined) this.config.enableIdentityAliasMetadata = aliasMetadata;
    if (cacheSize !== undefined) this.config.ocspCacheSize = cacheSize;
    return null;
  }

  private readRole(params: PathParams): DataResponse | null {
    const role = this.roles.get(roleKey(params));
    if (!role) return null;
    return respondData({
      certificate: role.certificatePem,
      allowed_common_names: role.allowedCommonNames.length > 0 ? [...role.allowedCommonNames] : null,
      display_name: role.displayName,
      ...tokenParamsData(role.token),
    });
  }

  private writeRole(req: LogicalRequest, params: PathParams): null {
    const name = roleKey(params);
    const existing = this.roles.get(name);
    const certificatePem = stringField(req.data, 'certificate', existing?.certificatePem ?? '');
    if (certificatePem === '') throw badRequest('missing certificate');
    const trusted = parsePemCertificates(certificatePem);
    if (trusted.length === 0) throw badRequest('failed to parse certificate');
    const allowedCommonNames =
      req.data['allowed_common_names'] !== undefined
        ? stringSliceField(req.data, 'allowed_common_names')
        : (existing?.allowedCommonNames ?? []);
    const token = parseTokenParams(req.data, existing?.token ?? EMPTY_TOKEN_PARAMS, [
      'policies',
      'ttl',
      'max_ttl',
      'period',
      'bound_cidrs',
    ]);
    this.roles.set(name, {
      name,
      certificatePem,
      trusted,
      allowedCommonNames,
      // Vault defaults an empty display name to the role name (path_certs.go).
      displayName: stringField(req.data, 'display_name', existing?.displayName ?? '') || name,
      token,
    });
    return null;
  }

  /** `POST auth/<mount>/login` (port of cert `pathLogin`/`verifyCredentials`, simplified to chain and name checks). */
  private login(req: LogicalRequest): DataResponse {
    const chain = (req.peerCertificates ?? []).map((der) => new X509Certificate(der));
    const leaf = chain[0];
    if (!leaf) throw new VaultError(400, ['client certificate must be supplied']);
    const wanted = stringField(req.data, 'name');
    const candidates = wanted === '' ? [...this.roles.values()] : [this.roles.get(wanted)].filter((r): r is CertRole => r !== undefined);
    const nowMs = this.ctx.clock.now();
    const role = candidates.find((r) => this.accepts(r, leaf, chain.slice(1), nowMs));
    if (!role) throw new VaultError(400, [INVALID]);
    const commonName = commonNameOf(leaf);
    return issueLoginToken(this.ctx, this.mount, req, this.entities, {
      params: role.token,
      metadata: {
        cert_name: role.name,
        common_name: commonName,
        serial_number: BigInt(`0x${leaf.serialNumber}`).toString(10),
        subject_key_id: '',
        authority_key_id: '',
      },
      displayName: role.displayName,
      aliasName: leaf.serialNumber,
    });
  }

  /** Whether `leaf` (with the intermediates the client sent) is trusted by `role` and passes its constraints. */
  private accepts(role: CertRole, leaf: X509Certificate, intermediates: readonly X509Certificate[], nowMs: number): boolean {
    if (!validAt(leaf, nowMs)) return false;
    const usages = leaf.keyUsage;
    if (Array.isArray(usages) && usages.length > 0 && !usages.includes(CLIENT_AUTH_OID)) return false;
    if (role.allowedCommonNames.length > 0 && !globListContains(role.allowedCommonNames, commonNameOf(leaf))) return false;
    // A pinned (non-CA) certificate: the leaf itself.
    if (role.trusted.some((t) => t.raw.equals(leaf.raw))) return true;
    // Walk up through the intermediates the client sent until a certificate of the role issued one.
    let current = leaf;
    for (let depth = 0; depth < 8; depth += 1) {
      if (role.trusted.some((t) => t.ca && validAt(t, nowMs) && current.checkIssued(t) && current.verify(t.publicKey))) return true;
      const parent = intermediates.find((c) => c.ca && validAt(c, nowMs) && current.checkIssued(c) && current.verify(c.publicKey));
      if (!parent || parent === current) return false;
      current = parent;
    }
    return false;
  }
}

function roleKey(params: PathParams): string {
  return (params['name'] ?? '').toLowerCase();
}

function validAt(certificate: X509Certificate, nowMs: number): boolean {
  return Date.parse(certificate.validFrom) <= nowMs && nowMs <= Date.parse(certificate.validTo);
}

function commonNameOf(certificate: X509Certificate): string {
  const line = certificate.subject.split('\n').find((l) => l.startsWith('CN='));
  return line === undefined ? '' : line.slice(3);
}

function parsePemCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const out: X509Certificate[] = [];
  for (const block of blocks) {
    try {
      out.push(new X509Certificate(block));
    } catch {
      throw badRequest('failed to parse certificate');
    }
  }
  return out;
}
