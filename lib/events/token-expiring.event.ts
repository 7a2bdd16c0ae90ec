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
