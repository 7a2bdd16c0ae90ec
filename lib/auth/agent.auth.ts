import { UnsupportedOperationError } from '../errors/unsupported-operation.error.js';
import type { AuthMethod } from '../contracts/auth-method.js';
import type { AuthResult } from '../contracts/auth-result.js';

/**
 * Vault Agent / Vault Proxy mode: the agent at `address` adds its own auto-auth token to every
 * request, so the module sends **no** token and does not renew anything (the agent does).
 * The way to run many replicas without each one logging in.
 */
export class AgentAuthMethod implements AuthMethod {
  readonly name = 'agent';
  readonly canLogin = false;

  /** @throws UnsupportedOperationError: nothing to log in to; the agent authenticates. */
  login(): Promise<AuthResult> {
    return Promise.reject(new UnsupportedOperationError('In agent mode the Vault Agent authenticates; the module holds no token'));
  }
}
