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
