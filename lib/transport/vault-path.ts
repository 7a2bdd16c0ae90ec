import { InvalidSecretKeyError } from '../errors/invalid-secret-key.error.js';
import { pathProblem } from '../util/path-problem.js';

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
  let joined = '';
  for (let i = 0; i < segments.length; i += 1) joined += (i === 0 ? '' : '/') + encodeURIComponent(segments[i] as string);
  return joined;
}
