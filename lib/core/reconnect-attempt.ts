import type { TokenManager } from '../auth/token.manager.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import { healthFault } from '../transport/health-fault.js';
import { probeVaultHealth } from '../transport/vault-health.js';
import type { DegradedReason } from './fault-classifier.js';

/**
 * The supervisor's probe: one `GET sys/health` (unauthenticated).
 * @throws the fault when the node does not serve (VaultUnavailableError, VaultSealedError, VaultNotServingError).
 */
export function vaultProbe(client: VaultRequester, probeTimeoutMs: number): () => Promise<void> {
  return async () => {
    const fault = healthFault(await probeVaultHealth(client, probeTimeoutMs));
    if (fault) throw fault;
  };
}

/**
 * The supervisor's attempt: the probe (unless another probe just found Vault serving); when the
 * node serves, the token is made good again: a login (or `auth/token/lookup-self` of a given
 * token) when the last fault was the token's or there is none yet; otherwise the live token
 * (no request). Behind a Vault Agent, the probe alone.
 * @throws the fault (VaultUnavailableError, VaultSealedError, VaultNotServingError, AuthFailedError, LoginHeldError).
 */
export function reconnectAttempt(
  client: VaultRequester,
  tokens: TokenManager | undefined,
  probeTimeoutMs: number,
): (reason: DegradedReason, options: { probed: boolean }) => Promise<void> {
  const probe = vaultProbe(client, probeTimeoutMs);
  return async (reason, { probed }) => {
    if (!probed) await probe();
    if (!tokens) return;
    if (reason === 'auth-failed' || tokens.info() === undefined) await tokens.reauthenticate(`recovering from ${reason}`);
    else await tokens.getToken();
  };
}
