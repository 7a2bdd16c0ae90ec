import { FallbackFileError } from '../errors/fallback-file.error.js';
import { decryptFallback } from './encrypted-file.js';
import type { FallbackFileOptions } from './fallback-file-options.js';
import { readFallbackFile } from './fallback-file-read.js';
import { FallbackKey } from './fallback-key.js';
import type { FallbackSource } from './fallback-source.js';
import { parseJsonSafely } from './fallback-secrets.js';

/**
 * Serves secrets from an encrypted envelope file (format in `encrypted-file.ts`), such as a
 * last-known-good snapshot written by `secrets-fallback snapshot`. The file is read and decrypted
 * once, by {@link open} (at boot); the values then live only in memory, in a private field.
 */
export class EncryptedFileFallbackSource implements FallbackSource {
  /** `encrypted-file`. */
  readonly name = 'encrypted-file';
  /** The file, as given. */
  readonly path: string;
  /**
   * Problems to log at boot, never a value: the file (or the key file) is accessible by group or
   * others, with the fix (`chmod 600 <file>`).
   */
  readonly warnings: readonly string[];
  readonly #secrets: ReadonlyMap<string, Readonly<Record<string, unknown>>>;

  private constructor(path: string, secrets: ReadonlyMap<string, Readonly<Record<string, unknown>>>, warnings: readonly string[]) {
    this.path = path;
    this.#secrets = secrets;
    this.warnings = Object.freeze([...warnings]);
  }

  /**
   * Reads and decrypts the file once.
   *
   * @param path - the envelope file.
   * @param key - a {@link FallbackKey}, or key text read by the passphrase rule ({@link FallbackKey.fromText}:
   *   44 characters of base64 = a raw 32-byte key, anything else = a passphrase of at least 12 characters).
   * @returns the source, holding the decrypted secrets.
   * @throws FallbackFileError with reason `unreadable`, `bad-json` (the file is not JSON), `not-an-envelope`,
   *   `unsupported-version` or `wrong-key-or-tampered` (see `decryptFallback`). FallbackKeyError for unusable key text.
   */
  static async open(path: string, key: FallbackKey | string): Promise<EncryptedFileFallbackSource> {
    const material = typeof key === 'string' ? FallbackKey.fromText(key) : key;
    const { text, warnings } = await readFallbackFile(path, 'encrypted fallback file');
    const parsed = parseJsonSafely(text);
    if (!parsed.ok) throw new FallbackFileError('bad-json', `is not valid JSON${parsed.where}`, { file: path });
    const secrets = await decryptFallback(parsed.value, material, path);
    return new EncryptedFileFallbackSource(path, new Map(Object.entries(secrets)), [...warnings, ...material.warnings]);
  }

  /**
   * Opens the file named by fallback options, with the key from `keyEnv` or `keyFile` (exactly one).
   *
   * @param options - `{ path, keyEnv?, keyFile? }`, e.g. the module's `fallbackJson`.
   * @param env - where `keyEnv` is looked up; default `process.env`.
   * @throws FallbackKeyError when the key is missing or unreadable; FallbackFileError as {@link open}.
   */
  static async fromOptions(options: FallbackFileOptions, env: NodeJS.ProcessEnv = process.env): Promise<EncryptedFileFallbackSource> {
    return EncryptedFileFallbackSource.open(options.path, await FallbackKey.fromOptions(options, env));
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
