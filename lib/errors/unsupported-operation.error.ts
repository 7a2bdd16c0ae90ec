import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError } from './secrets.error.js';

/** The operation does not exist for this engine or version (e.g. a versioned read on KV v1). */
export class UnsupportedOperationError extends SecretsError {
  constructor(message: string) {
    super(SecretsErrorCode.Unsupported, message);
  }
}
