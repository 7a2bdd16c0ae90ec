import type { TokenManager } from '../auth/token.manager.js';
import type { VaultRequester } from '../transport/vault-transport.js';
import { VaultSealedError } from '../errors/vault-sealed.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import { probeVaultHealth, type VaultHealth } from '../health/vault-health.js';
import { VaultNotServingError, type DegradedReason } from './supervisor.js';

/**
 * Why a `sys/health` answer means this node cannot serve the app, or undefined when it can
 * (Vault API docs, https://developer.hashicorp.com/vault/api-docs/system/health: 200 active, 429 standby and 473 performance standby serve reads by
 * forwarding; 472 disaster-recovery secondary, 503 sealed and 501 not initialized do not).
 */
export function healthFault(health: VaultHealth): VaultUnavailableError | undefined {
  if (!health.reachable)
    return new VaultUnavailableError(`sys/health did not answer (${health.error ?? 'no answer'})`, { path: 'sys/health' });
  if (health.sealed === true || health.initialized === false || health.status === 503 || health.status === 501)
    return new VaultSealedError({ path: 'sys/health', status: health.status });
  if (health.status === 472) return new VaultNotServingError('dr-secondary', 472);
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
