import type { VaultRequester } from './vault-requester.js';
import type { AuthResult } from './auth-result.js';

/** What an auth method may use to log in. */
export interface AuthContext {
  /** The module's client; send logins with `authenticated: false` (the namespace header is added for you). */
  client: VaultRequester;
}

/**
 * A way to obtain a Vault token. Built in: token, approle, kubernetes, jwt, userpass. Implement
 * this interface to bring your own and pass the instance as `VaultConfig.auth`.
 */
export interface AuthMethod {
  /** Short name for logs, e.g. `approle`. */
  readonly name: string;
  /**
   * Whether `login()` can produce a fresh token (true for every real auth method; false for a
   * fixed token, which the module can only look up and renew).
   */
  readonly canLogin: boolean;
  /**
   * Obtains a token, usually with `POST auth/<mount>/login`.
   * @throws SecretsError subclasses (VaultRequestError for bad credentials, VaultUnavailableError ...).
   */
  login(context: AuthContext): Promise<AuthResult>;
}

/** Type guard: a user-supplied {@link AuthMethod} object. */
export function isAuthMethod(value: unknown): value is AuthMethod {
  return typeof value === 'object' && value !== null && typeof (value as { login?: unknown }).login === 'function';
}
