/**
 * Where a fallback file is and how to get its key: the same shape as the module option
 * `fallbackJson` (`FallbackJsonOptions`), so a validated `fallbackJson` can be passed as is.
 *
 * - Neither `keyEnv` nor `keyFile`: the file is plain JSON `{ "<key>": { ...fields } }` (development only).
 * - Exactly one of them: the file is an encrypted envelope; the key text comes from that variable or file
 *   and is read as described in {@link FallbackKey.fromText} (a 32-byte base64 key, else a passphrase).
 * - Both: rejected (`FallbackKeyError`).
 */
export interface FallbackFileOptions {
  /** Path of the fallback file. */
  readonly path: string;
  /** Name of the environment variable holding the key (base64 of 32 bytes) or a passphrase. */
  readonly keyEnv?: string;
  /** Path of a file holding the key (base64 of 32 bytes) or a passphrase; trailing newline ignored. */
  readonly keyFile?: string;
}
