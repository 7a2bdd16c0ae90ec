import type { AuthResult } from '../contracts/auth-result.js';
import { AuthFailedError } from '../errors/auth-failed.error.js';
import type { Clock } from '../timing/clock.js';
import type { SecretsLogger } from '../util/secrets-logger.js';
import { publicInfo, TOKEN_EXPIRY_MARGIN_MS, type TokenInfo, type TokenState } from './token-state.js';

/** Vault's warning when it cut a TTL to what is left of the max TTL (login or renewal). */
const CAPPED_AT_MAX_TTL = /exceeded the effective max_ttl/i;

/**
 * The lifetime bookkeeping of the module's token: when it is about to expire, and its hard end
 * (`maxExpiresAt`, ms since the epoch) learned from what Vault says, without extra calls:
 * - a batch or non-renewable token ends at its TTL;
 * - a login whose TTL Vault capped (warning `... exceeded the effective max_ttl ...`) ends at that TTL;
 * - `explicit_max_ttl` of `lookup-self` (a token given to the module) counts from `creation_time`;
 * - a `renew-self` that grants less than asked reached the max TTL: the new expiry is the end.
 * Not knowable without a capped answer: the max TTL of a renewable token that an auth role sets
 * (`token_max_ttl`); Vault keeps it in the role, not on the token, so `lookup-self` does not show it.
 * Listeners learn each hard end once per token (leases created under it end with it).
 */
export class TokenLifetime {
  readonly #clock: Clock;
  readonly #logger: SecretsLogger;
  readonly #listeners = new Set<(info: TokenInfo) => void>();

  constructor(clock: Clock, logger: SecretsLogger) {
    this.#clock = clock;
    this.#logger = logger;
  }

  /** Registers a listener told the token's hard end when it becomes known; returns its remover. */
  onHardEnd(listener: (info: TokenInfo) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A token just obtained: learns its hard end from the login or lookup result, when Vault tells it. */
  fromLogin(state: TokenState, result: AuthResult): void {
    if (state.expiresAt === undefined) return;
    let end: number | undefined;
    if (!state.renewable || result.warnings?.some((w) => CAPPED_AT_MAX_TTL.test(w))) end = state.expiresAt;
    if (result.explicitMaxTtl !== undefined && result.explicitMaxTtl > 0) {
      const explicitEnd = state.createdAt + result.explicitMaxTtl * 1000;
      end = end === undefined ? explicitEnd : Math.min(end, explicitEnd);
    }
    if (end !== undefined) this.#learn(state, end);
  }

  /** A renewal granted `grantedSeconds` for `askedSeconds` (now = the answer): less means the max TTL is reached. */
  renewed(state: TokenState, grantedSeconds: number, askedSeconds: number): void {
    if (grantedSeconds < askedSeconds && state.expiresAt !== undefined) this.#learn(state, state.expiresAt);
  }

  /** True when the token expires within {@link TOKEN_EXPIRY_MARGIN_MS}: no request goes out with it. */
  isExpiring(state: TokenState): boolean {
    return state.expiresAt !== undefined && state.expiresAt - this.#clock.now() <= TOKEN_EXPIRY_MARGIN_MS;
  }

  /** For a token given to the module that has expired: the error to throw (it cannot work and is never sent again). */
  expiredGivenToken(state: TokenState): AuthFailedError | undefined {
    if (state.expiresAt === undefined || state.expiresAt > this.#clock.now()) return undefined;
    return new AuthFailedError(
      `The Vault token given to the module (accessor ${state.accessor ?? 'unknown'}) expired at ${new Date(state.expiresAt).toISOString()} and cannot be replaced; give the module a new token or an auth method that can log in`,
    );
  }

  #learn(state: TokenState, end: number): void {
    if (state.maxExpiresAt !== undefined && state.maxExpiresAt <= end) return;
    state.maxExpiresAt = end;
    state.maxTtl = Math.max(0, Math.round((end - state.createdAt) / 1000));
    const info = publicInfo(state);
    for (const listener of this.#listeners) {
      try {
        listener(info);
      } catch (error) {
        this.#logger.error?.(`A token lifetime listener threw: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
