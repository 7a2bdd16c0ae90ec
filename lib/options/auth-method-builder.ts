import type { AuthMethod } from '../contracts/auth-method.js';
import type { AuthOptions } from './auth-options.js';

/**
 * What resolving the options needs from `auth/`: the check of `VaultConfig.auth` and the factory of
 * the method. Options are plain data and never import auth; `core/` hands auth's functions in.
 */
export interface AuthMethodBuilder {
  /** Lists what is wrong with `VaultConfig.auth` (empty when it is fine); never echoes a value. */
  problems(auth: unknown): string[];
  /** Builds the method from valid options; undefined when no token can be found anywhere. */
  create(auth: AuthOptions | AuthMethod | undefined, token: string | undefined, env: NodeJS.ProcessEnv): AuthMethod | undefined;
}
