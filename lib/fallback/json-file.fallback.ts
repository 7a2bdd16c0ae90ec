import { FallbackKeyError } from '../errors/fallback-key.error.js';
import { FallbackFileError } from '../errors/fallback-file.error.js';
import { readFallbackFile } from './fallback-file-read.js';
import { assertFallbackSecrets, parseJsonSafely, type FallbackSecrets } from './fallback-secrets.js';
import type { FallbackSource } from './fallback-source.js';
import { isFallbackEnvelope } from './encrypted-file.js';

/**
 * Serves secrets from a **plain** JSON file `{ "<key>": { ...fields } }`, e.g.
 * `{ "database": { "password": "..." }, "kafka/producer": { "sasl": "..." } }` (keys are flat,
 * relative to `secretsPath`). For development only: {@link plain} is `true` so the caller warns at
 * boot; use {@link EncryptedFileFallbackSource} anywhere else.
 *
 * The file is read once, by {@link open}; values stay in memory in a private field.
 */
export class JsonFileFallbackSource implements FallbackSource {
  /** `json-file`. */
  readonly name = 'json-file';
  /** Always `true`: the secrets are in clear on disk. */
  readonly plain = true;
  /** The file, as given. */
  readonly path: string;
  /** E.g. the file is accessible by group or others (with the `chmod 600` fix). Never a value. */
  readonly warnings: readonly string[];
  readonly #secrets: ReadonlyMap<string, Readonly<Record<string, unknown>>>;

  private constructor(path: string, secrets: FallbackSecrets, warnings: readonly string[]) {
    this.path = path;
    this.#secrets = new Map(Object.entries(secrets));
    this.warnings = Object.freeze([...warnings]);
  }

  /**
   * Reads and checks the file once.
   *
   * @param path - the plain JSON file.
   * @returns the source, holding the file's secrets.
   * @throws FallbackFileError: `unreadable` (cannot be read), `bad-json` (not JSON, or not `{ "<key>": { ...fields } }`; the message gives a position, never content).
   * @throws FallbackKeyError when the file is an encrypted envelope (a key is needed: use {@link EncryptedFileFallbackSource}).
   */
  static async open(path: string): Promise<JsonFileFallbackSource> {
    const { text, warnings } = await readFallbackFile(path, 'plain fallback file');
    const parsed = parseJsonSafely(text);
    if (!parsed.ok) throw new FallbackFileError('bad-json', `is not valid JSON${parsed.where}`, { file: path });
    if (isFallbackEnvelope(parsed.value)) {
      throw new FallbackKeyError(`"${path}" is an encrypted fallback file: set fallbackJson.keyEnv or fallbackJson.keyFile to its key`);
    }
    return new JsonFileFallbackSource(path, assertFallbackSecrets(parsed.value, path), warnings);
  }

  /** The secret keys the file holds (no values). */
  keys(): string[] {
    return [...this.#secrets.keys()];
  }

  /**
   * @param key - a secret key relative to `secretsPath`, e.g. `database`.
   * @returns a deep copy of the secret's fields, or `undefined` when the file does not have the key.
   */
  async load(key: string): Promise<Record<string, unknown> | undefined> {
    const found = this.#secrets.get(key);
    return found === undefined ? undefined : structuredClone(found);
  }

  /** Name, path and key count; never a value. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, path: this.path, keys: this.#secrets.size };
  }
}
