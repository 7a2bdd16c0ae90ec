import { InvalidSecretKeyError } from '../errors/invalid-secret-key.error.js';
import { PermissionDeniedError } from '../errors/permission-denied.error.js';
import { SecretNotFoundError } from '../errors/secret-not-found.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import { AuthFailedError } from '../errors/auth-failed.error.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';

/**
 * Where a read's value came from: Vault, the cache (a fresh entry, or a load another caller had
 * in flight), the last good value kept past the cache TTL (`stale`), or a fallback.
 */
export type ReadSource = 'vault' | 'cache' | 'stale' | 'fallback-env' | 'fallback-file' | 'fallback-json';

/** How a read ended: a value, or the kind of error thrown. */
export type ReadOutcome = 'ok' | 'not-found' | 'denied' | 'unavailable' | 'invalid' | 'error';

/** The read source of an `Availability` source name (`stale-cache`, `env`, `json-file`, `encrypted-file`). */
export function readSourceOf(fallbackSource: string | undefined): ReadSource {
  switch (fallbackSource) {
    case 'stale-cache':
      return 'stale';
    case 'env':
      return 'fallback-env';
    case 'json-file':
      return 'fallback-json';
    default:
      return 'fallback-file';
  }
}

/** The outcome of a read that threw `error`. */
export function readOutcomeOf(error: unknown): ReadOutcome {
  if (error instanceof SecretNotFoundError) return 'not-found';
  if (error instanceof PermissionDeniedError) return 'denied';
  if (error instanceof VaultUnavailableError || error instanceof AuthFailedError || error instanceof InvalidTokenError)
    return 'unavailable';
  if (error instanceof InvalidSecretKeyError) return 'invalid';
  return 'error';
}
