/**
 * The token auth method, mounted at `auth/token/` (https://developer.hashicorp.com/vault/api-docs/auth/token): create, lookup, renew and
 * revoke, for the calling token (`-self`), another token, or an accessor.
 */
import type { BackendContext } from './backend.js';
import { badRequest, VaultError } from './errors.js';
import { boolField, durationField, intField, stringField, stringMapField, stringSliceField } from './fields.js';
import type { AuthBlock, DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { MountDescriptor } from './mount-table.js';
import { FrameworkBackend, type PathDefinition } from './path-router.js';
import { formatRfc3339FromMillis } from './time-format.js';
import type { TokenEntry, TokenLease, TokenType } from './token-store.js';
import { calculateTtl } from './ttl.js';

/** Vault's `policyutil.SanitizePolicies`: trimmed, lower-cased, de-duplicated, sorted; `root` alone wins. */
export function sanitizePolicies(policies: readonly string[], addDefault: boolean): string[] {
  if (policies.includes('root')) return ['root'];
  const all = addDefault ? [...policies, 'default'] : [...policies];
  return [...new Set(all.map((p) => p.trim().toLowerCase()).filter((p) => p !== ''))].sort();
}

/** The `auth` block describing a token. `leaseDuration` in **seconds**. */
export function tokenAuthBlock(entry: TokenEntry, leaseDuration: number, renewable: boolean): AuthBlock {
  return {
    client_token: entry.id,
    accessor: entry.accessor,
    policies: [...entry.policies],
    token_policies: [...entry.policies],
    metadata: entry.meta ? { ...entry.meta } : null,
    lease_duration: leaseDuration,
    renewable,
    entity_id: entry.entityId,
    token_type: entry.type,
    orphan: entry.parentId === null,
    mfa_requirement: null,
    num_uses: Math.max(0, entry.numUses),
  };
}

/** Backend of the `token` auth method. */
export class TokenBackend extends FrameworkBackend {
  protected readonly paths: readonly PathDefinition[] = [
    { pattern: /^create-orphan$/, operations: { update: (req) => this.create(req, true) } },
    {
      pattern: /^create\/(?<role>.+)$/,
      operations: {
        update: (_req, params) => {
          throw badRequest(`unknown role ${params['role'] ?? ''}`);
        },
      },
    },
    { pattern: /^create$/, operations: { update: (req) => this.create(req, false) } },
    { pattern: /^lookup$/, operations: { read: (req) => this.lookup(req), update: (req) => this.lookup(req) } },
    { pattern: /^lookup-accessor$/, operations: { update: (req) => this.lookupAccessor(req) } },
    {
      pattern: /^lookup-self$/,
      operations: { read: (req) => this.lookupSelf(req), update: (req) => this.lookupSelf(req) },
    },
    { pattern: /^revoke-accessor$/, operations: { update: (req) => this.revokeAccessor(req) } },
    { pattern: /^revoke-self$/, operations: { update: (req) => this.revoke(this.caller(req).id) } },
    { pattern: /^revoke$/, operations: { update: (req) => this.revokeOther(req) } },
    { pattern: /^revoke-orphan$/, operations: { update: (req) => this.revokeOrphan(req) } },
    { pattern: /^renew-accessor$/, operations: { update: (req) => this.renewAccessor(req) } },
    { pattern: /^renew-self$/, operations: { update: (req) => this.renew(this.caller(req), req) } },
    { pattern: /^renew$/, operations: { update: (req) => this.renewOther(req) } },
  ];

  constructor(
    private readonly ctx: BackendContext,
    private readonly mount: MountDescriptor,
  ) {
    super();
  }

  /** Creates the root token (no TTL, policies `["root"]`, path `auth/token/root`). */
  createRootToken(id: string): TokenEntry {
    return this.ctx.tokens.insert({
      id,
      policies: ['root'],
      path: 'auth/token/root',
      meta: null,
      displayName: 'root',
      numUses: 0,
      creationTimeMs: this.ctx.clock.now(),
      creationTtlSeconds: 0,
      explicitMaxTtlSeconds: 0,
      periodSeconds: 0,
      type: 'service',
      parentId: null,
      entityId: '',
      lease: null,
    });
  }

  /** The `data` of a token lookup (https://developer.hashicorp.com/vault/api-docs/auth/token#lookup-a-token-self). */
  lookupData(entry: TokenEntry, hideId = false): Record<string, unknown> {
    const data: Record<string, unknown> = {
      accessor: entry.accessor,
      creation_time: Math.floor(entry.creationTimeMs / 1000),
      creation_ttl: entry.creationTtlSeconds,
      display_name: entry.displayName,
      entity_id: entry.entityId,
      expire_time: null,
      explicit_max_ttl: entry.explicitMaxTtlSeconds,
      id: hideId ? '' : entry.id,
      meta: entry.meta ? { ...entry.meta } : null,
      num_uses: Math.max(0, entry.numUses),
      orphan: entry.parentId === null,
      path: entry.path,
      policies: [...entry.policies],
      ttl: 0,
      type: entry.type,
    };
    if (entry.periodSeconds > 0) data['period'] = entry.periodSeconds;
    if (entry.role !== undefined) data['role'] = entry.role;
    const lease = entry.lease;
    if (lease) {
      data['expire_time'] = formatRfc3339FromMillis(lease.expireTimeMs);
      data['ttl'] = this.ctx.tokens.remainingTtlSeconds(entry);
      data['renewable'] = lease.renewable && entry.type !== 'batch';
      data['issue_time'] = formatRfc3339FromMillis(lease.issueTimeMs);
      if (lease.lastRenewalMs !== null) {
        data['last_renewal_time'] = Math.floor(lease.lastRenewalMs / 1000);
        data['last_renewal'] = formatRfc3339FromMillis(lease.lastRenewalMs);
      }
    }
    return data;
  }

  private caller(req: LogicalRequest): TokenEntry {
    if (!req.token) throw new VaultError(403, ['permission denied']);
    return req.token;
  }

  private lookupSelf(req: LogicalRequest): DataResponse {
    return respondData(this.lookupData(this.caller(req)));
  }

  private lookup(req: LogicalRequest): DataResponse {
    const id = stringField(req.data, 'token') || req.clientToken || '';
    if (id === '') throw badRequest('missing token ID');
    const entry = this.ctx.tokens.get(id);
    if (!entry) throw new VaultError(403, ['bad token']);
    return respondData(this.lookupData(entry));
  }

  private byAccessor(req: LogicalRequest): TokenEntry {
    const accessor = stringField(req.data, 'accessor');
    if (accessor === '') throw badRequest('missing accessor');
    const entry = this.ctx.tokens.getByAccessor(accessor);
    if (!entry) throw badRequest('invalid accessor');
    return entry;
  }

  private lookupAccessor(req: LogicalRequest): DataResponse {
    return respondData(this.lookupData(this.byAccessor(req), true));
  }

  private revoke(id: string): null {
    const entry = this.ctx.tokens.get(id);
    if (!entry) return null;
    if (entry.type === 'batch') throw badRequest('batch tokens cannot be revoked');
    this.ctx.tokens.revokeTree(id);
    return null;
  }

  private revokeOther(req: LogicalRequest): null {
    const id = stringField(req.data, 'token');
    if (id === '') throw badRequest('missing token ID');
    return this.revoke(id);
  }

  private revokeAccessor(req: LogicalRequest): null {
    return this.revoke(this.byAccessor(req).id);
  }

  private revokeOrphan(req: LogicalRequest): null {
    const id = stringField(req.data, 'token');
    if (id === '') throw badRequest('missing token ID');
    if (!this.ctx.aclFor(this.caller(req)).isSudo(req.path)) {
      throw badRequest('root or sudo privileges required to revoke and orphan');
    }
    const entry = this.ctx.tokens.get(id);
    if (!entry) throw badRequest('token to revoke not found');
    if (entry.type === 'batch') throw badRequest('batch tokens cannot be revoked');
    this.ctx.tokens.revokeOrphan(id);
    return null;
  }

  private renewOther(req: LogicalRequest): DataResponse {
    const id = stringField(req.data, 'token');
    if (id === '') throw badRequest('missing token ID');
    const entry = this.ctx.tokens.get(id);
    if (!entry) throw badRequest('token not found');
    return this.renew(entry, req);
  }

  private renewAccessor(req: LogicalRequest): DataResponse {
    return this.renew(this.byAccessor(req), req);
  }

  /**
   * Renews a token (https://developer.hashicorp.com/vault/api-docs/auth/token#renew-a-token-self), capping at
   * explicit_max_ttl / the mount max from issue time.
   */
  private renew(entry: TokenEntry, req: LogicalRequest): DataResponse {
    const increment = durationField(req.data, 'increment', 0);
    if (entry.type === 'batch') throw badRequest('batch tokens cannot be renewed');
    const lease = entry.lease;
    if (!lease || !lease.renewable) throw badRequest('lease is not renewable');
    const now = this.ctx.clock.now();
    if (now >= lease.expireTimeMs) throw badRequest('lease expired');
    // Login tokens renew against their auth mount and role max TTL (the method's renew callback).
    const mount = (entry.authMountPath !== undefined ? this.ctx.mounts.get(entry.authMountPath) : undefined) ?? this.mount;
    const { ttlSeconds, warnings } = calculateTtl({
      incrementSeconds: increment,
      backendTtlSeconds: lease.ttlSeconds,
      periodSeconds: entry.periodSeconds,
      backendMaxTtlSeconds: entry.maxTtlSeconds ?? 0,
      explicitMaxTtlSeconds: entry.explicitMaxTtlSeconds,
      startMs: lease.issueTimeMs,
      nowMs: now,
      mountDefaultTtlSeconds: this.ctx.mountDefaultTtl(mount),
      mountMaxTtlSeconds: this.ctx.mountMaxTtl(mount),
    });
    lease.ttlSeconds = ttlSeconds;
    lease.expireTimeMs = now + ttlSeconds * 1000;
    lease.lastRenewalMs = now;
    return respondData(null, { auth: tokenAuthBlock(entry, ttlSeconds, true), warnings });
  }

  /** `auth/token/create` and `create-orphan` (port of Vault's `handleCreateCommon`). */
  private create(req: LogicalRequest, orphanPath: boolean): DataResponse {
    const parent = this.caller(req);
    if (parent.type === 'batch') throw badRequest('batch tokens cannot create more tokens');
    if (parent.numUses !== 0) throw badRequest('restricted use token cannot generate child tokens');
    const acl = this.ctx.aclFor(parent);
    const isSudo = acl.isSudo(req.path);
    const data = req.data;

    let renewable = boolField(data, 'renewable', true);
    const typeText = stringField(data, 'type');
    let type: TokenType = 'service';
    const explicitMaxText = data['explicit_max_ttl'];
    const periodText = data['period'];
    const numUses = intField(data, 'num_uses', 0);
    if (typeText === 'batch') {
      let badReason = '';
      if (explicitMaxText !== undefined && explicitMaxText !== '' && durationField(data, 'explicit_max_ttl', 0) !== 0) {
        badReason = 'explicit_max_ttl';
      } else if (numUses !== 0) {
        badReason = 'num_uses';
      } else if (periodText !== undefined && periodText !== '' && durationField(data, 'period', 0) !== 0) {
        badReason = 'period';
      }
      if (badReason !== '') throw badRequest(`batch tokens cannot have "${badReason}" set`);
      type = 'batch';
      renewable = false;
    } else if (typeText !== '' && typeText !== 'service') {
      throw badRequest("invalid 'token_type' value");
    }
    if (numUses < 0) throw badRequest('number of uses cannot be negative');
    if (stringField(data, 'entity_alias') !== '') {
      throw badRequest("'entity_alias' is only allowed in combination with token role");
    }

    const displayInput = stringField(data, 'display_name');
    const displayName = displayInput === '' ? 'token' : `token-${displayInput}`.replace(/[^a-zA-Z0-9-]/g, '-').replace(/-$/, '');

    const customId = stringField(data, 'id');
    if (customId !== '' && !isSudo) throw badRequest('root or sudo privileges required to specify token id');

    const noDefault = boolField(data, 'no_default_policy', false);
    const requested = stringSliceField(data, 'policies');
    let policySource: string[];
    let addDefault = false;
    if (requested.length === 0) {
      policySource = sanitizePolicies(parent.policies, false);
    } else if (!isSudo) {
      const input = sanitizePolicies(requested, false);
      const parentPolicies = sanitizePolicies(parent.policies, false);
      if (!input.every((p) => parentPolicies.includes(p))) throw badRequest('child policies must be subset of parent');
      policySource = requested;
      addDefault = !noDefault && parent.policies.includes('default');
    } else {
      policySource = requested;
      addDefault = !noDefault;
    }
    let policies = sanitizePolicies(policySource, addDefault);
    if (noDefault) policies = policies.filter((p) => p !== 'default');
    if (policies.includes('root')) {
      if (!parent.policies.includes('root')) {
        throw badRequest('root tokens may not be created without parent token being root');
      }
      if (type === 'batch') throw badRequest('batch tokens cannot be root tokens');
    }

    let parentId: string | null = parent.id;
    if (boolField(data, 'no_parent', false)) {
      if (!isSudo) throw badRequest('root or sudo privileges required to create orphan token');
      parentId = null;
    } else if (orphanPath) {
      parentId = null;
    }

    const explicitMax = durationField(data, 'explicit_max_ttl', 0);
    if (explicitMax < 0) throw badRequest('explicit_max_ttl must be positive');
    const period = durationField(data, 'period', 0);
    if (period < 0) throw badRequest('period must be positive');
    if (period > 0 && !isSudo) throw badRequest('root or sudo privileges required to create periodic token');
    let ttl = durationField(data, 'ttl', undefined) ?? durationField(data, 'lease', 0);
    if (ttl < 0) throw badRequest('ttl must be positive');

    const now = this.ctx.clock.now();
    const warnings: string[] = [];
    if (period > 0 || ttl > 0 || !policies.includes('root')) {
      const result = calculateTtl({
        incrementSeconds: 0,
        backendTtlSeconds: ttl,
        periodSeconds: period,
        backendMaxTtlSeconds: 0,
        explicitMaxTtlSeconds: explicitMax,
        startMs: now,
        nowMs: now,
        mountDefaultTtlSeconds: this.ctx.mountDefaultTtl(this.mount),
        mountMaxTtlSeconds: this.ctx.mountMaxTtl(this.mount),
      });
      warnings.push(...result.warnings);
      ttl = result.ttlSeconds;
    }
    if (ttl === 0 && explicitMax > 0) ttl = explicitMax;
    if (ttl === 0) {
      if (parent.lease !== null) {
        throw badRequest('expiring root tokens cannot create non-expiring root tokens');
      }
      renewable = false;
    }
    if (customId !== '') {
      warnings.push(
        'Supplying a custom ID for the token uses the weaker SHA1 hashing instead of the more secure SHA2-256 HMAC for token obfuscation. SHA1 hashed tokens on the wire leads to less secure lookups.',
      );
    }

    const meta = stringMapField(data, 'meta') ?? stringMapField(data, 'metadata') ?? null;
    const lease: TokenLease | null =
      ttl > 0 ? { issueTimeMs: now, expireTimeMs: now + ttl * 1000, ttlSeconds: ttl, lastRenewalMs: null, renewable } : null;
    const entry = this.ctx.tokens.insert({
      ...(customId !== '' ? { id: customId } : {}),
      policies,
      path: `auth/token/${req.subPath}`,
      meta: meta && Object.keys(meta).length > 0 ? meta : null,
      displayName,
      numUses,
      creationTimeMs: now,
      creationTtlSeconds: ttl,
      explicitMaxTtlSeconds: explicitMax,
      periodSeconds: period,
      type,
      parentId,
      entityId: parentId !== null ? parent.entityId : '',
      lease,
    });
    for (const policy of policies) {
      if (!this.ctx.policies.exists(policy)) warnings.push(`Policy "${policy}" does not exist`);
    }
    return respondData(null, { auth: tokenAuthBlock(entry, ttl, renewable), warnings });
  }
}
