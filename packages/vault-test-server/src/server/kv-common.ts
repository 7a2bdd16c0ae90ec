/** Helpers shared by the KV-style backends (KV v1, KV v2, cubbyhole). */
import { isPlainObject } from './fields.js';

/**
 * Keys directly under `prefix` (which is `''` or ends with `/`), like Vault's storage `List`:
 * sorted, de-duplicated, relative to the prefix, sub-folders with a trailing `/`.
 */
export function listUnder(keys: Iterable<string>, prefix: string): string[] {
  const found = new Set<string>();
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    if (rest === '') continue;
    const slash = rest.indexOf('/');
    found.add(slash < 0 ? rest : rest.slice(0, slash + 1));
  }
  return [...found].sort();
}

/** The LIST prefix of a sub-path: `''` for the root, otherwise ending with `/`. */
export function listPrefix(path: string): string {
  return path === '' || path.endsWith('/') ? path : `${path}/`;
}

/** Deep copy of JSON data (stored values are never shared with callers). */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

/** RFC 7386 JSON merge patch: `null` removes a key, objects merge recursively, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return cloneJson(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}
