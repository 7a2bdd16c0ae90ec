/**
 * Token creation of the token auth method: `auth/token/create`, `create-orphan` and
 * `create/:role_name` (https://developer.hashicorp.com/vault/api-docs/auth/token#create-token), a
 * port of Vault's `handleCreateCommon`. A role decides the token type, orphan-ness,
 * renewability, use count, path suffix, period and explicit max TTL, and replaces the "subset of
 * the parent's policies" rule by its allowed/disallowed policy lists.
 */
import { globListContains } from './auth-common.js';
import type { BackendContext } from './backend.js';
import { badRequest } from './errors.js';
import { boolField, durationField, intField, stringField, stringMapField, stringSliceField } from './fields.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { MountDescriptor } from './mount-table.js';
import { sanitizePolicies, tokenAuthBlock } from './token-common.js';
import type { TokenRole } from './token-roles.js';
import type { TokenEntry, TokenLease, TokenType } from './token-store.js';
import { calculateTtl } from './ttl.js';

/** What a create call is made of besides its body. */
export interface CreateTokenCall {
  readonly ctx: BackendContext;
  /** The `auth/token/` mount (its tuned TTLs bound the token's). */
  readonly mount: MountDescriptor;
  readonly req: LogicalRequest;
  /** The calling token. */
  readonly parent: TokenEntry;
  /** `create-orphan`. */
  readonly orphanPath: boolean;
  /** `create/:role_name`. */
  readonly role?: TokenRole;
}

/**
 * Creates a token and answers with its `auth` block (TTL in **seconds**).
 * @throws VaultError 400 with Vault's messages for every refused combination
 */
export function createToken({ ctx, mount, req, parent, orphanPath, role }: CreateTokenCall): DataResponse {
  if (parent.type === 'batch') throw badRequest('batch tokens cannot create more tokens');
  if (parent.numUses !== 0) throw badRequest('restricted use token cannot generate child tokens');
  const isSudo = ctx.aclFor(parent).isSudo(req.path);
  const data = req.data;

  let renewable = boolField(data, 'renewable', true);
  let typeText = stringField(data, 'type');
  if (role) {
    if (role.tokenType === 'default-batch' && typeText === '') typeText = 'batch';
    else if (role.tokenType === 'service' || role.tokenType === 'batch') typeText = role.tokenType;
  }
  let type: TokenType = 'service';
  const explicitMaxText = data['explicit_max_ttl'];
  const periodText = data['period'];
  const requestedUses = intField(data, 'num_uses', 0);
  if (typeText === 'batch') {
    let badReason = '';
    if (explicitMaxText !== undefined && explicitMaxText !== '' && durationField(data, 'explicit_max_ttl', 0) !== 0) {
      badReason = 'explicit_max_ttl';
    } else if (requestedUses !== 0) {
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
  if (requestedUses < 0) throw badRequest('number of uses cannot be negative');
  if (stringField(data, 'entity_alias') !== '') {
    if (!role) throw badRequest("'entity_alias' is only allowed in combination with token role");
    const alias = stringField(data, 'entity_alias').toLowerCase();
    const allowed = role.allowedEntityAliases ?? [];
    if (!allowed.includes(alias) && !globListContains(allowed, alias)) throw badRequest("invalid 'entity_alias' value");
  }

  let numUses = requestedUses;
  let path = `auth/token/${req.subPath}`;
  if (role) {
    if (renewable && !role.renewable) renewable = false;
    if (role.tokenNumUses !== 0 && (numUses === 0 || role.tokenNumUses < numUses)) numUses = role.tokenNumUses;
    if (role.pathSuffix !== '') path = `${path}/${role.pathSuffix}`;
  }

  const displayInput = stringField(data, 'display_name');
  const displayName = displayInput === '' ? 'token' : `token-${displayInput}`.replace(/[^a-zA-Z0-9-]/g, '-').replace(/-$/, '');
  const customId = stringField(data, 'id');
  if (customId !== '' && !isSudo) throw badRequest('root or sudo privileges required to specify token id');

  const policies = tokenPolicies(data, parent, isSudo, role);
  if (policies.includes('root')) {
    if (!parent.policies.includes('root')) throw badRequest('root tokens may not be created without parent token being root');
    if (type === 'batch') throw badRequest('batch tokens cannot be root tokens');
  }

  let parentId: string | null = parent.id;
  if (role) {
    if (role.orphan) parentId = null;
  } else if (boolField(data, 'no_parent', false)) {
    if (!isSudo) throw badRequest('root or sudo privileges required to create orphan token');
    parentId = null;
  } else if (orphanPath) {
    parentId = null;
  }

  let explicitMax = durationField(data, 'explicit_max_ttl', 0);
  if (explicitMax < 0) throw badRequest('explicit_max_ttl must be positive');
  let period = durationField(data, 'period', 0);
  if (period < 0) throw badRequest('period must be positive');
  if (period > 0 && !isSudo) throw badRequest('root or sudo privileges required to create periodic token');
  let ttl = durationField(data, 'ttl', undefined) ?? durationField(data, 'lease', 0);
  if (ttl < 0) throw badRequest('ttl must be positive');

  const warnings: string[] = [];
  if (role && type !== 'batch') {
    if (role.tokenExplicitMaxTtl !== 0) {
      if (explicitMax !== 0) {
        explicitMax = Math.min(explicitMax, role.tokenExplicitMaxTtl);
        warnings.push(`Explicit max TTL specified both during creation call and in role; using the lesser value of ${explicitMax} seconds`);
      } else {
        explicitMax = role.tokenExplicitMaxTtl;
      }
    }
    if (role.tokenPeriod !== 0) {
      if (period !== 0) {
        period = Math.min(period, role.tokenPeriod);
        warnings.push(`Period specified both during creation call and in role; using the lesser value of ${period} seconds`);
      } else {
        period = role.tokenPeriod;
      }
    }
  }

  const now = ctx.clock.now();
  if (period > 0 || ttl > 0 || !policies.includes('root')) {
    const result = calculateTtl({
      incrementSeconds: 0,
      backendTtlSeconds: ttl,
      periodSeconds: period,
      backendMaxTtlSeconds: 0,
      explicitMaxTtlSeconds: explicitMax,
      startMs: now,
      nowMs: now,
      mountDefaultTtlSeconds: ctx.mountDefaultTtl(mount),
      mountMaxTtlSeconds: ctx.mountMaxTtl(mount),
    });
    warnings.push(...result.warnings);
    ttl = result.ttlSeconds;
  }
  if (ttl === 0 && explicitMax > 0) ttl = explicitMax;
  if (ttl === 0) {
    if (parent.lease !== null) throw badRequest('expiring root tokens cannot create non-expiring root tokens');
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
  const entry = ctx.tokens.insert({
    ...(customId !== '' ? { id: customId } : {}),
    policies,
    path,
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
    ...(role ? { role: role.name } : {}),
  });
  for (const policy of policies) {
    if (!ctx.policies.exists(policy)) warnings.push(`Policy "${policy}" does not exist`);
  }
  return respondData(null, { auth: tokenAuthBlock(entry, ttl, renewable), warnings });
}

/** The policy set of a new token (the policy switch of `handleCreateCommon`). */
function tokenPolicies(data: Record<string, unknown>, parent: TokenEntry, isSudo: boolean, role: TokenRole | undefined): string[] {
  const noDefault = boolField(data, 'no_default_policy', false);
  const requested = stringSliceField(data, 'policies');
  let policies: string[];
  if (
    role &&
    (role.allowedPolicies.length > 0 ||
      role.disallowedPolicies.length > 0 ||
      role.allowedPoliciesGlob.length > 0 ||
      role.disallowedPoliciesGlob.length > 0)
  ) {
    const addDefault =
      !noDefault &&
      !role.tokenNoDefaultPolicy &&
      !role.disallowedPolicies.includes('default') &&
      !globListContains(role.disallowedPoliciesGlob, 'default');
    let final = requested.length > 0 ? sanitizePolicies(requested, addDefault) : [];
    if (role.allowedPolicies.length > 0 || role.allowedPoliciesGlob.length > 0) {
      const allowed = sanitizePolicies(role.allowedPolicies, addDefault);
      if (final.length === 0) {
        final = allowed;
      } else {
        const globs = sanitizePolicies(role.allowedPoliciesGlob, false);
        if (final.some((p) => !allowed.includes(p) && !globListContains(globs, p))) {
          throw badRequest(
            `token policies (${goQuotedList(final)}) must be subset of the role's allowed policies (${goQuotedList(allowed)}) or glob policies (${goQuotedList(globs)})`,
          );
        }
      }
    } else if (final.length === 0) {
      final = sanitizePolicies(parent.policies, addDefault);
    }
    const forbidden = final.find((p) => role.disallowedPolicies.includes(p) || globListContains(role.disallowedPoliciesGlob, p));
    if (forbidden !== undefined) throw badRequest(`token policy ${JSON.stringify(forbidden)} is disallowed by this role`);
    policies = sanitizePolicies(final, false);
  } else if (requested.length === 0) {
    policies = sanitizePolicies(parent.policies, false);
  } else if (!isSudo) {
    const parentPolicies = sanitizePolicies(parent.policies, false);
    if (!sanitizePolicies(requested, false).every((p) => parentPolicies.includes(p))) {
      throw badRequest('child policies must be subset of parent');
    }
    policies = sanitizePolicies(requested, !noDefault && parent.policies.includes('default'));
  } else {
    policies = sanitizePolicies(requested, !noDefault);
  }
  return noDefault ? policies.filter((p) => p !== 'default') : policies;
}

/** Go's `%q` of a `[]string`: `["a" "b"]`. */
function goQuotedList(items: readonly string[]): string {
  return `[${items.map((item) => JSON.stringify(item)).join(' ')}]`;
}
