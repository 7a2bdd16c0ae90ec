import { readFile } from 'node:fs/promises';

/** Where a credential comes from: a literal value, a file (re-read each time), an environment variable, or a callback. */
export interface CredentialSource {
  value?: string;
  file?: string;
  env?: string;
  callback?: () => string | Promise<string>;
}

/**
 * Reads a credential now. Files and environment variables are read at every call, so a rotated
 * file (a Kubernetes projected token, a Vault Agent sink) is picked up. Surrounding whitespace is trimmed.
 * @throws Error naming the file or variable (never its content) when it cannot be read or is empty.
 */
export async function readCredential(source: CredentialSource, what: string): Promise<string> {
  let raw: string | undefined;
  if (source.callback) raw = await source.callback();
  else if (source.value !== undefined) raw = source.value;
  else if (source.file !== undefined) {
    try {
      raw = await readFile(source.file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${what} from file "${source.file}" (${(error as { code?: string }).code ?? 'error'})`, { cause: error });
    }
  } else if (source.env !== undefined) {
    raw = process.env[source.env];
    if (raw === undefined) throw new Error(`environment variable ${source.env} holding ${what} is not set`);
  }
  const value = raw?.trim();
  if (!value) throw new Error(`${what} is empty`);
  return value;
}
