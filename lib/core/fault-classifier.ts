import { AuthFailedError } from '../errors/auth-failed.error.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { SecretsError } from '../errors/secrets.error.js';
import { SecretsErrorCode } from '../errors/secrets-error-code.js';
import { VaultNotServingError } from '../errors/vault-not-serving.error.js';
import { VaultSealedError } from '../errors/vault-sealed.error.js';
import { VaultTlsError } from '../errors/vault-tls.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';

/**
 * Why the module is degraded:
 * - `unreachable`: no answer (network error, timeout), or a probe of Vault itself failing;
 * - `sealed`: Vault is sealed (`sys/health` or an answer 503);
 * - `not-initialized`: Vault is not initialized (`sys/health` 501): an operator must run `vault operator init`;
 * - `standby-no-active`: a standby node with no active node to forward to;
 * - `dr-secondary`: a disaster-recovery secondary (`sys/health` 472), which serves no reads;
 * - `auth-failed`: the token is dead and cannot be replaced (login refused or held, credentials missing);
 * - `rate-limited`: the login answered 429 while the token was dead.
 */
export type DegradedReason =
  'unreachable' | 'sealed' | 'not-initialized' | 'standby-no-active' | 'dr-secondary' | 'auth-failed' | 'rate-limited';

/**
 * Whose fault a failure is:
 * - `vault`: Vault itself does not serve (connection error, timeout, sealed, no active node,
 *   472/474/530): the module degrades;
 * - `token`: the token is dead and could not be replaced: the module degrades (`auth-failed`);
 * - `path`: one path answered 5xx, 429 or 412 (or its breaker is open, or the path is
 *   backed off after a 429): that call fails, the module stays ready and the supervisor confirms
 *   with one probe;
 * - `answer`: Vault answered (not found, denied, bad request, TLS misconfiguration): nothing to do.
 */
export type FailureScope = 'vault' | 'token' | 'path' | 'answer';

/** A failure's scope and, for `vault` and `token`, the reason the module degrades with. */
export interface ClassifiedFailure {
  scope: FailureScope;
  reason?: DegradedReason;
}

const REASONS: ReadonlySet<string> = new Set([
  'unreachable',
  'sealed',
  'not-initialized',
  'standby-no-active',
  'dr-secondary',
  'auth-failed',
  'rate-limited',
]);
const NO_ACTIVE_NODE = /active cluster node not found|no active node|local node not active/i;

function isReason(value: string): value is DegradedReason {
  return REASONS.has(value);
}

/**
 * Classifies a failure seen on a data path, a renewal or a lease (see {@link FailureScope}).
 * Statuses after Vault's API docs (https://developer.hashicorp.com/vault/api-docs#http-status-codes).
 */
export function classifyFailure(error: unknown): ClassifiedFailure {
  if (error instanceof VaultNotServingError) return { scope: 'vault', reason: error.reason as DegradedReason };
  if (error instanceof VaultSealedError || (error instanceof SecretsError && error.code === SecretsErrorCode.VaultSealed))
    return { scope: 'vault', reason: 'sealed' };
  if (error instanceof AuthFailedError || error instanceof InvalidTokenError) return { scope: 'token', reason: 'auth-failed' };
  // A TLS failure is a configuration problem (wrong CA, host name), not an outage: it is thrown, not retried.
  if (error instanceof VaultTlsError || !(error instanceof VaultUnavailableError)) return { scope: 'answer' };
  if (error.reason && isReason(error.reason)) return { scope: 'vault', reason: error.reason };
  // This call was not sent: its path's breaker is open, or this path is backed off after a 429.
  if (error.kind === 'circuit-open' || error.kind === 'path-backoff') return { scope: 'path' };
  const status = error.status;
  // No HTTP answer at all: connection refused/reset, DNS, timeout.
  if (status === undefined) return { scope: 'vault', reason: 'unreachable' };
  if (status === 472) return { scope: 'vault', reason: 'dr-secondary' };
  if (status === 474 || NO_ACTIVE_NODE.test(error.message)) return { scope: 'vault', reason: 'standby-no-active' };
  if (status === 530) return { scope: 'vault', reason: 'unreachable' };
  return { scope: 'path' };
}

/**
 * Which fault ended the supervisor's own attempt (probe, then token): every failure of the
 * attempt is Vault's or the token's, so a status answer counts too (a 429 on the login is
 * `rate-limited`). Undefined when it is an answer that says nothing about Vault (TLS, bad request).
 */
export function classifyFault(error: unknown): DegradedReason | undefined {
  const { scope, reason } = classifyFailure(error);
  if (scope === 'vault' || scope === 'token') return reason;
  if (scope === 'answer') return undefined;
  return (error as VaultUnavailableError).status === 429 ? 'rate-limited' : 'unreachable';
}
