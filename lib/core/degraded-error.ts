import { VaultSealedError } from '../errors/vault-sealed.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import type { DegradedReason } from './fault-classifier.js';

/**
 * The error a call gets, with nothing sent, while the module is degraded: a `VaultSealedError`
 * when sealed, else a `VaultUnavailableError` of kind `degraded`; both carry `reason` and
 * `nextAttemptAt` (ms since the epoch) in their fields and message.
 * @param path - the Vault path that was not called, for the message.
 */
export function degradedError(reason: DegradedReason, nextAttemptAt: number | undefined, path?: string): VaultUnavailableError {
  const when = nextAttemptAt === undefined ? 'soon' : `at ${new Date(nextAttemptAt).toISOString()}`;
  const details = { path, reason, kind: 'degraded' as const, ...(nextAttemptAt !== undefined ? { nextAttemptAt } : {}) };
  if (reason === 'sealed') return new VaultSealedError(details);
  return new VaultUnavailableError(
    `the module is degraded (${reason}); no request sent, the next attempt to reach Vault is ${when}`,
    details,
  );
}
