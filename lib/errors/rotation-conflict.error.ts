import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError, type SecretsErrorDetails } from './secrets.error.js';

/**
 * A rotation's check-and-set write lost a race: someone wrote the KV key after the module read
 * its current version. Nothing was overwritten; read the key again and retry if still needed.
 */
export class RotationConflictError extends SecretsError {
  /** The version the write expected to be current. */
  readonly expectedVersion: number;

  constructor(key: string, expectedVersion: number, details: SecretsErrorDetails = {}) {
    super(
      SecretsErrorCode.RotationConflict,
      `Rotation of "${key}" did not write: the key changed after version ${expectedVersion} was read (check-and-set mismatch). Nothing was overwritten.`,
      details,
    );
    this.expectedVersion = expectedVersion;
  }
}
