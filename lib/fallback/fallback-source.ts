/**
 * A place secrets can be served from when Vault is *unavailable* (network error, timeout, 5xx,
 * sealed). Never consulted for answers such as "permission denied" or "not found".
 *
 * Implementations: {@link EnvFallbackSource} (environment variables), {@link JsonFileFallbackSource}
 * (plain JSON, development only) and {@link EncryptedFileFallbackSource} (an encrypted envelope,
 * e.g. a last-known-good snapshot). {@link FallbackChain} asks them in order.
 */
export interface FallbackSource {
  /** Short name reported with every value served, e.g. `env`, `json-file`, `encrypted-file`. */
  readonly name: string;
  /**
   * `true` when the source keeps secrets in clear on disk (the plain JSON file): the caller
   * should log a warning at boot. Absent or `false` otherwise.
   */
  readonly plain?: boolean;
  /** Problems found while opening the source (e.g. a file readable by others), to log at boot. Never contains a value. */
  readonly warnings?: readonly string[];
  /**
   * The secret stored under `key`.
   *
   * @param key - a secret key relative to `secretsPath`, as given to `fetchSecret`, e.g. `database` or `kafka/producer`.
   * @returns a fresh copy of the secret's fields (the caller may freeze it), or `undefined` when this source does not have the key.
   * @throws a `SecretsError` subclass when the source holds the key but cannot produce it (e.g. `FallbackEnvError` for invalid JSON).
   */
  load(key: string): Promise<Record<string, unknown> | undefined>;
}
