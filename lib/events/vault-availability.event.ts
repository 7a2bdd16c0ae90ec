/** Payload of `secrets.vault.unavailable` and `secrets.vault.recovered`. */
export class VaultAvailabilityEvent {
  constructor(
    readonly available: boolean,
    /** Milliseconds since the epoch. */
    readonly at: number,
    /** Error code of the failure, when unavailable. */
    readonly cause?: string,
    /** Why, when unavailable: `unreachable`, `sealed`, `standby-no-active`, `dr-secondary`, `auth-failed`, `rate-limited`. */
    readonly reason?: string,
    /** When the module tries again (ms since the epoch), when unavailable. */
    readonly nextAttemptAt?: number,
  ) {}
}
