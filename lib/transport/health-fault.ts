import { VaultNotServingError } from '../errors/vault-not-serving.error.js';
import { VaultSealedError } from '../errors/vault-sealed.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import { HIDDEN_HEALTH_STATUSES, type VaultHealth } from './vault-health.js';

/**
 * Why a `sys/health` answer means this node cannot serve the app, or undefined when it can
 * (Vault API docs, https://developer.hashicorp.com/vault/api-docs/system/health: 200 active, 429 standby and 473 performance standby serve reads by
 * forwarding; 472 disaster-recovery secondary, 474 standby with an unhealthy HA connection, 503
 * sealed, 501 not initialized and 530 removed from the cluster do not). A `sys/health` hidden by a
 * proxy (404/405) proves nothing: a fault, unless `lookup-self` decided (see `ServingProbe`).
 */
export function healthFault(health: VaultHealth): VaultUnavailableError | undefined {
  if (!health.reachable)
    return new VaultUnavailableError(`sys/health did not answer (${health.error ?? 'no answer'})`, { path: 'sys/health' });
  if (health.status !== undefined && HIDDEN_HEALTH_STATUSES.includes(health.status))
    return new VaultUnavailableError(
      `sys/health is not served (HTTP ${health.status}, a proxy in front of Vault?) and nothing else confirmed Vault serves`,
      {
        path: 'sys/health',
        status: health.status,
      },
    );
  // Not initialized (501) is not sealed: an operator must initialize Vault, not unseal it.
  if (health.initialized === false || health.status === 501) return new VaultNotServingError('not-initialized', health.status);
  if (health.sealed === true || health.status === 503) return new VaultSealedError({ path: 'sys/health', status: health.status });
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
