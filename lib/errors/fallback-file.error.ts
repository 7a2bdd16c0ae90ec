import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError } from './secrets.error.js';

/**
 * Why a fallback file could not be used.
 *
 * - `unreadable`: the file could not be read (missing, permissions, a directory).
 * - `bad-json`: the file, or a decrypted envelope's content, is not JSON of the shape `{ "<key>": { ...fields } }`.
 * - `not-an-envelope`: the file is not an encrypted envelope (`format` is not `nestjs-vault-secrets/fallback`),
 *   or a version 1 envelope has a missing or malformed field (`cipher`, `kdf`, `kdfParams`, `iv`, `tag`, `ciphertext`).
 * - `unsupported-version`: the envelope's `version` is not one this release reads (it reads version 1).
 * - `wrong-key-or-tampered`: decryption failed authentication: the key or passphrase is not the one the file
 *   was encrypted with, or the file (header, `iv`, `tag` or `ciphertext`) was modified.
 */
export type FallbackFileErrorReason = 'unreadable' | 'bad-json' | 'not-an-envelope' | 'unsupported-version' | 'wrong-key-or-tampered';

/**
 * A local fallback file (plain JSON or encrypted envelope) could not be read, parsed or decrypted.
 * Code `SECRETS_FALLBACK_FILE`. The message names the file and what to do; it never contains the
 * file's content, a decrypted value or the key.
 */
export class FallbackFileError extends SecretsError {
  /** What went wrong; stable, safe to match on. */
  readonly reason: FallbackFileErrorReason;
  /** The file involved, when known (as given, not resolved). */
  declare readonly file?: string;

  /**
   * @param reason - the kind of failure.
   * @param problem - what is wrong and how to fix it (must not contain file content or key material).
   * @param details - `file`: the file path for the message; `cause`: the underlying error (sanitized).
   */
  constructor(reason: FallbackFileErrorReason, problem: string, details: { file?: string; cause?: unknown } = {}) {
    super(
      SecretsErrorCode.FallbackFile,
      `${details.file === undefined ? 'Fallback file' : `Fallback file "${details.file}"`}: ${problem}`,
      details.cause === undefined ? {} : { cause: details.cause },
    );
    this.reason = reason;
    if (details.file !== undefined) this.file = details.file;
  }

  /** A JSON-safe view: name, code, reason, file, message. */
  override toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, reason: this.reason, file: this.file, message: this.message };
  }
}
