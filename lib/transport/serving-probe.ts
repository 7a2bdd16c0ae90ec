import type { VaultRequester } from '../contracts/vault-requester.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { PermissionDeniedError } from '../errors/permission-denied.error.js';
import { VaultSealedError } from '../errors/vault-sealed.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import type { Clock } from '../timing/clock.js';
import { HIDDEN_HEALTH_STATUSES, probeVaultHealth, unreachableHealth, type VaultHealth } from './vault-health.js';

/** How long a `sys/health` found hidden by a proxy (404/405) is not asked again, in milliseconds (5 minutes). */
export const HIDDEN_HEALTH_MEMO_MS = 300_000;

/** Collaborators of the {@link ServingProbe}. */
export interface ServingProbeDeps {
  client: VaultRequester;
  clock: Clock;
  /**
   * The token held now, with no login (undefined before the first one); omitted behind a Vault
   * Agent, which adds its own token (the request is then sent as an authenticated one).
   */
  heldToken?: () => string | undefined;
  /** Namespace the token lives in (`''` = root); undefined = the client's. */
  tokenNamespace?: string;
}

/**
 * Does Vault serve? `GET sys/health` (unauthenticated), and where a gateway in front of Vault
 * hides it (404 or 405, any body) one authenticated cheap call instead,
 * `GET auth/token/lookup-self` (https://developer.hashicorp.com/vault/api-docs/auth/token#lookup-a-token-self):
 * 200 serving; 403 serving but the token is refused (`tokenRejected`); 503 sealed; no answer
 * unreachable. A hidden `sys/health` is remembered for {@link HIDDEN_HEALTH_MEMO_MS}: until then
 * probes go to `lookup-self` directly. Every call is a probe: sent once, no retry, no circuit
 * breaker, its own timeout. Never throws.
 */
export class ServingProbe {
  #hiddenUntil = 0;

  constructor(private readonly deps: ServingProbeDeps) {}

  /**
   * One probe.
   * @param timeoutMs - timeout of each call, in milliseconds (default: the client's).
   * @returns what Vault said (`via` tells which endpoint decided).
   */
  async check(timeoutMs?: number): Promise<VaultHealth> {
    if (this.deps.clock.now() < this.#hiddenUntil) return this.#lookupSelf(timeoutMs);
    const health = await probeVaultHealth(this.deps.client, timeoutMs);
    if (!health.reachable || health.status === undefined || !HIDDEN_HEALTH_STATUSES.includes(health.status)) return health;
    this.#hiddenUntil = this.deps.clock.now() + HIDDEN_HEALTH_MEMO_MS;
    return this.#lookupSelf(timeoutMs);
  }

  async #lookupSelf(timeoutMs: number | undefined): Promise<VaultHealth> {
    const { client, heldToken, tokenNamespace } = this.deps;
    const token = heldToken?.();
    const via = 'lookup-self' as const;
    try {
      await client.request({
        method: 'GET',
        path: 'auth/token/lookup-self',
        probe: true,
        // No token yet: sent without one (Vault answers 403, which proves it serves).
        ...(heldToken === undefined ? {} : token === undefined ? { authenticated: false } : { token }),
        ...(tokenNamespace === undefined ? {} : { namespace: tokenNamespace }),
        ...(timeoutMs ? { timeoutMs } : {}),
      });
      return { reachable: true, status: 200, initialized: true, sealed: false, via };
    } catch (error) {
      if (error instanceof InvalidTokenError || error instanceof PermissionDeniedError)
        return { reachable: true, status: 403, initialized: true, sealed: false, via, tokenRejected: true };
      if (error instanceof VaultSealedError) return { reachable: true, status: 503, sealed: true, via };
      // A rate limit on lookup-self is an answer from a serving Vault.
      if (error instanceof VaultUnavailableError && error.status === 429) return { reachable: true, status: 429, sealed: false, via };
      return unreachableHealth(error, via);
    }
  }
}
