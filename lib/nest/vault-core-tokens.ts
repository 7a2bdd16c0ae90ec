import type { InjectionToken } from '@nestjs/common';
import type { ResolvedVaultConfig } from '../options/resolved-vault-config.js';
import { getSecretsServiceToken } from './secrets-service-token.js';
import type { SecretsService } from './secrets.service.js';

/**
 * @internal Token under which the global core module of the default Vault exports its
 * `SecretsService` to every module (what `forFeature` injects). The `SecretsService` class token
 * itself is exported by `SecretsModule`, globally only with `isGlobal`.
 */
export const DEFAULT_VAULT_SERVICE: InjectionToken<SecretsService> = Symbol.for('nestjs-vault-secrets:DEFAULT_VAULT_SERVICE');

/** @internal Token under which the global core module of the default Vault exports its resolved configuration. */
export const DEFAULT_VAULT_CONFIG: InjectionToken<ResolvedVaultConfig> = Symbol.for('nestjs-vault-secrets:DEFAULT_VAULT_CONFIG');

/**
 * @internal The token the core module of a Vault exports its service under, visible in every
 * module: {@link DEFAULT_VAULT_SERVICE} for the default Vault, `SecretsService:<name>` for a named one.
 */
export function coreServiceToken(name?: string): InjectionToken<SecretsService> {
  return name === undefined ? DEFAULT_VAULT_SERVICE : getSecretsServiceToken(name);
}
