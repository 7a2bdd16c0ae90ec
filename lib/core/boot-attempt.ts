import type { TokenInfo, TokenManager } from '../auth/token.manager.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import type { ResolvedVaultConfig } from '../options/resolved-vault-config.js';
import { healthFault } from '../transport/health-fault.js';
import { probeVaultHealth } from '../transport/vault-health.js';
import type { SecretsLogger } from '../util/secrets-logger.js';
import type { Availability } from './read/availability.js';
import type { Supervisor } from './supervisor.js';

/** What the boot attempt works with; `tokens` is absent behind a Vault Agent (the module sends no token). */
export interface BootAttemptParts {
  config: ResolvedVaultConfig;
  client: VaultRequester;
  tokens: TokenManager | undefined;
  supervisor: Supervisor;
  availability: Availability;
  logger: SecretsLogger;
  /** Called once the module is `ready` at boot. */
  onReady: () => void;
}

/**
 * The boot: ONE attempt. With a token manager, the first token (login or
 * `auth/token/lookup-self`) and its renewal schedule; behind an Agent, one `GET sys/health`.
 * When Vault is unavailable the supervisor is told (the module starts `degraded` on its
 * fallbacks and retries in the background) and the boot goes on, unless `failFast` is set and a
 * watched key has no fallback.
 * @throws the login error when Vault answered and refused (bad credentials, invalid token);
 *   VaultUnavailableError when `failFast` is set and a watched key has no fallback.
 */
export async function bootAttempt(parts: BootAttemptParts): Promise<TokenInfo | undefined> {
  const { config, supervisor, logger } = parts;
  try {
    let info: TokenInfo | undefined;
    if (parts.tokens) {
      info = await parts.tokens.start();
    } else {
      const fault = healthFault(await probeVaultHealth(parts.client));
      if (fault)
        throw new VaultUnavailableError(`the Vault Agent at ${config.address} does not serve (${fault.message})`, { cause: fault });
    }
    supervisor.markReady();
    parts.onReady();
    return info;
  } catch (error) {
    if (!(error instanceof VaultUnavailableError)) throw error;
    supervisor.report(error);
    const unserved: string[] = [];
    for (const key of config.watch.keys) if (!(await parts.availability.canServe(key))) unserved.push(key);
    if (config.failFast && unserved.length > 0) {
      supervisor.stop();
      throw new VaultUnavailableError(
        `${error.message}; failFast is set and no fallback can serve ${unserved.map((k) => `"${k}"`).join(', ')}`,
        { cause: error },
      );
    }
    // The supervisor has logged the fault; when nothing answered at all, say what to check.
    if (supervisor.reason === 'unreachable')
      logger.warn(
        `Nothing answered at ${config.address} at boot: check that Vault is up and that VAULT_ADDR (the \`address\` option) points at it`,
      );
    return undefined;
  }
}
