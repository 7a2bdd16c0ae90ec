import type { AuthContext, AuthMethod } from '../contracts/auth-method.js';
import type { AuthResult } from '../contracts/auth-result.js';
import { fingerprint } from './credential-fingerprint.js';

/**
 * A login read and ready to send: the credential was read once (files, variables, callbacks) and
 * fingerprinted, so the login gate can decide before anything reaches Vault. Fingerprints only:
 * never the clear value.
 */
export interface PreparedLogin {
  /** Fingerprint of who logs in (mount + role_id, mount + username, mount + role). */
  identity: string;
  /** Fingerprint of the credential itself (secret_id, password, JWT); `''` when there is none. */
  secret: string;
  /** Files the credential was read from: watched while a login is held, a rewrite is tried at once. */
  files: readonly string[];
  /** Sends the login with exactly the credential that was fingerprinted. */
  send(): Promise<AuthResult>;
}

/** An auth method that can read its credential before sending (the built-in ones). */
export interface PreparableAuthMethod extends AuthMethod {
  prepareLogin(context: AuthContext): Promise<PreparedLogin>;
}

/**
 * Reads a login for the gate: the method's own `prepareLogin` when it has one; otherwise (a custom
 * method, cert) the method's name is the identity and there is no credential fingerprint, so the
 * refusal budget is the method's.
 */
export function prepareLogin(method: AuthMethod, context: AuthContext): Promise<PreparedLogin> {
  const preparable = method as Partial<PreparableAuthMethod>;
  if (typeof preparable.prepareLogin === 'function') return preparable.prepareLogin.call(method, context);
  return Promise.resolve({ identity: fingerprint('method', method.name), secret: '', files: [], send: () => method.login(context) });
}
