import { InvalidSecretKeyError } from '../errors/invalid-secret-key.error.js';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * Says what is wrong with a `/`-separated Vault path, or returns `undefined` when it is fine.
 * Rejected: empty string, empty segments (`a//b`, leading or trailing `/`), `.` and `..`
 * segments, control characters.
 */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0) return 'is empty';
  if (CONTROL_CHARS.test(path)) return 'contains a control character';
  if (!path.isWellFormed()) return 'contains an unpaired UTF-16 surrogate';
  const segments = path.split('/');
  if (segments.some((s) => s.length === 0)) return 'has an empty segment (a leading, trailing or doubled "/")';
  if (segments.some((s) => s === '.' || s === '..')) return 'has a "." or ".." segment';
  return undefined;
}

/**
 * Splits a secret key into its segments, validating it first.
 * @throws InvalidSecretKeyError before any request is sent when the key is not a clean relative path.
 */
export function splitSecretKey(key: unknown): string[] {
  if (typeof key !== 'string')
    throw new InvalidSecretKeyError(String(key), 'a key must be a string such as "database" or "kafka/producer"');
  const problem = pathProblem(key);
  if (problem) throw new InvalidSecretKeyError(key, `the key ${problem}; use a relative path such as "database" or "kafka/producer"`);
  return key.split('/');
}

/** URL-encodes each segment and joins them with `/` (the separators themselves are kept). */
export function encodeSegments(segments: readonly string[]): string {
  return segments.map((s) => encodeURIComponent(s)).join('/');
}
