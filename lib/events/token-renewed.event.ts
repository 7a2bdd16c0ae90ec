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
