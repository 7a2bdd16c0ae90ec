import type { ParsedSecretKey } from './secret-key.parser.js';

/** The work of one `getAllSecrets()` walk: folders still to list (last in, first out), then keys to read (first in, first out). */
export interface BulkWork {
  /**
   * Folders (segments below `secretsPath`) to LIST; they go ahead of every queued read, the last
   * one found first (depth first), so a LIST cycle meets the depth bound within a few LISTs per
   * worker however much it branches.
   */
  readonly folders: string[][];
  /** Keys to read, in the order the LISTs gave them. */
  readonly reads: ParsedSecretKey[];
}

/**
 * Runs a folder walk with at most `concurrency` calls at once: `list` for each folder (it pushes
 * sub-folders and keys onto the work), `read` for each key, a folder's LIST ahead of any queued
 * read so its keys join the queue as soon as it answers; folders are taken depth first (a cycle
 * that branches reaches the depth bound after about 33 LISTs per worker, not after every folder
 * above that depth). Workers are started only while there is work: a walk of 1,000 keys holds
 * `concurrency` pending calls, not one promise per key.
 * The first failure rejects the walk and stops the workers from taking new work (calls already
 * under way finish on their own).
 *
 * @param concurrency - most calls at once (≥ 1; `bulkConcurrency`).
 * @returns once every folder is listed and every key read.
 * @throws the first error `list` or `read` threw.
 */
export function runBulkWork(
  concurrency: number,
  list: (folder: string[], work: BulkWork) => Promise<void>,
  read: (key: ParsedSecretKey) => Promise<void>,
): Promise<void> {
  const work: BulkWork = { folders: [[]], reads: [] };
  let nextRead = 0;
  let running = 0;
  let failed = false;
  return new Promise<void>((resolve, reject) => {
    const hasWork = (): boolean => work.folders.length > 0 || nextRead < work.reads.length;
    const worker = async (): Promise<void> => {
      while (!failed) {
        const folder = work.folders.pop();
        if (folder !== undefined) {
          await list(folder, work);
          fill();
          continue;
        }
        if (nextRead >= work.reads.length) return;
        const key = work.reads[nextRead] as ParsedSecretKey;
        nextRead += 1;
        await read(key);
      }
    };
    const fill = (): void => {
      while (!failed && running < concurrency && hasWork()) {
        running += 1;
        worker().then(
          () => {
            running -= 1;
            if (running === 0 && !failed && !hasWork()) resolve();
          },
          (error: unknown) => {
            running -= 1;
            if (failed) return;
            failed = true;
            reject(error as Error);
          },
        );
      }
    };
    fill();
  });
}
