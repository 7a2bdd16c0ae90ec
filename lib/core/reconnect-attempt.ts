import type { TokenManager } from '../auth/token.manager.js';
import { healthFault } from '../transport/health-fault.js';
import type { ServingProbe } from '../transport/serving-probe.js';
import type { VaultHealth } from '../transport/vault-health.js';
import type { DegradedReason } from './fault-classifier.js';
import type { AttemptOptions } from './supervisor-types.js';

/** One probe ({@link ServingProbe.check}); throws the fault when the node does not serve. */
async function servingOrThrow(serving: ServingProbe, probeTimeoutMs: number): Promise<VaultHealth> {
  const health = await serving.check(probeTimeoutMs);
  const fault = healthFault(health);
  if (fault) throw fault;
  return health;
}

/**
 * The supervisor's probe: one `GET sys/health` (unauthenticated), or `GET auth/token/lookup-self`
 * where a proxy hides `sys/health` (see {@link ServingProbe}).
 * @param probeTimeoutMs - timeout of the call, in milliseconds.
 * @throws the fault when the node does not serve (VaultUnavailableError, VaultSealedError, VaultNotServingError).
 */
export function vaultProbe(serving: ServingProbe, probeTimeoutMs: number): () => Promise<void> {
  return async () => {
    await servingOrThrow(serving, probeTimeoutMs);
  };
}

/**
 * The supervisor's attempt: the probe (unless another probe just found Vault serving); when the
 * node serves, the token is made good again: a login (or `auth/token/lookup-self` of a given
 * token) when the last fault was the token's, there is none yet, or the probe's `lookup-self`
 * refused it; otherwise the live token (no request). Behind a Vault Agent, the probe alone. When
 * the supervisor gives `beforeLogin` (an unplanned recovery) and the token expired during a
 * Vault-wide outage, the login waits for it (spread over a window, see `RECOVERY_LOGIN_SPREAD_MS`).
 * @throws the fault (VaultUnavailableError, VaultSealedError, VaultNotServingError, AuthFailedError, LoginHeldError).
 */
export function reconnectAttempt(
  serving: ServingProbe,
  tokens: TokenManager | undefined,
  probeTimeoutMs: number,
): (reason: DegradedReason, options: AttemptOptions) => Promise<void> {
  return async (reason, { probed, beforeLogin }) => {
    const health = probed ? undefined : await servingOrThrow(serving, probeTimeoutMs);
    if (!tokens) return;
    const tokenFault = reason === 'auth-failed' || reason === 'rate-limited';
    // A Vault-wide outage outlived the token: the login waits its turn when the supervisor spreads it.
    if (!tokenFault && beforeLogin && tokens.needsLogin()) await beforeLogin();
    if (reason === 'auth-failed' || tokens.info() === undefined || health?.tokenRejected === true)
      await tokens.reauthenticate(`recovering from ${reason}`);
    else await tokens.getToken();
  };
}
