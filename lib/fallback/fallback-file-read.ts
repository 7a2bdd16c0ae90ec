import { open } from 'node:fs/promises';
import { FallbackFileError } from '../errors/fallback-file.error.js';

/** A file read by {@link readFallbackFile}: its text and the warnings about it. */
export interface FallbackFileContent {
  /** The file's content, UTF-8. */
  readonly text: string;
  /** The file's permission bits (`stat.mode & 0o777`). */
  readonly mode: number;
  /** E.g. the file is readable by group or others. Never contains content. */
  readonly warnings: readonly string[];
}

/**
 * The warning for a file that holds secrets or a key but is accessible by group or others
 * (`mode & 0o077`), with the fix. `undefined` when the mode is private, and always on Windows
 * (where POSIX modes mean nothing).
 *
 * @param file - the path, as given.
 * @param mode - `stat.mode`.
 * @param what - what the file is, e.g. `fallback file` or `fallback key file`.
 */
export function permissionWarning(file: string, mode: number, what: string): string | undefined {
  if (process.platform === 'win32' || (mode & 0o077) === 0) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  return `${what} "${file}" is accessible by group or others (mode ${octal}); restrict it to its owner: chmod 600 ${file}`;
}

/**
 * Reads a fallback file (or key file) once, from a single open handle (the mode checked is the
 * mode of the file read).
 *
 * @param file - the path.
 * @param what - what the file is, used in warnings, e.g. `fallback file`.
 * @param unreadable - builds the error thrown when the file cannot be read, from a problem such as
 *   `does not exist; check ...`; default a {@link FallbackFileError} with reason `unreadable`.
 * @returns the UTF-8 text, the mode and a permission warning when group or others can access it.
 * @throws FallbackFileError (reason `unreadable`), or what `unreadable` builds, when the file cannot be opened or read, or is not a regular file.
 */
export async function readFallbackFile(
  file: string,
  what = 'fallback file',
  unreadable: (problem: string, cause?: unknown) => Error = (problem, cause) =>
    new FallbackFileError('unreadable', problem, { file, cause }),
): Promise<FallbackFileContent> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error: unknown) {
    const code = (error as { code?: string }).code ?? 'error';
    const hint =
      code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be opened (permission denied)' : `cannot be opened (${code})`;
    throw unreadable(`${hint}; check the path and the process's permissions`, error);
  }
  try {
    let stat;
    let text: string;
    try {
      stat = await handle.stat();
      text = stat.isFile() ? await handle.readFile({ encoding: 'utf8' }) : '';
    } catch (error: unknown) {
      const code = (error as { code?: string }).code ?? 'error';
      throw unreadable(`cannot be read (${code})`, error);
    }
    if (!stat.isFile()) throw unreadable('is not a regular file');
    const warning = permissionWarning(file, stat.mode, what);
    return { text, mode: stat.mode & 0o777, warnings: warning === undefined ? [] : [warning] };
  } finally {
    await handle.close();
  }
}
