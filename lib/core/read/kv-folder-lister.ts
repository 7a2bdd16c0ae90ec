import type { KvBase } from '../../engines/kv-locator.js';
import { MalformedResponseError } from '../../errors/malformed-response.error.js';
import { UnsupportedOperationError } from '../../errors/unsupported-operation.error.js';
import { pathProblem } from '../../util/path-problem.js';
import type { BulkWork } from './bulk-work.js';
import type { SecretKeyParser } from './secret-key.parser.js';

/** Deepest folder nesting a `getAllSecrets()` walk lists. */
export const MAX_LIST_DEPTH = 32;

/** Most keys and folders one `getAllSecrets()` walk lists. */
export const MAX_LIST_KEYS = 100_000;

/**
 * The LIST step of one `getAllSecrets()` walk under `base` (KV v2 `LIST <mount>/metadata/<folder>/`,
 * KV v1 `LIST <mount>/<folder>/`): each call lists one folder (segments below `base`) and puts its
 * sub-folders and keys on the walk's work. Entries are checked as Vault gave them (a key read before
 * was checked then); keys are parsed once through `keys`. Counts every entry of the walk.
 *
 * @throws MalformedResponseError naming the folder when folders nest more than {@link MAX_LIST_DEPTH}
 *   levels (a LIST cycle) or an entry is no clean segment (`/`, `.`, `..`, empty, control characters);
 *   UnsupportedOperationError when the walk passes {@link MAX_LIST_KEYS} entries; the LIST's own errors.
 */
export function kvFolderLister(base: KvBase, keys: SecretKeyParser): (folder: string[], work: BulkWork) => Promise<void> {
  let seen = 0;
  return async (folder, work) => {
    const path = [...base.base, ...folder];
    const named = `"${path.join('/')}"`;
    // A folder that lists itself (a proxy, a broken plugin) would be walked for ever.
    if (folder.length > MAX_LIST_DEPTH) {
      throw new MalformedResponseError(`folders nest more than ${MAX_LIST_DEPTH} levels deep at ${named} (a LIST cycle?)`, {});
    }
    const entries = await base.engine.list({ mount: base.mount, path });
    seen += entries.length;
    if (seen > MAX_LIST_KEYS) {
      throw new UnsupportedOperationError(
        `getAllSecrets() stops after ${MAX_LIST_KEYS} keys (reached in ${named}); read such a tree folder by folder with list() and fetchSecret()`,
      );
    }
    const prefix = folder.length === 0 ? '' : `${folder.join('/')}/`;
    for (const entry of entries) {
      const isFolder = entry.endsWith('/');
      const name = isFolder ? entry.slice(0, -1) : entry;
      const key = isFolder ? '' : prefix + entry;
      // A key read before (memoised) had its segments checked then; a new entry is checked here.
      const known = isFolder ? undefined : keys.known(key);
      const problem = name.includes('/') ? 'contains "/"' : known === undefined ? pathProblem(name) : undefined;
      if (problem) throw new MalformedResponseError(`LIST of ${named} returned an entry that ${problem}`, {});
      if (isFolder) work.folders.push([...folder, name]);
      else work.reads.push(known ?? keys.parse(key));
    }
  };
}
