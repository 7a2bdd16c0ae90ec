/**
 * Shared machinery of the auth methods (AppRole, userpass, Kubernetes, JWT): Vault's
 * `tokenutil.TokenParams` (the `token_*` role fields with their legacy aliases), the core's
 * login handling (`handleLoginRequest`: policies, token type, TTL capping, display name, orphan
 * token with an identity entity) and the user-lockout bookkeeping of Vault 1.13+.
 */
import type { BackendContext } from './backend.js';
import { badRequest, VaultError } from './errors.js';
import { boolField, durationField, intField, stringField, stringSliceField } from './fields.js';
import { formatGoDuration } from './go-duration.js';
import { newUuid } from './ids.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { MountDescriptor } from './mount-table.js';
import { sanitizePolicies, tokenAuthBlock } from './token-common.js';
import type { TokenEntry } from './token-store.js';
import { calculateTtl } from './ttl.js';

/** `token_type` of a role: `default` follows the mount (always `service` in the test server). */
export type RoleTokenType = 'default' | 'service' | 'batch';

/** Legacy (pre-1.2) role fields that mirror a `token_*` field. */
export type LegacyTokenField = 'policies' | 'period' | 'ttl' | 'max_ttl' | 'num_uses' | 'bound_cidrs';

/** Vault's `tokenutil.TokenParams`. Durations in **seconds**. */
export interface TokenParams {
  readonly tokenBoundCidrs: readonly string[];
  readonly tokenExplicitMaxTtl: number;
  readonly tokenMaxTtl: number;
  readonly tokenNoDefaultPolicy: boolean;
  readonly tokenPeriod: number;
  readonly tokenPolicies: readonly string[];
  readonly tokenType: RoleTokenType;
  readonly tokenTtl: number;
  readonly tokenNumUses: number;
  /** Values of legacy fields still in use (shown on read next to their `token_*` twin). */
  readonly legacy: Readonly<Partial<Record<LegacyTokenField, number | readonly string[]>>>;
}

/** Token parameters of a new role. */
export const EMPTY_TOKEN_PARAMS: TokenParams = {
  tokenBoundCidrs: [],
  tokenExplicitMaxTtl: 0,
  tokenMaxTtl: 0,
  tokenNoDefaultPolicy: false,
  tokenPeriod: 0,
  tokenPolicies: [],
  tokenType: 'default',
  tokenTtl: 0,
  tokenNumUses: 0,
  legacy: {},
};

const LEGACY_TWINS: Readonly<Record<LegacyTokenField, string>> = {
  policies: 'token_policies',
  period: 'token_period',
  ttl: 'token_ttl',
  max_ttl: 'token_max_ttl',
  num_uses: 'token_num_uses',
  bound_cidrs: 'token_bound_cidrs',
};

function has(data: Record<string, unknown>, field: string): boolean {
  return data[field] !== undefined && data[field] !== null;
}

/** Vault's `policyutil.ParsePolicies`: comma list or array, trimmed, lower-cased, de-duplicated, sorted. */
export function parsePolicyList(data: Record<string, unknown>, field: string): string[] {
  return sanitizePolicies(stringSliceField(data, field), false);
}

/**
 * Vault's `ParseTokenFields` followed by `tokenutil.UpgradeValue` for the given legacy fields:
 * returns the role's token parameters after applying the request fields.
 * @throws VaultError 400 with Vault's messages (`'token_ttl' cannot be greater than 'token_max_ttl'`, ...)
 */
export function parseTokenParams(
  data: Record<string, unknown>,
  current: TokenParams,
  legacyFields: readonly LegacyTokenField[] = [],
): TokenParams {
  const raw: Record<string, unknown> = { ...data };
  // UpgradeValue: a legacy field fills its absent `token_*` twin.
  for (const field of legacyFields) {
    const twin = LEGACY_TWINS[field];
    if (!has(raw, twin) && has(raw, field)) raw[twin] = raw[field];
  }

  let boundCidrs = current.tokenBoundCidrs;
  if (has(raw, 'token_bound_cidrs')) boundCidrs = stringSliceField(raw, 'token_bound_cidrs');
  const explicitMax = durationField(raw, 'token_explicit_max_ttl', current.tokenExplicitMaxTtl);
  const maxTtl = durationField(raw, 'token_max_ttl', current.tokenMaxTtl);
  if (maxTtl < 0) throw badRequest("'token_max_ttl' cannot be negative");
  const noDefault = boolField(raw, 'token_no_default_policy', current.tokenNoDefaultPolicy);
  const period = durationField(raw, 'token_period', current.tokenPeriod);
  if (period < 0) throw badRequest("'token_period' cannot be negative");
  // `token_policies` is kept as given (TypeCommaStringSlice); the legacy `policies` goes through ParsePolicies.
  let policies = current.tokenPolicies;
  if (has(data, 'token_policies')) policies = stringSliceField(data, 'token_policies');
  else if (has(raw, 'token_policies')) policies = parsePolicyList(raw, 'token_policies');
  let tokenType = current.tokenType;
  if (has(raw, 'token_type')) {
    const text = stringField(raw, 'token_type');
    if (text === '' || text === 'default') tokenType = 'default';
    else if (text === 'service' || text === 'batch') tokenType = text;
    else throw badRequest(`invalid 'token_type' value ${JSON.stringify(text)}`);
  }
  const numUses = intField(raw, 'token_num_uses', current.tokenNumUses);
  if (numUses < 0) throw badRequest("'token_num_uses' cannot be negative");
  if (tokenType === 'batch') {
    if (period !== 0) throw badRequest("'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens");
    if (numUses !== 0) {
      throw badRequest("'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count");
    }
  }
  const ttl = durationField(raw, 'token_ttl', current.tokenTtl);
  if (ttl < 0) throw badRequest("'token_ttl' cannot be negative");
  if (ttl > 0 && maxTtl > 0 && ttl > maxTtl) throw badRequest("'token_ttl' cannot be greater than 'token_max_ttl'");

  const legacy: Partial<Record<LegacyTokenField, number | readonly string[]>> = { ...current.legacy };
  const values: Readonly<Record<LegacyTokenField, number | readonly string[]>> = {
    policies,
    period,
    ttl,
    max_ttl: maxTtl,
    num_uses: numUses,
    bound_cidrs: boundCidrs,
  };
  for (const field of legacyFields) {
    if (has(data, field)) legacy[field] = values[field];
    else if (has(data, LEGACY_TWINS[field])) delete legacy[field];
  }

  return {
    tokenBoundCidrs: boundCidrs,
    tokenExplicitMaxTtl: explicitMax,
    tokenMaxTtl: maxTtl,
    tokenNoDefaultPolicy: noDefault,
    tokenPeriod: period,
    tokenPolicies: policies,
    tokenType,
    tokenTtl: ttl,
    tokenNumUses: numUses,
    legacy,
  };
}

/** Vault's `PopulateTokenData` plus the legacy fields still in use. Durations in **seconds**. */
export function tokenParamsData(params: TokenParams): Record<string, unknown> {
  const data: Record<string, unknown> = {
    token_bound_cidrs: [...params.tokenBoundCidrs],
    token_explicit_max_ttl: params.tokenExplicitMaxTtl,
    token_max_ttl: params.tokenMaxTtl,
    token_no_default_policy: params.tokenNoDefaultPolicy,
    token_num_uses: params.tokenNumUses,
    token_period: params.tokenPeriod,
    token_policies: [...params.tokenPolicies],
    token_ttl: params.tokenTtl,
    token_type: params.tokenType,
  };
  for (const [field, value] of Object.entries(params.legacy)) {
    if (value === undefined) continue;
    if (Array.isArray(value) ? value.length > 0 : value !== 0) data[field] = Array.isArray(value) ? [...(value as string[])] : value;
  }
  return data;
}

/** Go's `time.Duration.String()` of whole seconds (`768h0m0s`), used in plugin messages. */
export function goDurationString(seconds: number): string {
  return formatGoDuration(seconds);
}

/** Identity entities of one auth mount: one stable entity id per alias name, like Vault's identity store. */
export class EntityAliases {
  private readonly entities = new Map<string, string>();

  /** The entity id of an alias, created on first use. */
  entityFor(aliasName: string): string {
    let id = this.entities.get(aliasName);
    if (id === undefined) {
      id = newUuid();
      this.entities.set(aliasName, id);
    }
    return id;
  }
}

/** What an auth method hands to the core after validating the credentials (Go `logical.Auth`). */
export interface LoginAuth {
  /** Token parameters of the role/user. */
  readonly params: TokenParams;
  /** Token metadata (`auth.metadata`, lookup `meta`). */
  readonly metadata: Readonly<Record<string, string>>;
  /** The backend's display name; the core prefixes the mount path (`approle`, `kubernetes-ns-sa`). */
  readonly displayName: string;
  /** Identity alias name (role_id, username, service account uid, user claim). */
  readonly aliasName: string;
}

/**
 * The core's part of a login (`handleLoginRequest`): sanitised policies incl. `default`, token
 * type, TTL per `CalculateTTL` against the auth mount (warnings on capping), an orphan token
 * with the mount-prefixed display name, and the envelope with the `auth` block
 * (https://developer.hashicorp.com/vault/api-docs/auth/approle#login-with-approle and the other methods' login).
 * @throws VaultError 400 `auth methods cannot create root tokens`
 */
export function issueLoginToken(
  ctx: BackendContext,
  mount: MountDescriptor,
  req: LogicalRequest,
  entities: EntityAliases,
  auth: LoginAuth,
): DataResponse {
  const params = auth.params;
  if (params.tokenPolicies.includes('root')) throw badRequest('auth methods cannot create root tokens');
  const policies = sanitizePolicies(params.tokenPolicies, !params.tokenNoDefaultPolicy);
  const type = params.tokenType === 'batch' ? 'batch' : 'service';
  const now = ctx.clock.now();
  const { ttlSeconds, warnings } = calculateTtl({
    incrementSeconds: 0,
    backendTtlSeconds: params.tokenTtl,
    periodSeconds: params.tokenPeriod,
    backendMaxTtlSeconds: params.tokenMaxTtl,
    explicitMaxTtlSeconds: params.tokenExplicitMaxTtl,
    startMs: undefined,
    nowMs: now,
    mountDefaultTtlSeconds: ctx.mountDefaultTtl(mount),
    mountMaxTtlSeconds: ctx.mountMaxTtl(mount),
  });
  const renewable = type === 'service';
  const source = mount.path.replace(/^auth\//, '').replace(/\//g, '-');
  const displayName = `${source}${auth.displayName}`.replace(/-+$/, '');
  const entry = ctx.tokens.insert({
    policies,
    path: req.path,
    meta: { ...auth.metadata },
    displayName,
    numUses: params.tokenNumUses,
    creationTimeMs: now,
    creationTtlSeconds: ttlSeconds,
    explicitMaxTtlSeconds: params.tokenExplicitMaxTtl,
    periodSeconds: params.tokenPeriod,
    type,
    parentId: null,
    entityId: entities.entityFor(auth.aliasName),
    lease: { issueTimeMs: now, expireTimeMs: now + ttlSeconds * 1000, ttlSeconds, lastRenewalMs: null, renewable },
    maxTtlSeconds: params.tokenMaxTtl,
    authMountPath: mount.path,
  });
  return respondData(null, { auth: tokenAuthBlock(entry, ttlSeconds, renewable), warnings, mountType: '' });
}

/** Revokes every token issued by logins on `mount` (Vault revokes them when an auth mount is disabled). */
export function revokeMountTokens(ctx: BackendContext, mount: MountDescriptor): void {
  for (const entry of ctx.tokens.all()) {
    if (isTokenOfMount(entry, mount)) ctx.tokens.revokeTree(entry.id);
  }
}

function isTokenOfMount(entry: TokenEntry, mount: MountDescriptor): boolean {
  return entry.authMountPath === mount.path;
}

/** Settings of Vault's user lockout (1.13+ defaults: 5 failures, locked 15m, counter reset 15m). */
export interface LockoutSettings {
  readonly threshold: number;
  /** Lockout duration in **seconds**. */
  readonly durationSeconds: number;
  /** Counter reset window in **seconds**. */
  readonly counterResetSeconds: number;
}

/** Vault's default user-lockout configuration. */
export const DEFAULT_LOCKOUT: LockoutSettings = { threshold: 5, durationSeconds: 900, counterResetSeconds: 900 };

/**
 * Failed-login bookkeeping per alias (AppRole role_id, userpass username): after `threshold`
 * failures the alias is locked and every login answers 403 `permission denied` until the
 * lockout duration has passed (server clock).
 */
export class UserLockout {
  private readonly failures = new Map<string, { count: number; lastFailureMs: number }>();

  constructor(
    private readonly ctx: BackendContext,
    private readonly settings: LockoutSettings = DEFAULT_LOCKOUT,
  ) {}

  /** @throws VaultError 403 `permission denied` while the alias is locked */
  assertNotLocked(alias: string): void {
    const info = this.current(alias);
    if (info && info.count >= this.settings.threshold) throw new VaultError(403, ['permission denied']);
  }

  /** Records a failed login of an existing alias. */
  recordFailure(alias: string): void {
    const info = this.current(alias);
    this.failures.set(alias, { count: (info?.count ?? 0) + 1, lastFailureMs: this.ctx.clock.now() });
  }

  /** Clears the failures of an alias after a successful login. */
  recordSuccess(alias: string): void {
    this.failures.delete(alias);
  }

  private current(alias: string): { count: number; lastFailureMs: number } | undefined {
    const info = this.failures.get(alias);
    if (!info) return undefined;
    const elapsed = (this.ctx.clock.now() - info.lastFailureMs) / 1000;
    const locked = info.count >= this.settings.threshold;
    if ((locked && elapsed >= this.settings.durationSeconds) || (!locked && elapsed >= this.settings.counterResetSeconds)) {
      this.failures.delete(alias);
      return undefined;
    }
    return info;
  }
}

/** Vault's `strutil.StrListContainsGlob`: `*` wildcards anywhere in the pattern. */
export function globListContains(patterns: readonly string[], value: string): boolean {
  return patterns.some((pattern) => globMatch(pattern, value));
}

/** Glob match with `*` as "any run of characters". */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`, 's');
  return regex.test(value);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Parses Vault's `strutil.ParseArbitraryKeyValues` input (JSON object string, base64 of one, or
 * `k=v,k2=v2`) into a string map.
 * @throws Error with Go's message on malformed input
 */
export function parseArbitraryKeyValues(input: string): Record<string, string> {
  const text = input.trim();
  const out: Record<string, string> = {};
  if (text === '') return out;
  let json: unknown;
  const tryJson = (candidate: string): boolean => {
    try {
      json = JSON.parse(candidate);
      return true;
    } catch {
      return false;
    }
  };
  if (!tryJson(text)) {
    const decoded = Buffer.from(text, 'base64').toString('utf8');
    if (!/^[A-Za-z0-9+/=]+$/.test(text) || !tryJson(decoded)) json = undefined;
  }
  if (json !== undefined) {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('input is not a JSON object');
    for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
      out[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    return out;
  }
  for (const pair of text.split(',')) {
    const index = pair.indexOf('=');
    if (index <= 0) throw new Error(`invalid key value pair ${JSON.stringify(pair)}`);
    out[pair.slice(0, index).trim()] = pair.slice(index + 1).trim();
  }
  return out;
}

/** Go's `%q`-free `period of %q is greater than ...` message helper for roles. */
export function periodTooLongMessage(periodSeconds: number, maxSeconds: number): string {
  return `period of ${JSON.stringify(goDurationString(periodSeconds))} is greater than the backend's maximum lease TTL of ${JSON.stringify(goDurationString(maxSeconds))}`;
}
