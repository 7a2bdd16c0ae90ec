import type { AuthMethod } from '../contracts/auth-method.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import type { SecretsLogger } from '../util/secrets-logger.js';
import { describe } from './login-error.js';

/** Longest time `stop()` waits for `revoke-self`, in milliseconds. */
export const REVOKE_ON_SHUTDOWN_TIMEOUT_MS = 2000;

/**
 * `POST auth/token/revoke-self` for a token the module logged in for (never a token the app
 * gave), waiting at most {@link REVOKE_ON_SHUTDOWN_TIMEOUT_MS}. Never throws: errors are logged
 * (without the token); a batch token, which cannot be revoked, is left quietly.
 */
export async function revokeObtainedToken(client: VaultRequester, logger: SecretsLogger, token: string, method: AuthMethod): Promise<void> {
  if (!method.canLogin || method.name === 'token') return;
  try {
    await client.request({ method: 'POST', path: 'auth/token/revoke-self', token, timeoutMs: REVOKE_ON_SHUTDOWN_TIMEOUT_MS });
  } catch (error) {
    if (!/batch tokens cannot be revoked/.test(describe(error)))
      logger.warn?.(`Could not revoke the Vault token on shutdown: ${describe(error)}`);
  }
}
