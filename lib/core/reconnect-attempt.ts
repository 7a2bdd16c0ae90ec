import type { TokenManager } from '../auth/token.manager.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import { healthFault } from '../transport/health-fault.js';
import { probeVaultHealth } from '../transport/vault-health.js';
import type { DegradedReason } from './supervisor.js';

/**
 * The supervisor's attempt: one `GET sys/health` (unauthenticated); when the node serves, the
 * token is made good again: a login (or `auth/token/lookup-self` of a given token) when the last
 * fault was the token's or there is none yet. Behind a Vault Agent, the probe alone.
 * @throws the fault (VaultUnavailableError, VaultSealedError, VaultNotServingError, AuthFailedError).
 */
export function reconnectAttempt(
  client: VaultRequester,
  tokens: TokenManager | undefined,
  probeTimeoutMs: number,
): (reason: DegradedReason) => Promise<void> {
  return async (reason) => {
    const fault = healthFault(await probeVaultHealth(client, probeTimeoutMs));
    if (fault) throw fault;
    if (!tokens) return;
    if (reason === 'auth-failed' || tokens.info() === undefined) await tokens.reauthenticate(`recovering from ${reason}`);
    else await tokens.getToken();
  };
}
