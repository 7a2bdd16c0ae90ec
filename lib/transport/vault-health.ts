import type { VaultRequester } from '../contracts/vault-requester.js';
import { isJsonObject } from './vault-envelope.js';
import { SecretsError } from '../errors/secrets.error.js';

/** What `GET /v1/sys/health` said (https://developer.hashicorp.com/vault/api-docs/system/health). */
export interface VaultHealth {
  /** Vault answered at all. */
  reachable: boolean;
  initialized?: boolean;
  sealed?: boolean;
  /** A standby (429) or performance standby (473): reachable, forwards or redirects to the active node. */
  standby?: boolean;
  /** A disaster-recovery secondary (472): reachable but serves no reads. */
  drSecondary?: boolean;
  /** Vault's version string, e.g. `1.17.6`. */
  version?: string;
  /** HTTP status of `sys/health`. */
  status?: number;
  /** Why it is not reachable (an error code such as `SECRETS_VAULT_UNAVAILABLE`, `SECRETS_TLS_ERROR`). */
  error?: string;
}

/** Statuses `sys/health` uses for states that are answers, not failures. */
const HEALTH_STATUSES = [429, 472, 473, 474, 501, 503, 530];

/**
 * Calls `GET sys/health` (unauthenticated, raw JSON, no envelope). 429/473 mean a reachable
 * standby; 503 sealed; 501 not initialized. Never throws: an unreachable Vault is `reachable: false`.
 */
export async function probeVaultHealth(client: VaultRequester, timeoutMs?: number): Promise<VaultHealth> {
  try {
    const response = await client.request({
      method: 'GET',
      path: 'sys/health',
      authenticated: false,
      acceptStatus: HEALTH_STATUSES,
      ...(timeoutMs ? { timeoutMs } : {}),
    });
    const body = isJsonObject(response.body) ? response.body : {};
    return {
      reachable: true,
      status: response.status,
      initialized: typeof body.initialized === 'boolean' ? body.initialized : response.status !== 501,
      sealed: typeof body.sealed === 'boolean' ? body.sealed : response.status === 503,
      standby: response.status === 429 || response.status === 473 || body.standby === true,
      drSecondary: response.status === 472 || body.replication_dr_mode === 'secondary',
      version: typeof body.version === 'string' ? body.version : undefined,
    };
  } catch (error) {
    return { reachable: false, error: error instanceof SecretsError ? error.code : 'UNKNOWN' };
  }
}
