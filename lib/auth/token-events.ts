import type { SecretsError } from '../errors/secrets.error.js';

/** Payload of `secrets.token.renewed`: the token's accessor (safe to log) and its new expiry. */
export class TokenRenewedEvent {
  constructor(
    /** Accessor of the token (not the token). */
    readonly accessor: string | undefined,
    /** New expiry, milliseconds since the epoch. */
    readonly expiresAt: number,
    /** How the token was refreshed: renewed in place, or replaced by a new login. */
    readonly how: 'renewed' | 'logged-in',
  ) {}
}

/** Payload of `secrets.token.expiring`: the token cannot be renewed or replaced and will expire. */
export class TokenExpiringEvent {
  constructor(
    readonly accessor: string | undefined,
    /** Expiry, milliseconds since the epoch. */
    readonly expiresAt: number,
    /** Why it cannot be kept alive (e.g. `max TTL reached and the token was given, not obtained by login`). */
    readonly reason: string,
  ) {}
}

/** Payload of `secrets.token.renewal-failed`: renewal and re-login failed for good. */
export class TokenRenewalFailedEvent {
  constructor(
    readonly accessor: string | undefined,
    /** The last error (redacted; never contains the token). */
    readonly error: SecretsError,
    /** When the token expires or expired, milliseconds since the epoch; undefined if unknown. */
    readonly expiresAt: number | undefined,
  ) {}
}
