import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError, type SecretsErrorDetails } from './secrets.error.js';

/** Vault (or something in front of it, such as a proxy) answered with a body that is not what the Vault API documents. */
export class MalformedResponseError extends SecretsError {
  constructor(problem: string, details: SecretsErrorDetails = {}) {
    super(SecretsErrorCode.MalformedResponse, `Unexpected response from Vault for ${details.path ?? 'the request'}: ${problem}`, details);
  }
}
