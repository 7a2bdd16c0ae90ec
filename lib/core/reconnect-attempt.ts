import type { TokenManager } from '../auth/token.manager.js';
import type { VaultRequester } from '../transport/vault-transport.js';
import { VaultSealedError } from '../errors/vault-sealed.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import { probeVaultHealth, type VaultHealth } from '../transport/vault-health.js';
import { VaultNotServingError, type DegradedReason } from './supervisor.js';

/**
 * Why a `sys/health` answer means this node cannot serve the app, or undefined when it can
 * (Vault API docs, https://developer.hashicorp.com/vault/api-docs/system/health: 200 active, 429 standby and 473 performance standby serve reads by
 * forwarding; 472 disaster-recovery secondary, 474 standby with an unhealthy HA connection, 503
 * sealed, 501 not initialized and 530 removed from the cluster do not).
 */
export function healthFault(health: VaultHealth): VaultUnavailableError | undefined {
  if (!health.reachable)
    return new VaultUnavailableError(`sys/health did not answer (${health.error ?? 'no answer'})`, { path: 'sys/health' });
  if (health.sealed === true || health.initialized === false || health.status === 503 || health.status === 501)
    return new VaultSealedError({ path: 'sys/health', status: health.status });
  if (health.status === 472) return new VaultNotServingError('dr-secondary', 472);
  // Vault 1.19+: 474 is a standby whose HA connection to the active node is unhealthy (it cannot
  // forward), 530 a node removed from the raft cluster; neither serves the app.
  if (health.status === 474) return new VaultNotServingError('standby-no-active', 474);
  if (health.status === 530)
    return new VaultUnavailableError('this node was removed from the raft cluster and serves nothing (sys/health 530)', {
      path: 'sys/health',
      status: 530,
    });
  return undefined;
}

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
