import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError } from './secrets.error.js';

/**
 * A raw Vault request or an engine call (transit) was rejected before anything was sent: a bad
 * method, a path with `..`, a scheme or a query string, a body on a GET, a key name Vault would
 * refuse, a plaintext that is neither a Buffer nor a string. The message says which argument was
 * wrong and how to fix it; it never contains a plaintext, a ciphertext or a body.
 */
export class InvalidRequestError extends SecretsError {
  /** The argument that was wrong, e.g. `path`, `method`, `key`, `plaintext`. */
  readonly argument: string;

  constructor(argument: string, problem: string) {
    super(SecretsErrorCode.InvalidRequest, `Invalid ${argument}: ${problem}`);
    this.argument = argument;
  }
}
