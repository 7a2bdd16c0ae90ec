import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file readable only by its owner (mode 0600), atomically: the content goes to a new
 * temporary file in the same directory (created with mode 0600, so it is never readable by others,
 * even for an instant), is flushed to disk, then renamed over `path`. A reader (e.g. an app
 * booting from a last-known-good file) sees the old file or the new one, never half of one.
 * An existing file is replaced, and its old mode does not survive.
 *
 * @param path - the destination.
 * @param content - UTF-8 text.
 * @throws the file system error (e.g. `ENOENT` for a missing directory); the temporary file is removed.
 */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    try {
      await handle.chmod(0o600);
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error: unknown) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
