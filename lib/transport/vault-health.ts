import type { VaultRequester } from '../contracts/vault-requester.js';
import { isJsonObject } from './vault-envelope.js';
import { SecretsError } from '../errors/secrets.error.js';
import { SecretsErrorCode } from '../errors/secrets-error-code.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';

/** What `GET /v1/sys/health` said (https://developer.hashicorp.com/vault/api-docs/system/health). */
export interface VaultHealth {
  /** Vault answered at all. */
  reachable: boolean;
  initialized?: boolean;
  sealed?: boolean;
  /** A standby (429) or performance standby (473): reachable, forwards or redirects to the active node. */
  standby?: boolean;
  /** A performance standby (473, Enterprise): serves reads itself; told apart from a plain standby (429). */
  performanceStandby?: boolean;
  /** A disaster-recovery secondary (472): reachable but serves no reads. */
  drSecondary?: boolean;
  /** Vault's version string, e.g. `1.17.6`. */
  version?: string;
  /** HTTP status of `sys/health`. */
  status?: number;
  /** Why it is not reachable (an error code such as `SECRETS_VAULT_UNAVAILABLE`, `SECRETS_TLS_ERROR`). */
  error?: string;
  /**
   * What gave the verdict: `sys/health`, or `lookup-self` when a proxy in front of Vault hides
   * `sys/health` (404/405) and `GET auth/token/lookup-self` decided instead.
   */
  via?: 'sys/health' | 'lookup-self';
  /** `lookup-self` answered 403: Vault serves but refuses the module's token (it needs a new login). */
  tokenRejected?: boolean;
  /** Unreachable because the probe's own timeout ran out (Vault may only be slower than that timeout). */
  timedOut?: boolean;
}

/** The verdict for a probe that failed with `error`: unreachable, with its code and whether it timed out. */
export function unreachableHealth(error: unknown, via: 'sys/health' | 'lookup-self'): VaultHealth {
  const timedOut = error instanceof VaultUnavailableError && error.kind === 'timeout';
  return { reachable: false, via, error: error instanceof SecretsError ? error.code : 'UNKNOWN', ...(timedOut ? { timedOut } : {}) };
}

/** Statuses of a `sys/health` that is not served: a gateway or proxy in front of Vault hides it. */
export const HIDDEN_HEALTH_STATUSES: readonly number[] = [404, 405];

/** Statuses `sys/health` uses for states that are answers, not failures. */
const HEALTH_STATUSES = [429, 472, 473, 474, 501, 503, 530];

/**
 * Calls `GET sys/health` once (unauthenticated, raw JSON, no envelope; a probe: no retry, no
 * circuit breaker). 429/473 mean a reachable standby; 503 sealed; 501 not initialized; 404/405
 * (any body) a proxy that hides `sys/health` (`status` says which; nothing else is known).
 * Never throws: an unreachable Vault is `reachable: false`.
 */
export async function probeVaultHealth(client: VaultRequester, timeoutMs?: number): Promise<VaultHealth> {
  try {
    const response = await client.request({
      method: 'GET',
      path: 'sys/health',
      authenticated: false,
      acceptStatus: [...HEALTH_STATUSES, ...HIDDEN_HEALTH_STATUSES],
      probe: true,
      ...(timeoutMs ? { timeoutMs } : {}),
    });
    if (HIDDEN_HEALTH_STATUSES.includes(response.status)) return { reachable: true, status: response.status, via: 'sys/health' };
    // Vault's sys/health always answers a JSON object: a 503 (or 429...) page without one is a load
    // balancer or proxy with no Vault behind it, not a sealed Vault or a standby.
    if (response.status !== 200 && !isJsonObject(response.body))
      return { reachable: false, status: response.status, via: 'sys/health', error: SecretsErrorCode.VaultUnavailable };
    const body = isJsonObject(response.body) ? response.body : {};
    return {
      reachable: true,
      status: response.status,
      initialized: typeof body.initialized === 'boolean' ? body.initialized : response.status !== 501,
      // Not initialized (501) is reported as such, not as sealed (an uninitialized Vault also says sealed: true).
      sealed:
        response.status === 501 || body.initialized === false
          ? undefined
          : typeof body.sealed === 'boolean'
            ? body.sealed
            : response.status === 503,
      standby: response.status === 429 || response.status === 473 || body.standby === true,
      performanceStandby: response.status === 473 || body.performance_standby === true,
      drSecondary: response.status === 472 || body.replication_dr_mode === 'secondary',
      version: typeof body.version === 'string' ? body.version : undefined,
      via: 'sys/health',
    };
  } catch (error) {
    return unreachableHealth(error, 'sys/health');
  }
}
