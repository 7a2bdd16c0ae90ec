/**
 * Token roles of the token auth method (`auth/token/roles/:role_name`,
 * https://developer.hashicorp.com/vault/api-docs/auth/token#create-update-token-role): storage,
 * create/update with Vault's defaults and deprecated-field handling (`period`, `explicit_max_ttl`,
 * `bound_cidrs` next to their `token_*` forms), read, list and delete. How a role shapes the
 * tokens of `auth/token/create/:role_name` is in `token-create.ts`.
 */
import { badRequest } from './errors.js';
import { boolField, durationField, intField, stringField, stringSliceField } from './fields.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { PathDefinition, PathParams } from './path-router.js';
import { sanitizePolicies } from './token-common.js';

/** Token type of a role: `default-*` let the caller choose. */
export type RoleTokenType = 'default-service' | 'default-batch' | 'service' | 'batch';

/** A token role. Durations in **seconds**. */
export interface TokenRole {
  readonly name: string;
  orphan: boolean;
  renewable: boolean;
  pathSuffix: string;
  allowedPolicies: string[];
  disallowedPolicies: string[];
  allowedPoliciesGlob: string[];
  disallowedPoliciesGlob: string[];
  allowedEntityAliases: string[] | null;
  tokenType: RoleTokenType;
  /** The deprecated `period` as written (0 once `token_period` was given). */
  period: number;
  tokenPeriod: number;
  /** The deprecated `explicit_max_ttl` as written. */
  explicitMaxTtl: number;
  tokenExplicitMaxTtl: number;
  boundCidrs: string[];
  tokenBoundCidrs: string[];
  tokenNumUses: number;
  tokenNoDefaultPolicy: boolean;
}

/** Vault's `framework.GenericNameRegex`. */
export const ROLE_NAME = String.raw`(?<role_name>\w(?:[\w.-]*\w)?)`;

/** `pathSuffixSanitize` of the token store (matched anywhere in the suffix, like Go's `MatchString`). */
const PATH_SUFFIX = /\w[\w.-]+\w/;

/** 768h in seconds: the system max TTL a role's explicit max TTL is compared with. */
const SYSTEM_MAX_TTL_SECONDS = 2_764_800;

/** The token roles of one token store. */
export class TokenRoles {
  private readonly roles = new Map<string, TokenRole>();

  /** A role by name. */
  get(name: string): TokenRole | undefined {
    return this.roles.get(name);
  }

  /** The role path definitions (`roles/?` list, `roles/:role_name` read/write/delete). */
  paths(): PathDefinition[] {
    return [
      { pattern: /^roles\/?$/, operations: { list: () => respondData({ keys: [...this.roles.keys()].sort() }) } },
      {
        pattern: new RegExp(`^roles/${ROLE_NAME}$`),
        operations: {
          read: (_r, p) => this.read(p),
          update: (r, p) => this.write(r, p),
          delete: (_r, p) => {
            this.roles.delete(p['role_name'] ?? '');
            return null;
          },
        },
        exists: (_r, p) => this.roles.has(p['role_name'] ?? ''),
      },
    ];
  }

  private read(params: PathParams): DataResponse | null {
    const role = this.roles.get(params['role_name'] ?? '');
    if (!role) return null;
    const data: Record<string, unknown> = {
      period: role.period,
      token_period: role.tokenPeriod,
      explicit_max_ttl: role.explicitMaxTtl,
      token_explicit_max_ttl: role.tokenExplicitMaxTtl,
      disallowed_policies: [...role.disallowedPolicies],
      allowed_policies: [...role.allowedPolicies],
      disallowed_policies_glob: [...role.disallowedPoliciesGlob],
      allowed_policies_glob: [...role.allowedPoliciesGlob],
      name: role.name,
      orphan: role.orphan,
      path_suffix: role.pathSuffix,
      renewable: role.renewable,
      token_type: role.tokenType,
      allowed_entity_aliases: role.allowedEntityAliases ? [...role.allowedEntityAliases] : null,
      token_no_default_policy: role.tokenNoDefaultPolicy,
    };
    if (role.tokenBoundCidrs.length > 0) data['token_bound_cidrs'] = [...role.tokenBoundCidrs];
    if (role.boundCidrs.length > 0) data['bound_cidrs'] = [...role.boundCidrs];
    if (role.tokenNumUses > 0) data['token_num_uses'] = role.tokenNumUses;
    return respondData(data);
  }

  /** Port of `tokenStoreRoleCreateUpdate`: defaults on create, only given fields on update. */
  private write(req: LogicalRequest, params: PathParams): DataResponse | null {
    const name = params['role_name'] ?? '';
    if (name === '') throw badRequest('role name cannot be empty');
    const data = req.data;
    const has = (field: string): boolean => data[field] !== undefined && data[field] !== null;
    const role: TokenRole = this.roles.get(name) ?? {
      name,
      orphan: false,
      renewable: true,
      pathSuffix: '',
      allowedPolicies: [],
      disallowedPolicies: [],
      allowedPoliciesGlob: [],
      disallowedPoliciesGlob: [],
      allowedEntityAliases: null,
      tokenType: 'default-service',
      period: 0,
      tokenPeriod: 0,
      explicitMaxTtl: 0,
      tokenExplicitMaxTtl: 0,
      boundCidrs: [],
      tokenBoundCidrs: [],
      tokenNumUses: 0,
      tokenNoDefaultPolicy: false,
    };
    const next: TokenRole = { ...role };
    if (has('orphan')) next.orphan = boolField(data, 'orphan', false);
    if (has('renewable')) next.renewable = boolField(data, 'renewable', true);
    if (has('path_suffix')) {
      const suffix = stringField(data, 'path_suffix');
      if (suffix !== '' && !PATH_SUFFIX.test(suffix)) {
        throw badRequest(String.raw`given role path suffix contains invalid characters; must match \w[\w-.]+\w`);
      }
      next.pathSuffix = suffix;
    }
    if (next.pathSuffix.includes('..')) throw badRequest('error registering path suffix: path cannot contain parent references');
    if (has('allowed_policies')) next.allowedPolicies = sanitizePolicies(stringSliceField(data, 'allowed_policies'), false);
    if (has('disallowed_policies')) next.disallowedPolicies = uniqueLower(stringSliceField(data, 'disallowed_policies'));
    if (has('allowed_policies_glob')) next.allowedPoliciesGlob = sanitizePolicies(stringSliceField(data, 'allowed_policies_glob'), false);
    if (has('disallowed_policies_glob')) next.disallowedPoliciesGlob = uniqueLower(stringSliceField(data, 'disallowed_policies_glob'));
    if (data['token_type'] === null) throw badRequest("Invalid 'token_type' value: null");
    if (has('token_type')) {
      const type = stringField(data, 'token_type');
      if (!['service', 'batch', 'default-service', 'default-batch'].includes(type)) {
        throw badRequest(`invalid 'token_type' value ${JSON.stringify(type)}`);
      }
      next.tokenType = type as RoleTokenType;
    }
    if (has('token_no_default_policy')) next.tokenNoDefaultPolicy = boolField(data, 'token_no_default_policy', false);

    const warnings: string[] = [];
    /** A `token_*` field wins over its deprecated form (with a warning when both are given). */
    const legacy = (newField: string, oldField: string, apply: (value: 'new' | 'old') => void): void => {
      if (has(newField)) {
        if (has(oldField)) warnings.push(`Both '${newField}' and deprecated '${oldField}' value supplied, ignoring the deprecated value`);
        apply('new');
      } else if (has(oldField)) {
        apply('old');
      }
    };
    legacy('token_period', 'period', (which) => {
      if (which === 'new') {
        next.tokenPeriod = durationField(data, 'token_period', 0);
        next.period = 0;
      } else {
        next.period = durationField(data, 'period', 0);
        next.tokenPeriod = next.period;
      }
    });
    legacy('token_bound_cidrs', 'bound_cidrs', (which) => {
      if (which === 'new') {
        next.tokenBoundCidrs = stringSliceField(data, 'token_bound_cidrs');
        next.boundCidrs = [];
      } else {
        next.boundCidrs = stringSliceField(data, 'bound_cidrs');
        next.tokenBoundCidrs = [...next.boundCidrs];
      }
    });
    legacy('token_explicit_max_ttl', 'explicit_max_ttl', (which) => {
      if (which === 'new') {
        next.tokenExplicitMaxTtl = durationField(data, 'token_explicit_max_ttl', 0);
        next.explicitMaxTtl = 0;
      } else {
        next.explicitMaxTtl = durationField(data, 'explicit_max_ttl', 0);
        next.tokenExplicitMaxTtl = next.explicitMaxTtl;
      }
    });
    const finalExplicitMax = has('token_explicit_max_ttl') ? next.tokenExplicitMaxTtl : next.explicitMaxTtl || next.tokenExplicitMaxTtl;
    if (finalExplicitMax > SYSTEM_MAX_TTL_SECONDS) {
      warnings.push(
        `Given explicit max TTL of ${finalExplicitMax} is greater than system/mount allowed value of ${SYSTEM_MAX_TTL_SECONDS} seconds; until this is fixed attempting to create tokens against this role will result in an error`,
      );
    }
    if (has('token_num_uses')) next.tokenNumUses = intField(data, 'token_num_uses', 0);
    if (next.tokenType === 'batch') {
      if (!next.orphan) throw badRequest("'token_type' cannot be 'batch' when role is set to generate non-orphan tokens");
      if (next.period !== 0 || next.tokenPeriod !== 0)
        throw badRequest("'token_type' cannot be 'batch' when role is set to generate periodic tokens");
      if (next.renewable) throw badRequest("'token_type' cannot be 'batch' when role is set to generate renewable tokens");
      if (next.explicitMaxTtl !== 0 || next.tokenExplicitMaxTtl !== 0) {
        throw badRequest("'token_type' cannot be 'batch' when role is set to generate tokens with an explicit max TTL");
      }
    }
    if (has('allowed_entity_aliases')) next.allowedEntityAliases = uniqueLower(stringSliceField(data, 'allowed_entity_aliases'));
    this.roles.set(name, next);
    return warnings.length > 0 ? respondData(null, { warnings }) : null;
  }
}

/** Vault's `strutil.RemoveDuplicates(items, true)`: trimmed, lower-cased, unique, sorted. */
function uniqueLower(items: readonly string[]): string[] {
  return [...new Set(items.map((item) => item.trim().toLowerCase()).filter((item) => item !== ''))].sort();
}
