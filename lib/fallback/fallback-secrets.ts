import { FallbackFileError } from '../errors/fallback-file.error.js';

/**
 * The content of a fallback file once decoded: secret key (relative to `secretsPath`, e.g.
 * `database` or `kafka/producer`) → that secret's fields, exactly as `getAllSecrets()` returns them.
 */
export type FallbackSecrets = Record<string, Record<string, unknown>>;

/** Result of {@link parseJsonSafely}. */
export type SafeJsonResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly where: string };

/**
 * `JSON.parse` whose failure never carries the input: V8's `SyntaxError` messages quote the text
 * around the error (which may be a password), so only the position is kept.
 *
 * @param text - JSON text.
 * @returns the parsed value, or `where`: ` at position N (line L column C)` when V8 reported it, else `''`.
 */
export function parseJsonSafely(text: string): SafeJsonResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : '';
    const match = /at position (\d+)(?: \(line (\d+) column (\d+)\))?/.exec(message);
    if (match === null) return { ok: false, where: /end of JSON input/.test(message) ? ' (it ends too early)' : '' };
    return { ok: false, where: ` at position ${match[1]}${match[2] === undefined ? '' : ` (line ${match[2]} column ${match[3]})`}` };
  }
}

/** True for a plain JSON object (not `null`, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks that a value has the fallback file shape `{ "<key>": { ...fields } }`.
 *
 * @param value - the parsed JSON.
 * @param file - the file name for error messages, when there is one.
 * @returns the same value, typed.
 * @throws FallbackFileError (reason `bad-json`) naming the first key whose value is not an object (never a value).
 */
export function assertFallbackSecrets(value: unknown, file?: string): FallbackSecrets {
  if (!isJsonObject(value)) {
    throw new FallbackFileError(
      'bad-json',
      'must hold a JSON object mapping secret keys to objects of fields, e.g. {"database": {"password": "..."}}',
      {
        file,
      },
    );
  }
  for (const [key, fields] of Object.entries(value)) {
    if (!isJsonObject(fields)) {
      throw new FallbackFileError(
        'bad-json',
        `the value of secret key ${JSON.stringify(key)} must be an object of fields, e.g. {"password": "..."}`,
        {
          file,
        },
      );
    }
  }
  return value as FallbackSecrets;
}

/**
 * Parses the text of a plain fallback file (or a decrypted envelope) and checks its shape.
 *
 * @param text - JSON text `{ "<key>": { ...fields } }`.
 * @param file - the file name for error messages.
 * @throws FallbackFileError (reason `bad-json`) when the text is not JSON or not that shape; the message gives the position, never the text.
 */
export function parseFallbackSecrets(text: string, file?: string): FallbackSecrets {
  const parsed = parseJsonSafely(text);
  if (!parsed.ok) throw new FallbackFileError('bad-json', `is not valid JSON${parsed.where}`, { file });
  return assertFallbackSecrets(parsed.value, file);
}
