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
