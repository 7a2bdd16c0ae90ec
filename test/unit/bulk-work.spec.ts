import { describe, expect, it } from 'vitest';
import { runBulkWork, type BulkWork } from '../../lib/core/read/bulk-work.js';
import { SecretKeyParser, type ParsedSecretKey } from '../../lib/core/read/secret-key.parser.js';

/**
 * Issue 21: getAllSecrets() walks a tree through a pool of `bulkConcurrency` workers instead of
 * one pending promise per key: the bound holds, a folder's LIST goes ahead of queued reads, and
 * the first failure stops the walk from taking new work.
 */

const parser = new SecretKeyParser();

/** A tree: folder path ('' = root) → its LIST entries. */
type Tree = Record<string, string[]>;

function walker(tree: Tree, options: { failOn?: string } = {}) {
  const calls: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const pending: Array<() => void> = [];
  const call = async (name: string): Promise<void> => {
    calls.push(name);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise<void>((resolve) => pending.push(resolve));
    inFlight -= 1;
    if (name === options.failOn) throw new Error(`failed: ${name}`);
  };
  const list = async (folder: string[], work: BulkWork): Promise<void> => {
    const path = folder.join('/');
    await call(`LIST ${path}`);
    for (const entry of tree[path] ?? []) {
      if (entry.endsWith('/')) work.folders.push([...folder, entry.slice(0, -1)]);
      else work.reads.push(parser.parse(path === '' ? entry : `${path}/${entry}`));
    }
  };
  const read = (key: ParsedSecretKey): Promise<void> => call(`GET ${key.path}`);
  /** Answers every call in flight, in order, until the walk ends. */
  const drive = async (walk: Promise<void>): Promise<{ ok: boolean; error?: unknown }> => {
    let done: { ok: boolean; error?: unknown } | undefined;
    walk.then(
      () => (done = { ok: true }),
      (error: unknown) => (done = { ok: false, error }),
    );
    for (let i = 0; i < 10_000 && done === undefined; i += 1) {
      pending.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return done ?? { ok: false, error: new Error('walk never ended') };
  };
  return { calls, list, read, drive, maxInFlight: () => maxInFlight, pendingCount: () => pending.length };
}

describe('runBulkWork (getAllSecrets walk)', () => {
  it('reads every key of every folder with at most `concurrency` calls at once', async () => {
    const tree: Tree = { '': [...Array.from({ length: 200 }, (_, i) => `k${i}`), 'sub/'], sub: ['a', 'b', 'deeper/'], 'sub/deeper': ['c'] };
    const w = walker(tree);
    const result = await w.drive(runBulkWork(8, w.list, w.read));
    expect(result.ok).toBe(true);
    expect(w.maxInFlight()).toBeLessThanOrEqual(8);
    expect(w.calls.filter((c) => c.startsWith('GET')).sort()).toEqual(
      [...Array.from({ length: 200 }, (_, i) => `GET k${i}`), 'GET sub/a', 'GET sub/b', 'GET sub/deeper/c'].sort(),
    );
    expect(w.calls.filter((c) => c.startsWith('LIST'))).toEqual(['LIST ', 'LIST sub', 'LIST sub/deeper']);
  });

  it("sends a sub-folder's LIST before the reads still queued", async () => {
    const tree: Tree = { '': [...Array.from({ length: 50 }, (_, i) => `k${i}`), 'sub/'], sub: ['a'] };
    const w = walker(tree);
    await w.drive(runBulkWork(2, w.list, w.read));
    // Two workers: after the root LIST, the sub-folder's LIST is taken before most of the 50 reads.
    expect(w.calls.indexOf('LIST sub')).toBeLessThan(4);
  });

  it('ends at once on an empty tree', async () => {
    const w = walker({ '': [] });
    expect((await w.drive(runBulkWork(4, w.list, w.read))).ok).toBe(true);
    expect(w.calls).toEqual(['LIST ']);
  });

  it('rejects with the first failure and takes no new work after it', async () => {
    const tree: Tree = { '': Array.from({ length: 100 }, (_, i) => `k${i}`) };
    const w = walker(tree, { failOn: 'GET k3' });
    const result = await w.drive(runBulkWork(4, w.list, w.read));
    expect(result.ok).toBe(false);
    expect((result.error as Error).message).toBe('failed: GET k3');
    // The failing read was among the first; at most the 3 other calls in flight then were started after.
    expect(w.calls.length).toBeLessThan(12);
  });
});
