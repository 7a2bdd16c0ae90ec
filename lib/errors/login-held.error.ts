import { AuthFailedError } from './auth-failed.error.js';
import type { SecretsErrorDetails } from './secrets.error.js';

/**
 * A login that was NOT sent: the module holds it back to stay clear of Vault's user lockout (by
 * default 5 failed logins lock a role_id or username for 15 minutes), or waits out a lockout that
 * Vault reported. Nothing reached Vault for this error.
 *
 * - `retryAt`: when the next login may be sent, in milliseconds since the epoch (sooner when the
 *   credential source changes, e.g. a rewritten `secretIdFile`);
 * - `locked`: true when Vault answered that the role or user is locked (then the wait is the
 *   lockout's), false when the module's own budget of refused logins holds it.
 *
 * Its message names the auth method and the time, never the credential.
 */
export class LoginHeldError extends AuthFailedError {
  /** When the next login may be sent, in milliseconds since the epoch. */
  readonly retryAt: number;
  /** True when Vault reported the role or user as locked. */
  readonly locked: boolean;

  constructor(message: string, retryAt: number, locked: boolean, details: SecretsErrorDetails = {}) {
    super(message, details);
    this.retryAt = retryAt;
    this.locked = locked;
  }
}
