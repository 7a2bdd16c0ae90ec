import { authOptionProblems, createAuthMethod } from '../auth/auth-method.factory.js';
import type { ResolvedVaultConfig } from '../options/resolved-vault-config.js';
import { resolveVaultOptions } from '../options/resolve-vault-options.js';

/**
 * Validates module options, fills defaults from the Vault CLI environment variables, loads the CA
 * file and builds the auth method. Called once at boot by `SecretsModule` and `SecretsManager`.
 *
 * @param input - the options object given by the app (plain object or `VaultConfig` instance).
 * @param env - environment to read `VAULT_*` from; default `process.env`.
 * @returns the frozen resolved configuration.
 * @throws InvalidOptionsError (code `SECRETS_INVALID_OPTIONS`) listing every problem found.
 */
export function resolveVaultConfig(input: unknown, env: NodeJS.ProcessEnv = process.env): ResolvedVaultConfig {
  return resolveVaultOptions(input, env, { problems: authOptionProblems, create: createAuthMethod });
}
