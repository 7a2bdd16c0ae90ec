import type { SecretsError } from '../errors/secrets.error.js';

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
