/**
 * The JWT auth method (`type: "jwt"`, alias `oidc`), after `hashicorp/vault-plugin-auth-jwt`:
 * `config` with `jwt_validation_pubkeys` (PEM; RS/PS/ES/EdDSA signatures verified with
 * `node:crypto`), `bound_issuer`, `default_role`; roles with `user_claim`, `bound_audiences`,
 * `bound_subject`, `bound_claims` (`string`/`glob`), `claim_mappings`, leeways and `token_*`;
 * and `POST auth/<mount>/login {role, jwt}` validating signature, `exp`/`nbf`/`iat` (server
 * clock), audience and bound claims with the plugin's error texts. OIDC discovery and JWKS URLs
 * are not supported (the test server fetches nothing).
 */
import type { KeyObject } from 'node:crypto';
import {
  EMPTY_TOKEN_PARAMS,
  EntityAliases,
  globMatch,
  issueLoginToken,
  parseTokenParams,
  revokeMountTokens,
  tokenParamsData,
  type TokenParams,
} from './auth-common.js';
import type { BackendContext } from './backend.js';
import { badRequest } from './errors.js';
import { boolField, durationField, isPlainObject, stringField, stringMapField, stringSliceField } from './fields.js';
import { audienceClaim, getClaim, JwtError, parsePublicKeyPem, SUPPORTED_JWT_ALGS, validateJwt } from './jwt-verify.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { MountDescriptor } from './mount-table.js';
import { FrameworkBackend, type PathDefinition, type PathParams } from './path-router.js';

interface JwtConfig {
  readonly pubkeys: readonly string[];
  readonly keys: readonly KeyObject[];
  readonly boundIssuer: string;
  readonly defaultRole: string;
  readonly supportedAlgs: readonly string[];
}

interface JwtRole {
  readonly roleType: 'jwt' | 'oidc';
  readonly userClaim: string;
  readonly userClaimJsonPointer: boolean;
  readonly boundAudiences: readonly string[];
  readonly boundSubject: string;
  readonly boundClaims: Readonly<Record<string, unknown>> | null;
  readonly boundClaimsType: 'string' | 'glob';
  readonly claimMappings: Readonly<Record<string, string>> | null;
  readonly groupsClaim: string;
  readonly allowedRedirectUris: readonly string[];
  readonly oidcScopes: readonly string[];
  /** Seconds. */
  readonly clockSkewLeeway: number;
  readonly expirationLeeway: number;
  readonly notBeforeLeeway: number;
  readonly maxAge: number;
  readonly verboseOidcLogging: boolean;
  readonly token: TokenParams;
}

/** Backend of a `jwt` (or `oidc`) auth mount. */
export class JwtBackend extends FrameworkBackend {
  private config: JwtConfig | undefined;
  private readonly roles = new Map<string, JwtRole>();
  private readonly entities = new EntityAliases();

  protected readonly paths: readonly PathDefinition[] = [
    { pattern: /^login$/, operations: { update: (req) => this.login(req) }, unauthenticated: true },
    {
      pattern: /^config$/,
      operations: { read: () => this.readConfig(), update: (req) => this.writeConfig(req) },
      exists: () => this.config !== undefined,
    },
    { pattern: /^role\/?$/, operations: { list: () => respondData({ keys: [...this.roles.keys()].sort() }) } },
    {
      pattern: /^role\/(?<name>\w(?:[\w.-]*\w)?)$/,
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

  // ----- config -----------------------------------------------------------------------------

  private readConfig(): DataResponse | null {
    const config = this.config;
    if (!config) return null;
    return respondData({
      bound_issuer: config.boundIssuer,
      default_role: config.defaultRole,
      jwks_ca_pem: '',
      jwks_url: '',
      jwt_supported_algs: [...config.supportedAlgs],
      jwt_validation_pubkeys: [...config.pubkeys],
      namespace_in_state: true,
      oidc_client_id: '',
      oidc_discovery_ca_pem: '',
      oidc_discovery_url: '',
      oidc_response_mode: '',
      oidc_response_types: [],
      provider_config: {},
    });
  }

  private writeConfig(req: LogicalRequest): null {
    const data = req.data;
    const pubkeys = stringSliceField(data, 'jwt_validation_pubkeys');
    const discoveryUrl = stringField(data, 'oidc_discovery_url');
    const jwksUrl = stringField(data, 'jwks_url');
    const methods = (pubkeys.length > 0 ? 1 : 0) + (discoveryUrl !== '' ? 1 : 0) + (jwksUrl !== '' ? 1 : 0);
    if (methods !== 1) throw badRequest("exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set");
    if (pubkeys.length === 0) {
      throw badRequest('the Vault test server cannot fetch OIDC discovery documents or JWKS; configure jwt_validation_pubkeys');
    }
    const keys: KeyObject[] = [];
    for (const pem of pubkeys) {
      try {
        keys.push(parsePublicKeyPem(pem));
      } catch {
        throw badRequest('error parsing public key: data does not contain any valid public keys');
      }
    }
    const supportedAlgs = stringSliceField(data, 'jwt_supported_algs');
    for (const alg of supportedAlgs) {
      if (!(SUPPORTED_JWT_ALGS as readonly string[]).includes(alg)) {
        throw badRequest(`invalid jwt_supported_algs: unsupported signing algorithm ${JSON.stringify(alg)}`);
      }
    }
    this.config = {
      pubkeys,
      keys,
      boundIssuer: stringField(data, 'bound_issuer'),
      defaultRole: stringField(data, 'default_role').toLowerCase(),
      supportedAlgs,
    };
    return null;
  }

  // ----- roles ------------------------------------------------------------------------------

  private readRole(params: PathParams): DataResponse | null {
    const role = this.roles.get(roleKey(params));
    if (!role) return null;
    return respondData({
      allowed_redirect_uris: [...role.allowedRedirectUris],
      bound_audiences: [...role.boundAudiences],
      bound_claims: role.boundClaims ? { ...role.boundClaims } : null,
      bound_claims_type: role.boundClaimsType,
      bound_subject: role.boundSubject,
      claim_mappings: role.claimMappings ? { ...role.claimMappings } : null,
      clock_skew_leeway: role.clockSkewLeeway,
      expiration_leeway: role.expirationLeeway,
      groups_claim: role.groupsClaim,
      max_age: role.maxAge,
      not_before_leeway: role.notBeforeLeeway,
      oidc_scopes: [...role.oidcScopes],
      role_type: role.roleType,
      user_claim: role.userClaim,
      user_claim_json_pointer: role.userClaimJsonPointer,
      verbose_oidc_logging: role.verboseOidcLogging,
      ...tokenParamsData(role.token),
    });
  }

  private writeRole(req: LogicalRequest, params: PathParams): null {
    const name = roleKey(params);
    const existing = this.roles.get(name);
    const data = req.data;
    const given = (field: string): boolean => data[field] !== undefined && data[field] !== null;
    const token = parseTokenParams(data, existing?.token ?? EMPTY_TOKEN_PARAMS, [
      'policies',
      'ttl',
      'max_ttl',
      'period',
      'num_uses',
      'bound_cidrs',
    ]);

    const roleTypeText = given('role_type') ? stringField(data, 'role_type') : (existing?.roleType ?? 'oidc');
    const roleType = roleTypeText === '' ? 'oidc' : roleTypeText;
    if (roleType !== 'jwt' && roleType !== 'oidc') throw badRequest(`invalid 'role_type': ${roleType}`);
    const boundClaimsTypeText = given('bound_claims_type')
      ? stringField(data, 'bound_claims_type')
      : (existing?.boundClaimsType ?? 'string');
    if (boundClaimsTypeText !== 'string' && boundClaimsTypeText !== 'glob') {
      throw badRequest(`invalid 'bound_claims_type': ${boundClaimsTypeText}`);
    }
    let boundClaims = existing?.boundClaims ?? null;
    if (given('bound_claims')) {
      const raw = data['bound_claims'];
      if (!isPlainObject(raw)) throw badRequest("'bound_claims' must be a map");
      boundClaims = { ...raw };
    }
    if (boundClaimsTypeText === 'glob' && boundClaims) {
      for (const [claim, value] of Object.entries(boundClaims)) {
        const values = Array.isArray(value) ? value : [value];
        if (values.some((v: unknown) => typeof v !== 'string')) {
          throw badRequest(`claim is not a string or list of strings: ${claim}`);
        }
      }
    }
    const role: JwtRole = {
      roleType,
      userClaim: given('user_claim') ? stringField(data, 'user_claim') : (existing?.userClaim ?? ''),
      userClaimJsonPointer: boolField(data, 'user_claim_json_pointer', existing?.userClaimJsonPointer ?? false),
      boundAudiences: given('bound_audiences') ? stringSliceField(data, 'bound_audiences') : (existing?.boundAudiences ?? []),
      boundSubject: given('bound_subject') ? stringField(data, 'bound_subject') : (existing?.boundSubject ?? ''),
      boundClaims,
      boundClaimsType: boundClaimsTypeText,
      claimMappings: given('claim_mappings') ? (stringMapField(data, 'claim_mappings') ?? null) : (existing?.claimMappings ?? null),
      groupsClaim: given('groups_claim') ? stringField(data, 'groups_claim') : (existing?.groupsClaim ?? ''),
      allowedRedirectUris: given('allowed_redirect_uris')
        ? stringSliceField(data, 'allowed_redirect_uris')
        : (existing?.allowedRedirectUris ?? []),
      oidcScopes: given('oidc_scopes') ? stringSliceField(data, 'oidc_scopes') : (existing?.oidcScopes ?? []),
      clockSkewLeeway: durationField(data, 'clock_skew_leeway', existing?.clockSkewLeeway ?? 60),
      expirationLeeway: durationField(data, 'expiration_leeway', existing?.expirationLeeway ?? 150),
      notBeforeLeeway: durationField(data, 'not_before_leeway', existing?.notBeforeLeeway ?? 150),
      maxAge: durationField(data, 'max_age', existing?.maxAge ?? 0),
      verboseOidcLogging: boolField(data, 'verbose_oidc_logging', existing?.verboseOidcLogging ?? false),
      token,
    };
    if (role.userClaim === '') throw badRequest('a user claim must be defined on the role');
    if (
      role.roleType === 'jwt' &&
      role.boundAudiences.length === 0 &&
      token.tokenBoundCidrs.length === 0 &&
      role.boundSubject === '' &&
      (role.boundClaims === null || Object.keys(role.boundClaims).length === 0)
    ) {
      throw badRequest('must have at least one bound constraint when creating/updating a role');
    }
    if (role.roleType === 'oidc' && role.allowedRedirectUris.length === 0) {
      throw badRequest("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
    }
    if (role.claimMappings) {
      const targets = new Set<string>();
      for (const target of Object.values(role.claimMappings)) {
        if (targets.has(target)) throw badRequest(`multiple keys are mapped to metadata key ${JSON.stringify(target)}`);
        targets.add(target);
      }
    }
    this.roles.set(name, role);
    return null;
  }

  // ----- login ------------------------------------------------------------------------------

  /** `POST auth/<mount>/login` (port of the plugin's `pathLogin`). */
  private login(req: LogicalRequest): DataResponse {
    const config = this.config;
    if (!config) throw badRequest('could not load configuration');
    const roleName = stringField(req.data, 'role').toLowerCase() || config.defaultRole;
    if (roleName === '') throw badRequest('missing role');
    const role = this.roles.get(roleName);
    if (!role) throw badRequest(`role ${JSON.stringify(roleName)} could not be found`);
    if (role.roleType === 'oidc') throw badRequest('role with oidc role_type is not allowed');
    const token = stringField(req.data, 'jwt');
    if (token === '') throw badRequest('missing token');

    let claims: Record<string, unknown>;
    try {
      claims = validateJwt(token, {
        keys: config.keys,
        ...(config.boundIssuer !== '' ? { issuer: config.boundIssuer } : {}),
        ...(role.boundSubject !== '' ? { subject: role.boundSubject } : {}),
        audiences: role.boundAudiences,
        algorithms: config.supportedAlgs,
        notBeforeLeeway: role.notBeforeLeeway,
        expirationLeeway: role.expirationLeeway,
        clockSkewLeeway: role.clockSkewLeeway,
        nowMs: this.ctx.clock.now(),
      });
    } catch (error: unknown) {
      if (error instanceof JwtError) throw badRequest(`error validating token: ${error.message}`);
      throw error;
    }
    if (audienceClaim(claims).length > 0 && role.boundAudiences.length === 0) {
      throw badRequest('audience claim found in JWT but no audiences bound to the role');
    }

    const userValue = role.userClaimJsonPointer ? getClaim(claims, role.userClaim) : claims[role.userClaim];
    if (userValue === undefined || userValue === null) throw badRequest(`claim ${JSON.stringify(role.userClaim)} not found in token`);
    if (typeof userValue !== 'string') throw badRequest(`claim ${JSON.stringify(role.userClaim)} could not be converted to string`);
    const metadata: Record<string, string> = { role: roleName };
    for (const [source, target] of Object.entries(role.claimMappings ?? {})) {
      const value = getClaim(claims, source);
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string') throw badRequest(`error converting claim '${source}' to string`);
      metadata[target] = value;
    }
    if (role.groupsClaim !== '') {
      const groups = getClaim(claims, role.groupsClaim);
      if (groups === undefined || groups === null) {
        throw badRequest(`failed to fetch groups: ${JSON.stringify(role.groupsClaim)} claim not found in token`);
      }
      if (normalizeList(groups) === undefined) {
        throw badRequest(`${JSON.stringify(role.groupsClaim)} claim could not be converted to string list`);
      }
    }
    const claimError = validateBoundClaims(role, claims);
    if (claimError !== undefined) throw badRequest(`error validating claims: ${claimError}`);

    return issueLoginToken(this.ctx, this.mount, req, this.entities, {
      params: role.token,
      metadata,
      displayName: userValue,
      aliasName: userValue,
    });
  }
}

/** The plugin's `normalizeList`: a scalar becomes a one-element list; maps are rejected. */
function normalizeList(raw: unknown): unknown[] | undefined {
  if (Array.isArray(raw)) return raw;
  if (typeof raw === 'string' || typeof raw === 'boolean' || typeof raw === 'number') return [raw];
  return undefined;
}

/** The plugin's `validateBoundClaims`; returns the error text or undefined. */
function validateBoundClaims(role: JwtRole, claims: Readonly<Record<string, unknown>>): string | undefined {
  for (const [claim, expected] of Object.entries(role.boundClaims ?? {})) {
    const actual = getClaim(claims, claim);
    if (actual === undefined || actual === null) return `claim ${JSON.stringify(claim)} is missing`;
    const actualValues = normalizeList(actual);
    if (!actualValues) return `received claim is not a string or list: ${JSON.stringify(actual)}`;
    const expectedValues = normalizeList(expected);
    if (!expectedValues) return `bound claim is not a string or list: ${JSON.stringify(expected)}`;
    const found = expectedValues.some((exp) =>
      actualValues.some((act) =>
        role.boundClaimsType === 'glob' ? typeof exp === 'string' && typeof act === 'string' && globMatch(exp, act) : exp === act,
      ),
    );
    if (!found) return `claim ${JSON.stringify(claim)} does not match any associated bound claim values`;
  }
  return undefined;
}

function roleKey(params: PathParams): string {
  return (params['name'] ?? '').toLowerCase();
}
