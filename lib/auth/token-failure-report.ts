import { AuthFailedError } from '../errors/auth-failed.error.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';
import type { SecretsError } from '../errors/secrets.error.js';
import { SecretsEvents } from '../events/secrets-events.js';
import { TokenRenewalFailedEvent } from '../events/token-renewal-failed.event.js';
import { describe } from './login-error.js';
import type { TokenManagerDeps } from './token-manager-deps.js';
import type { TokenState } from './token-state.js';

/**
 * How the token manager reports a failure for good: every one to the supervisor (`onFault`, as an
 * `AuthFailedError`), and once per token (until {@link reset} at the next login) to the log, the
 * `secrets.token.renewal-failed` event and `onTokenRenewalFailed`. Never the token.
 */
export class TokenFailureReport {
  readonly #deps: TokenManagerDeps;
  #reported = false;

  constructor(deps: TokenManagerDeps) {
    this.#deps = deps;
  }

  /** A new token: its failure will be reported again. */
  reset(): void {
    this.#reported = false;
  }

  /** Reports `error` about the token `state` (undefined before the first login). */
  report(error: SecretsError, state: TokenState | undefined): void {
    const deps = this.#deps;
    deps.onFault?.(
      error instanceof AuthFailedError || error instanceof InvalidTokenError
        ? error
        : new AuthFailedError(`Vault token renewal failed for good: ${error.message}`, { cause: error }),
    );
    if (this.#reported) return;
    this.#reported = true;
    deps.logger.error?.(`Vault token renewal failed for good (accessor ${state?.accessor ?? 'unknown'}): ${error.message}`);
    this.emit(SecretsEvents.TokenRenewalFailed, new TokenRenewalFailedEvent(state?.accessor, error, state?.expiresAt));
    const callback = deps.onTokenRenewalFailed;
    if (callback) {
      Promise.resolve()
        .then(() => callback(error))
        .catch((callbackError: unknown) => deps.logger.error?.(`onTokenRenewalFailed threw: ${describe(callbackError)}`));
    }
  }

  /** Emits without letting a throwing listener break the token lifecycle. */
  emit(event: string, payload: object): void {
    try {
      this.#deps.events.emit(event, payload);
    } catch (error) {
      this.#deps.logger.error?.(`A listener of ${event} threw: ${describe(error)}`);
    }
  }
}
