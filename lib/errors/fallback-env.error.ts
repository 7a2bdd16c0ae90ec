import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError } from './secrets.error.js';

/**
 * A `SECRETS_<KEY>` environment variable used as a fallback does not hold a JSON object.
 * Code `SECRETS_FALLBACK_ENV`. The message names the variable (and the parse position when
 * known), never its content.
 */
export class FallbackEnvError extends SecretsError {
  /** The environment variable at fault, e.g. `SECRETS_DATABASE`. */
  readonly variable: string;

  /**
   * @param variable - the variable's name.
   * @param problem - what is wrong and how to fix it (must not contain the variable's value).
   */
  constructor(variable: string, problem: string) {
    super(SecretsErrorCode.FallbackEnv, `Environment variable ${variable} ${problem}`);
    this.variable = variable;
  }

  /** A JSON-safe view: name, code, variable, message. */
  override toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, variable: this.variable, message: this.message };
  }
}
