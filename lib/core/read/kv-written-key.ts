import type { KvBase } from '../../engines/kv-locator.js';

/** KV v2 endpoints that change a key: `<mount>/<operation>/<path>`. */
const KV2_WRITE_OPERATIONS = ['data', 'metadata', 'delete', 'undelete', 'destroy'] as const;

/**
 * The key, relative to `base`, that a write to `apiPath` (relative to `/v1/`, e.g.
 * `secret/data/app/db`, `secret/metadata/app/db` or KV v1 `kv/app/db`) may have changed;
 * `undefined` when the path lies outside `base`.
 */
export function kvWrittenKey(base: KvBase, apiPath: string): string | undefined {
  const segments = apiPath.split('/').filter((s) => s !== '');
  const heads =
    base.engine.version === 2
      ? KV2_WRITE_OPERATIONS.map((operation) => [...base.mount, operation, ...base.base])
      : [[...base.mount, ...base.base]];
  for (const head of heads) {
    if (segments.length > head.length && head.every((s, i) => segments[i] === s)) return segments.slice(head.length).join('/');
  }
  return undefined;
}
