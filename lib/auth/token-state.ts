import type { AuthResult } from '../contracts/auth-result.js';

/** What the manager knows about the current token. Times in milliseconds since the epoch. */
export interface TokenInfo {
  accessor?: string;
  policies: readonly string[];
  tokenType: 'service' | 'batch';
  renewable: boolean;
  /** When this token was obtained or last renewed. */
  issuedAt: number;
  /** When it expires; undefined for a token with no TTL (root-like), which is never renewed. */
  expiresAt?: number;
  /** True when the module obtained it by logging in (only those are revoked on shutdown). */
  obtainedByLogin: boolean;
  /**
   * The token's hard end, in milliseconds since the epoch: no renewal takes it further, and Vault
   * revokes every lease it created then. Learned from what Vault says (a non-renewable token's TTL,
   * a login or renewal capped at the max TTL, `explicit_max_ttl` of `lookup-self`); undefined
   * while unknown (a renewable token that has not reached its max TTL yet).
   */
  maxExpiresAt?: number;
  /** The token's max TTL in seconds (from its creation to {@link maxExpiresAt}); undefined while unknown. */
  maxTtl?: number;
}

/** The token itself with what is known about it; kept in private fields only, never logged. */
export interface TokenState extends TokenInfo {
  token: string;
  /** The TTL to ask for at each renewal, in seconds (the TTL the token was issued with). */
  incrementSeconds: number;
  /** When Vault created the token, ms since the epoch (the login, or `creation_time` of `lookup-self`). */
  createdAt: number;
}

/** A token is treated as dead this many milliseconds before its expiry, so no request goes out with it. */
export const TOKEN_EXPIRY_MARGIN_MS = 2000;

/** The state of a token just obtained at `now` (ms since the epoch); `obtainedByLogin` marks tokens the module may revoke. */
export function stateFromLogin(result: AuthResult, now: number, obtainedByLogin: boolean): TokenState {
  return {
    token: result.token,
    accessor: result.accessor,
    policies: Array.isArray(result.policies) ? result.policies.filter((p): p is string => typeof p === 'string') : [],
    tokenType: result.tokenType,
    renewable: result.renewable && result.tokenType !== 'batch',
    issuedAt: now,
    expiresAt: result.leaseDuration > 0 ? now + result.leaseDuration * 1000 : undefined,
    obtainedByLogin,
    incrementSeconds: result.leaseDuration,
    createdAt: result.createdAt ?? now,
  };
}

/** The public view of a token state: everything but the token, the renewal increment and the creation time. */
export function publicInfo(state: TokenState): TokenInfo {
  const { token: _token, incrementSeconds: _increment, createdAt: _created, ...info } = state;
  return { ...info, policies: [...info.policies] };
}
