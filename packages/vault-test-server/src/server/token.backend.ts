/**
 * The token auth method, mounted at `auth/token/` (https://developer.hashicorp.com/vault/api-docs/auth/token): create (also against
 * a token role), lookup, renew and revoke, for the calling token (`-self`), another token, or an
 * accessor; token roles (`roles/:role_name`).
 */
import type { BackendContext } from './backend.js';
import { aclDenied, badRequest, VaultError } from './errors.js';
import { pluginStatusBody } from './envelope.js';
import { durationField, stringField } from './fields.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { MountDescriptor } from './mount-table.js';
import { FrameworkBackend, type PathDefinition } from './path-router.js';
import { formatRfc3339FromMillis } from './time-format.js';
import type { TokenEntry } from './token-store.js';
import { calculateTtl } from './ttl.js';
import { createToken } from './token-create.js';
import { ROLE_NAME, TokenRoles } from './token-roles.js';
import { tokenAuthBlock } from './token-common.js';

export { sanitizePolicies, tokenAuthBlock } from './token-common.js';

/** Backend of the `token` auth method. */
export class TokenBackend extends FrameworkBackend {
  /** Token roles (`roles/:role_name`). */
  private readonly roles = new TokenRoles();

  protected readonly paths: readonly PathDefinition[] = [
    { pattern: /^create-orphan$/, operations: { update: (req) => this.create(req, true) } },
    {
      pattern: new RegExp(`^create/${ROLE_NAME}$`),
      operations: { update: (req, params) => this.create(req, false, params['role_name'] ?? '') },
    },
    ...this.roles.paths(),
    {
      pattern: /^accessors\/?$/,
      operations: {
        list: (req) => {
          if (!this.ctx.aclFor(this.caller(req)).isSudo(req.path)) throw aclDenied();
          return respondData({ keys: this.ctx.tokens.all().map((t) => t.accessor) });
        },
      },
    },
    {
      pattern: /^tidy$/,
      operations: {
        update: (req) => ({
          kind: 'raw',
          status: 202,
          body: pluginStatusBody(req, {
            warnings: ["Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."],
          }),
        }),
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

  /** `auth/token/create`, `create-orphan` and `create/:role_name` (see `token-create.ts`). */
  private create(req: LogicalRequest, orphanPath: boolean, roleName?: string): DataResponse {
    const role = roleName === undefined ? undefined : this.roles.get(roleName);
    if (roleName !== undefined && !role) throw badRequest(`unknown role ${roleName}`);
    return createToken({ ctx: this.ctx, mount: this.mount, req, parent: this.caller(req), orphanPath, ...(role ? { role } : {}) });
  }
}
