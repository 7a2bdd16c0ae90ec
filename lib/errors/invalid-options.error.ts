import { SecretsErrorCode } from './secrets-error-code.js';
import { SecretsError } from './secrets.error.js';

/**
 * The module options are invalid. Thrown at boot, once, with every problem listed in
 * `problems` (one line each: the option, what is wrong, how to fix it).
 */
export class InvalidOptionsError extends SecretsError {
  /** One entry per problem found. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      SecretsErrorCode.InvalidOptions,
      `Invalid Vault options (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.problems = [...problems];
  }
}
