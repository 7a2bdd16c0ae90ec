/** Payload of `secrets.fallback.used`: a read was served from a fallback because Vault was unavailable. */
export class FallbackUsedEvent {
  constructor(
    /** The secret key. */
    readonly key: string,
    /** Where the value came from: `stale-cache`, `env`, `json-file` or `encrypted-file`. */
    readonly source: string,
    /** The error code of the Vault failure (e.g. `SECRETS_VAULT_UNAVAILABLE`, `SECRETS_VAULT_SEALED`). */
    readonly cause: string,
    /** Milliseconds since the epoch. */
    readonly at: number,
  ) {}
}

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
