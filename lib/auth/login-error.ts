import { AuthFailedError } from '../errors/auth-failed.error.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { PermissionDeniedError } from '../errors/permission-denied.error.js';
import { SecretsError } from '../errors/secrets.error.js';
import { VaultRequestError } from '../errors/vault-request.error.js';
import type { AuthResult } from '../contracts/auth-result.js';
import { isHeaderValue } from '../transport/header-value.js';

/** What to do when Vault does not know the token the app gave (the `token` method's lookup answered `invalid token`). */
const TOKEN_FIX =
  'Check VAULT_TOKEN, the `token` option or the token file (`tokenFile`, else ~/.vault-token): the token may be mistyped, expired or revoked, or belong to another Vault or namespace';

/**
 * A failed login as the app should see it: an outage stays a `VaultUnavailableError` (the
 * supervisor retries it); a refusal becomes an {@link AuthFailedError} carrying Vault's own reason
 * (e.g. `service account name not authorized`, `invalid role or secret ID`), never advice about
 * token policies, which do not apply to a login. A token Vault does not know (the `token` method)
 * names where the token comes from in the message itself.
 */
export function loginError(error: unknown, methodName: string): SecretsError {
  const refused = error instanceof VaultRequestError || error instanceof PermissionDeniedError || error instanceof InvalidTokenError;
  if (error instanceof SecretsError && !refused) return error;
  if (error instanceof SecretsError) {
    const reasons =
      error instanceof InvalidTokenError ? ['invalid token'] : (error as VaultRequestError | PermissionDeniedError).vaultErrors;
    const said = reasons.length > 0 ? reasons.join('; ') : `HTTP ${error.status ?? 'error'} without a reason`;
    const fix = error instanceof InvalidTokenError && methodName === 'token' ? `. ${TOKEN_FIX}` : '';
    return new AuthFailedError(`Vault refused the ${methodName} login${error.path ? ` (${error.path})` : ''}: ${said}${fix}`, {
      cause: error,
      path: error.path,
      status: error.status,
    });
  }
  return asSecretsError(error, `Vault login with the ${methodName} auth method failed`);
}

/** What a failed login means for the next one: `refused` and `locked` count against the credential; the rest does not. */
export type LoginFailureKind = 'refused' | 'locked' | 'other';

/** Methods whose logins Vault's user lockout counts (https://developer.hashicorp.com/vault/docs/concepts/user-lockout). */
const LOCKOUT_METHODS: ReadonlySet<string> = new Set(['approle', 'userpass', 'ldap']);

/**
 * Classifies a failed login (as returned by {@link loginError}): `locked` is Vault's answer to a
 * locked role_id or user (a plain 403 `permission denied` on an approle/userpass/ldap login, or a
 * reason that says locked); `refused` is any other 4xx answer to the credential; `other` is an
 * outage, a missing credential file or a malformed answer (nothing to hold back for).
 */
export function classifyLoginFailure(failure: SecretsError, methodName: string): LoginFailureKind {
  if (!(failure instanceof AuthFailedError)) return 'other';
  const cause = failure.cause;
  if (!(cause instanceof VaultRequestError || cause instanceof PermissionDeniedError || cause instanceof InvalidTokenError)) return 'other';
  const reasons = cause instanceof InvalidTokenError ? [] : cause.vaultErrors;
  if (reasons.some((r) => /\blocked\b/i.test(r))) return 'locked';
  if (cause.status === 403 && LOCKOUT_METHODS.has(methodName) && reasons.length > 0 && reasons.every((r) => r === 'permission denied'))
    return 'locked';
  return 'refused';
}

/** What is wrong with a login result, or undefined when it is usable. */
export function authResultProblem(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null) return 'no result object';
  const r = result as Partial<AuthResult>;
  if (typeof r.token !== 'string' || r.token.trim() === '') return 'the token is missing or empty';
  // A token is sent as the X-Vault-Token header: one no header can carry could never be used.
  if (!isHeaderValue(r.token)) return 'the token holds a character an HTTP header cannot carry';
  if (typeof r.leaseDuration !== 'number' || !Number.isFinite(r.leaseDuration) || r.leaseDuration < 0)
    return 'leaseDuration must be a number of seconds ≥ 0';
  if (r.policies !== undefined && !Array.isArray(r.policies)) return 'policies must be an array';
  return undefined;
}

/**
 * A login result with its token's surrounding whitespace removed (a custom method that read a
 * token file without trimming it: the trailing newline is no part of the token). Anything else is
 * returned as it is, for {@link authResultProblem} to judge.
 */
export function withTrimmedToken<T>(result: T): T {
  const token = (result as { token?: unknown } | null | undefined)?.token;
  if (typeof token !== 'string' || token.trim() === token) return result;
  return { ...result, token: token.trim() };
}

/** `error` as a SecretsError: itself, or an AuthFailedError with `context` and its message. */
export function asSecretsError(error: unknown, context: string): SecretsError {
  if (error instanceof SecretsError) return error;
  return new AuthFailedError(`${context}: ${describe(error)}`, { cause: error });
}

/** An error's message, or the value as text. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
