import { inspect } from 'node:util';

/** What inspecting or serialising a {@link ConfigSecrets} shows: the keys it holds, never a value. */
function describe(keys: readonly string[]): string {
  return `[Vault secrets: ${keys.join(', ')}]`;
}

/**
 * @internal The object `vaultConfigLoader` puts in `ConfigService` under its prefix. Its own
 * properties are the secrets as plain data, so `config.get('vault.database.password')` and
 * `config.set('vault.database', ...)` work as on any object; but `util.inspect`, `JSON.stringify`
 * and `String()` of it (and so of the `ConfigService` holding it) show only the key names.
 */
export class ConfigSecrets {
  /** The loaded secrets by key segment (`vault.kafka.producer` is `this.kafka.producer`). */
  [segment: string]: unknown;
  readonly #keys: readonly string[];

  constructor(keys: readonly string[]) {
    this.#keys = [...keys];
  }

  toJSON(): string {
    return describe(this.#keys);
  }

  toString(): string {
    return describe(this.#keys);
  }

  [inspect.custom](): string {
    return describe(this.#keys);
  }
}
