import { EncryptedFileFallbackSource } from './encrypted-file.fallback.js';
import type { FallbackFileOptions } from './fallback-file-options.js';
import { JsonFileFallbackSource } from './json-file.fallback.js';

/**
 * Opens the module's `fallbackJson` file (at boot): encrypted when `keyEnv` or `keyFile` is given,
 * plain JSON (development only, `plain: true`) otherwise.
 *
 * @param options - a path (plain file) or `{ path, keyEnv?, keyFile? }`.
 * @param env - where `keyEnv` is looked up; default `process.env`.
 * @returns the opened source; log its `warnings`, and a warning when `plain` is true.
 * @throws FallbackKeyError when the key is missing, unreadable or unusable, or a plain file turns out
 *   to be encrypted; FallbackFileError (`unreadable`, `bad-json`, `not-an-envelope`, `unsupported-version`,
 *   `wrong-key-or-tampered`) when the file cannot be used.
 */
export async function openFallbackFile(
  options: FallbackFileOptions | string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<JsonFileFallbackSource | EncryptedFileFallbackSource> {
  const resolved = typeof options === 'string' ? { path: options } : options;
  if (resolved.keyEnv === undefined && resolved.keyFile === undefined) return JsonFileFallbackSource.open(resolved.path);
  return EncryptedFileFallbackSource.fromOptions(resolved, env);
}
