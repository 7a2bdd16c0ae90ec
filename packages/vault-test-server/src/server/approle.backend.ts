/**
 * The AppRole auth method (`type: "approle"`), after Vault's `builtin/credential/approle`:
 * roles with role IDs, secret IDs with use limits and TTLs (server clock), and
 * `POST auth/<mount>/login` (unauthenticated) with Vault's login errors and user lockout
 * (https://developer.hashicorp.com/vault/api-docs/auth/approle#login-with-approle).
 */
import {
  EMPTY_TOKEN_PARAMS,
  EntityAliases,
  issueLoginToken,
  parseArbitraryKeyValues,
  parseTokenParams,
  periodTooLongMessage,
  revokeMountTokens,
  tokenParamsData,
  UserLockout,
  type TokenParams,
} from './auth-common.js';
import type { BackendContext } from './backend.js';
import { badRequest, internalError, VaultError } from './errors.js';
import { boolField, durationField, intField, stringField, stringSliceField } from './fields.js';
import { newUuid } from './ids.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { MountDescriptor } from './mount-table.js';
import { FrameworkBackend, type PathDefinition, type PathParams } from './path-router.js';
import { formatRfc3339FromMillis } from './time-format.js';

interface AppRole {
  /** Lower-cased role name. */
  readonly name: string;
  roleId: string;
  bindSecretId: boolean;
  secretIdBoundCidrs: string[];
  secretIdNumUses: number;
  /** Seconds; 0 = secret IDs do not expire. */
  secretIdTtl: number;
  localSecretIds: boolean;
  token: TokenParams;
}

interface SecretId {
  readonly secretId: string;
  readonly accessor: string;
  readonly roleName: string;
  /** Remaining uses; 0 = unlimited. */
  numUses: number;
  /** Seconds. */
  readonly ttl: number;
  readonly creationMs: number;
  /** Expiry in ms, or null for non-expiring secret IDs. */
  readonly expirationMs: number | null;
  lastUpdatedMs: number;
  readonly metadata: Record<string, string>;
  readonly cidrList: string[];
  readonly tokenBoundCidrs: string[];
}

const ROLE = String.raw`(?<role>\w(?:[\w.-]*\w)?)`;

/** Backend of an `approle` auth mount. */
export class AppRoleBackend extends FrameworkBackend {
  private readonly roles = new Map<string, AppRole>();
  private readonly secretIds = new Map<string, SecretId>();
  private readonly entities = new EntityAliases();
  private readonly lockout: UserLockout;

  protected readonly paths: readonly PathDefinition[] = [
    { pattern: /^login$/, operations: { update: (req) => this.login(req) }, unauthenticated: true },
    { pattern: /^role\/?$/, operations: { list: () => respondData({ keys: [...this.roles.keys()].sort() }) } },
    {
      pattern: new RegExp(`^role/${ROLE}$`),
      operations: {
        read: (_r, p) => this.readRole(p),
        update: (r, p) => this.writeRole(r, p),
        delete: (_r, p) => this.deleteRole(p),
      },
      exists: (_r, p) => this.roles.has(roleKey(p)),
    },
    {
      pattern: new RegExp(`^role/${ROLE}/role-id$`),
      operations: { read: (_r, p) => this.readRoleId(p), update: (r, p) => this.writeRoleId(r, p) },
    },
    {
      pattern: new RegExp(`^role/${ROLE}/secret-id/?$`),
      operations: {
        update: (r, p) => this.generateSecretId(r, p, newUuid()),
        list: (_r, p) => this.listSecretIdAccessors(p),
      },
    },
    {
      pattern: new RegExp(`^role/${ROLE}/custom-secret-id$`),
      operations: { update: (r, p) => this.generateSecretId(r, p, stringField(r.data, 'secret_id')) },
    },
    {
      pattern: new RegExp(`^role/${ROLE}/secret-id/lookup$`),
      operations: { update: (r, p) => this.lookupSecretId(p, (s) => s.secretId === this.requireField(r, 'secret_id')) },
    },
    {
      pattern: new RegExp(`^role/${ROLE}/secret-id/destroy$`),
      operations: {
        update: (r, p) => this.destroySecretId(p, (s) => s.secretId === this.requireField(r, 'secret_id')),
        delete: (r, p) => this.destroySecretId(p, (s) => s.secretId === this.requireField(r, 'secret_id')),
      },
    },
    {
      pattern: new RegExp(`^role/${ROLE}/secret-id-accessor/lookup$`),
      operations: {
        update: (r, p) => this.lookupSecretId(p, (s) => s.accessor === this.requireField(r, 'secret_id_accessor'), true),
      },
    },
    {
      pattern: new RegExp(`^role/${ROLE}/secret-id-accessor/destroy$`),
      operations: {
        update: (r, p) => this.destroySecretId(p, (s) => s.accessor === this.requireField(r, 'secret_id_accessor')),
        delete: (r, p) => this.destroySecretId(p, (s) => s.accessor === this.requireField(r, 'secret_id_accessor')),
      },
    },
  ];

  constructor(
    private readonly ctx: BackendContext,
    private readonly mount: MountDescriptor,
  ) {
    super();
    this.lockout = new UserLockout(ctx);
  }

  cleanup(): void {
    revokeMountTokens(this.ctx, this.mount);
  }

  private requireField(req: LogicalRequest, field: string): string {
    const value = stringField(req.data, field);
    if (value === '') throw badRequest(`missing ${field}`);
    return value;
  }

  private role(params: PathParams): AppRole | undefined {
    return this.roles.get(roleKey(params));
  }

  // ----- roles ------------------------------------------------------------------------------

  private readRole(params: PathParams): DataResponse | null {
    const role = this.role(params);
    if (!role) return null;
    const data: Record<string, unknown> = {
      bind_secret_id: role.bindSecretId,
      local_secret_ids: role.localSecretIds,
      secret_id_bound_cidrs: [...role.secretIdBoundCidrs],
      secret_id_num_uses: role.secretIdNumUses,
      secret_id_ttl: role.secretIdTtl,
      ...tokenParamsData(role.token),
    };
    return respondData(data);
  }

  private writeRole(req: LogicalRequest, params: PathParams): DataResponse | null {
    const name = roleKey(params);
    if (name.length > 4096) throw badRequest('role_name is longer than maximum of 4096 bytes');
    const existing = this.roles.get(name);
    const data = req.data;
    const warnings: string[] = [];
    const tokenTypeRaw = data['token_type'];
    const fields: Record<string, unknown> = { ...data };
    if (tokenTypeRaw === 'default-service' || tokenTypeRaw === 'default-batch') {
      const adjusted = tokenTypeRaw === 'default-service' ? 'service' : 'batch';
      fields['token_type'] = adjusted;
      warnings.push(`${tokenTypeRaw} has no useful meaning; adjusting to ${adjusted}`);
    }
    const token = parseTokenParams(fields, existing?.token ?? EMPTY_TOKEN_PARAMS, ['policies', 'period']);

    if (data['local_secret_ids'] !== undefined && existing) {
      throw badRequest('local_secret_ids can only be modified during role creation');
    }
    const roleId = data['role_id'] !== undefined ? stringField(data, 'role_id') : (existing?.roleId ?? newUuid());
    if (roleId === '') throw badRequest('invalid role_id supplied, or failed to generate a role_id');
    const secretIdNumUses = intField(data, 'secret_id_num_uses', existing?.secretIdNumUses ?? 0);
    if (secretIdNumUses < 0) throw badRequest('secret_id_num_uses cannot be negative');
    const cidrField = data['secret_id_bound_cidrs'] !== undefined ? 'secret_id_bound_cidrs' : 'bound_cidr_list';
    const role: AppRole = {
      name,
      roleId,
      bindSecretId: boolField(data, 'bind_secret_id', existing?.bindSecretId ?? true),
      secretIdBoundCidrs: data[cidrField] !== undefined ? stringSliceField(data, cidrField) : (existing?.secretIdBoundCidrs ?? []),
      secretIdNumUses,
      secretIdTtl: durationField(data, 'secret_id_ttl', existing?.secretIdTtl ?? 0),
      localSecretIds: existing?.localSecretIds ?? boolField(data, 'local_secret_ids', false),
      token,
    };
    const mountMax = this.ctx.mountMaxTtl(this.mount);
    if (token.tokenPeriod > mountMax) throw badRequest(periodTooLongMessage(token.tokenPeriod, mountMax));
    if (token.tokenMaxTtl > mountMax) {
      warnings.push("token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated");
    }
    if (!role.bindSecretId && role.secretIdBoundCidrs.length === 0 && token.tokenBoundCidrs.length === 0) {
      throw internalError('at least one constraint should be enabled on the role');
    }
    const owner = this.roleByRoleId(roleId);
    if (owner && owner.name !== name) throw internalError('role_id already in use');
    this.roles.set(name, role);
    return warnings.length > 0 ? respondData(null, { warnings }) : null;
  }

  private deleteRole(params: PathParams): null {
    const name = roleKey(params);
    if (!this.roles.delete(name)) return null;
    for (const [id, secret] of this.secretIds) if (secret.roleName === name) this.secretIds.delete(id);
    return null;
  }

  private readRoleId(params: PathParams): DataResponse | null {
    const role = this.role(params);
    return role ? respondData({ role_id: role.roleId }) : null;
  }

  private writeRoleId(req: LogicalRequest, params: PathParams): null {
    const role = this.role(params);
    if (!role) throw new VaultError(404, []);
    const roleId = stringField(req.data, 'role_id');
    if (roleId === '') throw badRequest('missing role_id');
    const owner = this.roleByRoleId(roleId);
    if (owner && owner.name !== role.name) throw internalError('role_id already in use');
    role.roleId = roleId;
    return null;
  }

  private roleByRoleId(roleId: string): AppRole | undefined {
    for (const role of this.roles.values()) if (role.roleId === roleId) return role;
    return undefined;
  }

  // ----- secret IDs -------------------------------------------------------------------------

  /** Vault's `deriveSecretIDTTL`: negative or above the mount max → mount max. */
  private deriveSecretIdTtl(ttl: number): number {
    const max = this.ctx.mountMaxTtl(this.mount);
    return ttl < 0 || ttl > max ? max : ttl;
  }

  private generateSecretId(req: LogicalRequest, params: PathParams, secretId: string): DataResponse {
    if (secretId === '') throw badRequest('missing secret_id');
    const name = roleKey(params);
    const role = this.roles.get(name);
    if (!role) throw new VaultError(404, [`role ${JSON.stringify(name)} does not exist`]);
    if (!role.bindSecretId) throw badRequest('bind_secret_id is not set on the role');
    const data = req.data;
    let numUses = role.secretIdNumUses;
    if (data['num_uses'] !== undefined) {
      numUses = intField(data, 'num_uses', 0);
      if (numUses < 0) throw badRequest('num_uses cannot be negative');
      if ((numUses === 0 && role.secretIdNumUses > 0) || (role.secretIdNumUses > 0 && numUses > role.secretIdNumUses)) {
        throw badRequest("num_uses cannot be higher than the role's secret_id_num_uses");
      }
    }
    let ttl = role.secretIdTtl;
    if (data['ttl'] !== undefined) {
      ttl = durationField(data, 'ttl', 0);
      if ((ttl === 0 && role.secretIdTtl > 0) || (role.secretIdTtl > 0 && ttl > role.secretIdTtl)) {
        throw badRequest("ttl cannot be longer than the role's secret_id_ttl");
      }
    }
    let metadata: Record<string, string>;
    try {
      metadata = parseArbitraryKeyValues(stringField(data, 'metadata'));
    } catch (error: unknown) {
      throw badRequest(`failed to parse metadata: ${error instanceof Error ? error.message : String(error)}`);
    }
    if ([...this.secretIds.values()].some((s) => s.secretId === secretId && s.roleName === name)) {
      throw internalError('failed to store secret_id: SecretID is already registered');
    }
    const now = this.ctx.clock.now();
    const effectiveTtl = this.deriveSecretIdTtl(ttl);
    const entry: SecretId = {
      secretId,
      accessor: newUuid(),
      roleName: name,
      numUses,
      ttl,
      creationMs: now,
      expirationMs: effectiveTtl > 0 ? now + effectiveTtl * 1000 : null,
      lastUpdatedMs: now,
      metadata,
      cidrList: stringSliceField(data, 'cidr_list'),
      tokenBoundCidrs: stringSliceField(data, 'token_bound_cidrs'),
    };
    this.secretIds.set(entry.accessor, entry);
    return respondData({
      secret_id: secretId,
      secret_id_accessor: entry.accessor,
      secret_id_num_uses: numUses,
      secret_id_ttl: effectiveTtl,
    });
  }

  /** Live secret IDs of a role (expired ones are tidied away first). */
  private liveSecretIds(roleName: string): SecretId[] {
    const now = this.ctx.clock.now();
    const out: SecretId[] = [];
    for (const [accessor, entry] of this.secretIds) {
      if (entry.expirationMs !== null && now >= entry.expirationMs) {
        this.secretIds.delete(accessor);
      } else if (entry.roleName === roleName) {
        out.push(entry);
      }
    }
    return out;
  }

  private listSecretIdAccessors(params: PathParams): DataResponse | null {
    const name = roleKey(params);
    if (!this.roles.has(name)) throw internalError(`role ${JSON.stringify(name)} does not exist`);
    return respondData({ keys: this.liveSecretIds(name).map((s) => s.accessor) });
  }

  private lookupSecretId(params: PathParams, match: (s: SecretId) => boolean, byAccessor = false): DataResponse | null {
    const name = roleKey(params);
    if (!this.roles.has(name)) throw internalError(`role ${JSON.stringify(name)} does not exist`);
    const entry = this.liveSecretIds(name).find(match);
    if (!entry) {
      if (byAccessor) throw new VaultError(404, []);
      return null;
    }
    const expiration = entry.expirationMs === null ? '0001-01-01T00:00:00Z' : formatRfc3339FromMillis(entry.expirationMs);
    return respondData({
      cidr_list: [...entry.cidrList],
      creation_time: formatRfc3339FromMillis(entry.creationMs),
      expiration_time: expiration,
      last_updated_time: formatRfc3339FromMillis(entry.lastUpdatedMs),
      metadata: { ...entry.metadata },
      secret_id_accessor: entry.accessor,
      secret_id_num_uses: entry.numUses,
      secret_id_ttl: entry.ttl,
      token_bound_cidrs: [...entry.tokenBoundCidrs],
    });
  }

  private destroySecretId(params: PathParams, match: (s: SecretId) => boolean): null {
    const name = roleKey(params);
    if (!this.roles.has(name)) throw internalError(`role ${JSON.stringify(name)} does not exist`);
    const entry = this.liveSecretIds(name).find(match);
    if (entry) this.secretIds.delete(entry.accessor);
    return null;
  }

  // ----- login ------------------------------------------------------------------------------

  /** `POST auth/<mount>/login` (port of `pathLoginUpdate`). */
  private login(req: LogicalRequest): DataResponse {
    const roleId = stringField(req.data, 'role_id').trim();
    if (roleId === '') throw badRequest('missing role_id');
    const role = this.roleByRoleId(roleId);
    if (!role) throw badRequest('invalid role or secret ID');
    this.lockout.assertNotLocked(roleId);

    let metadata: Record<string, string> = {};
    if (role.bindSecretId) {
      const secretId = stringField(req.data, 'secret_id').trim();
      if (secretId === '') throw badRequest('missing secret_id');
      const entry = this.liveSecretIds(role.name).find((s) => s.secretId === secretId);
      if (!entry) {
        this.lockout.recordFailure(roleId);
        throw badRequest('invalid role or secret ID');
      }
      if (entry.numUses > 0) {
        if (entry.numUses === 1) this.secretIds.delete(entry.accessor);
        else {
          entry.numUses -= 1;
          entry.lastUpdatedMs = this.ctx.clock.now();
        }
      }
      metadata = { ...entry.metadata };
    }
    this.lockout.recordSuccess(roleId);
    metadata['role_name'] = role.name;
    return issueLoginToken(this.ctx, this.mount, req, this.entities, {
      params: role.token,
      metadata,
      displayName: '',
      aliasName: role.roleId,
    });
  }
}

function roleKey(params: PathParams): string {
  return (params['role'] ?? '').toLowerCase();
}
