import type { DegradedReason, SupervisorState } from './supervisor.js';

/** What `status()` reports: can the module get answers from Vault, and what it serves meanwhile. Times in ms since the epoch. */
export interface SecretsStatus {
  /** The supervisor's state: `starting` (before the first attempt ended), `ready`, or `degraded`. */
  state: SupervisorState;
  /** Why it is degraded: `unreachable`, `sealed`, `not-initialized`, `standby-no-active`, `dr-secondary`, `auth-failed`, `rate-limited`. */
  reason?: DegradedReason;
  /** When the supervisor tries Vault again, while degraded (ms since the epoch). */
  nextAttemptAt?: number;
  /** `up` when ready, `down` when degraded, `unknown` while starting (same truth as `state`). */
  vault: 'up' | 'down' | 'unknown';
  /** True while degraded or while at least one key is served from a fallback. */
  degraded: boolean;
  /** Keys currently served from a fallback, with the source (`stale-cache`, `env`, `json-file`, `encrypted-file`). */
  fallbackKeys: Record<string, string>;
  /**
   * The module's token: accessor, expiry and hard end (`maxExpiresAt`, ms since the epoch, once
   * Vault told it: no renewal goes past it and its leases end with it), never the token.
   */
  token?: { accessor?: string; expiresAt?: number; renewable: boolean; maxExpiresAt?: number };
  /**
   * Leased secrets under management, when the first one expires, and per key any condition worth
   * an operator's eye (e.g. a certificate TTL clipped to its CA's expiry). Never a value.
   */
  leases: { count: number; nextExpiry?: number; notices: Record<string, string> };
  /**
   * Set while logins are held back to stay clear of Vault's user lockout (5 failed logins lock an
   * AppRole role_id or a userpass username for 15 minutes): `held` after refused logins (a refused
   * credential is sent at most 3 times per 15 minutes; a changed one is tried at once), `locked`
   * when Vault answered that the role or user is locked (waited out). `retryAt`: when the next
   * login may be sent, ms since the epoch; `refusedLogins`: refusals of this identity in the
   * current window; `reason`: Vault's reason for the last refusal (e.g. `invalid role or secret ID`).
   * Never a credential.
   */
  login?: { state: 'held' | 'locked'; retryAt: number; refusedLogins: number; reason: string };
}
