import type { VaultEnv } from './env-defaults.js';
import type { VaultConfig } from './vault-config.js';

/**
 * What each step of `resolveVaultConfig` reads and appends to: the checked options, the Vault CLI
 * variables, and the lists of problems (boot fails when any) and warnings (logged at boot).
 */
export interface ResolveContext {
  /** The known options as given (unknown keys dropped). */
  readonly config: VaultConfig;
  /** The same options untouched (functions, engines, `auth` as given). */
  readonly safeInput: Readonly<Record<string, unknown>>;
  /** `VAULT_*` variables, empty ones as unset. */
  readonly vaultEnv: VaultEnv;
  readonly problems: string[];
  readonly warnings: string[];
}
