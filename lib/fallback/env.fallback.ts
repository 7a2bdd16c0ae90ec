import { FallbackEnvError } from '../errors/fallback-env.error.js';
import { isJsonObject, parseJsonSafely } from './fallback-secrets.js';
import type { FallbackSource } from './fallback-source.js';

/** Default prefix of the variables {@link EnvFallbackSource} reads. */
export const DEFAULT_ENV_FALLBACK_PREFIX = 'SECRETS_';

/** Separator between a secret's variable name and a field name: `SECRETS_DATABASE__password`. */
export const ENV_FALLBACK_FIELD_SEPARATOR = '__';

/**
 * The environment variable that holds secret `key` as a whole JSON object: `prefix` + the key
 * upper-cased, with every character that is not an ASCII letter or digit replaced by `_`.
 *
 * `database` → `SECRETS_DATABASE`, `kafka/producer` → `SECRETS_KAFKA_PRODUCER`,
 * `team a/api-key` → `SECRETS_TEAM_A_API_KEY`.
 *
 * The mapping is not one-to-one: `kafka/producer` and `kafka-producer` share a variable.
 *
 * @param key - a secret key relative to `secretsPath`.
 * @param prefix - default `SECRETS_`.
 */
export function envFallbackVariable(key: string, prefix: string = DEFAULT_ENV_FALLBACK_PREFIX): string {
  return `${prefix}${key.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * Serves secrets from environment variables, for when Vault is unavailable (or for tests and
 * local runs without Vault). For a key, e.g. `database` (see {@link envFallbackVariable}):
 *
 * - `SECRETS_DATABASE='{"username":"app","password":"..."}'`: a JSON **object**, the whole secret.
 *   Leading/trailing whitespace is ignored; an empty value counts as unset. Anything that is not
 *   a JSON object is an error ({@link FallbackEnvError}, naming the variable, never its value).
 * - `SECRETS_DATABASE__password=...`: one field. After the double underscore comes the field name
 *   exactly as in Vault, case kept (`SECRETS_DATABASE__apiKey` sets `apiKey`). The value is always a
 *   string, taken as is (not trimmed, not parsed; an empty string is an empty field).
 * - Both together: the JSON object first, then the single fields override it.
 *
 * The variables are read at every {@link load}, so changes to the environment are seen.
 * A key with no variable at all is `undefined` (not this source's key).
 */
export class EnvFallbackSource implements FallbackSource {
  /** `env`. */
  readonly name = 'env';
  readonly #env: NodeJS.ProcessEnv;
  readonly #prefix: string;

  /**
   * @param env - the environment to read; default `process.env`.
   * @param prefix - prefix of every variable; default `SECRETS_`.
   */
  constructor(env: NodeJS.ProcessEnv = process.env, prefix: string = DEFAULT_ENV_FALLBACK_PREFIX) {
    this.#env = env;
    this.#prefix = prefix;
  }

  /** The variable holding `key` as a whole JSON object (fields are `<that>__<field>`). */
  variableFor(key: string): string {
    return envFallbackVariable(key, this.#prefix);
  }

  /**
   * @param key - a secret key relative to `secretsPath`, e.g. `kafka/producer`.
   * @returns the secret's fields (a new object), or `undefined` when neither the whole-secret variable nor a field variable is set.
   * @throws FallbackEnvError when the whole-secret variable is set but is not a JSON object.
   */
  async load(key: string): Promise<Record<string, unknown> | undefined> {
    const variable = this.variableFor(key);
    let found = false;
    let data: Record<string, unknown> = {};

    const whole = this.#env[variable];
    if (whole !== undefined && whole.trim() !== '') {
      const parsed = parseJsonSafely(whole);
      if (!parsed.ok) {
        throw new FallbackEnvError(variable, `is not valid JSON${parsed.where}: it must hold a JSON object such as {"password":"..."}`);
      }
      if (!isJsonObject(parsed.value)) {
        const kind = Array.isArray(parsed.value) ? 'an array' : parsed.value === null ? 'null' : `a ${typeof parsed.value}`;
        throw new FallbackEnvError(
          variable,
          `holds ${kind}, not a JSON object: it must hold the whole secret such as {"password":"..."} (use ${variable}${ENV_FALLBACK_FIELD_SEPARATOR}<field> for one field)`,
        );
      }
      data = { ...parsed.value };
      found = true;
    }

    const fieldPrefix = `${variable}${ENV_FALLBACK_FIELD_SEPARATOR}`;
    for (const [name, value] of Object.entries(this.#env)) {
      if (value === undefined || !name.startsWith(fieldPrefix) || name.length === fieldPrefix.length) continue;
      // defineProperty, not assignment: a field named `__proto__` must stay a plain field.
      Object.defineProperty(data, name.slice(fieldPrefix.length), { value, enumerable: true, writable: true, configurable: true });
      found = true;
    }
    return found ? data : undefined;
  }

  /** Never shows the environment. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, prefix: this.#prefix };
  }
}
