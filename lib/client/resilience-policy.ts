import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  DelegateBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
  type IPolicy,
  type IRetryBackoffContext,
} from 'cockatiel';
import { VaultSealedError } from '../errors/vault-sealed.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import { backoffDelayMs } from '../leases/renewal-timing.js';

/** First retry delay, in milliseconds (doubling, jittered, up to {@link RETRY_MAX_DELAY_MS}). */
export const RETRY_INITIAL_DELAY_MS = 100;
/** Longest delay between retries, in milliseconds; also the cap on a `Retry-After` Vault asks for. */
export const RETRY_MAX_DELAY_MS = 5000;
/** Consecutive transient failures that open the circuit. */
export const BREAKER_CONSECUTIVE_FAILURES = 5;
/** How long an open circuit fails fast before letting one request through, in milliseconds. */
export const BREAKER_HALF_OPEN_AFTER_MS = 5000;

/** Errors worth retrying: outages (network, timeout, 5xx, 429, 412), but not a sealed Vault, which needs an operator. */
const transient = handleWhen(
  (error) =>
    error instanceof VaultUnavailableError &&
    !(error instanceof VaultSealedError) &&
    // A Retry-After longer than we would wait is honoured by not calling again now.
    (error.retryAfterSeconds === undefined || error.retryAfterSeconds * 1000 <= RETRY_MAX_DELAY_MS),
);

/**
 * Retries and circuit breaking for Vault calls (cockatiel underneath):
 * - idempotent calls (GET, LIST) are retried `maxRetries` times on transient errors, with
 *   exponential backoff and jitter, honouring `Retry-After` (capped at 5000 ms);
 * - every call (after its retries) goes through one circuit breaker: after 5 consecutive failed calls they
 *   fail fast with `VaultUnavailableError` for 5000 ms, then one is let through, so a dead Vault
 *   is not hammered.
 */
export class ResiliencePolicy {
  readonly #breaker;
  readonly #retrying: IPolicy;

  constructor(maxRetries: number, random: () => number = Math.random) {
    this.#breaker = circuitBreaker(transient, {
      halfOpenAfter: BREAKER_HALF_OPEN_AFTER_MS,
      breaker: new ConsecutiveBreaker(BREAKER_CONSECUTIVE_FAILURES),
    });
    const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>>((context) => {
      const failure = 'error' in context.result ? context.result.error : undefined;
      const asked = failure instanceof VaultUnavailableError ? failure.retryAfterSeconds : undefined;
      if (asked !== undefined) return Math.min(asked * 1000, RETRY_MAX_DELAY_MS);
      return backoffDelayMs(context.attempt - 1, random, RETRY_INITIAL_DELAY_MS, RETRY_MAX_DELAY_MS);
    });
    this.#retrying = wrap(this.#breaker, retry(transient, { maxAttempts: maxRetries, backoff }));
  }

  /**
   * Runs one Vault call under the policy.
   * @param idempotent - true for calls that are safe to send again (GET, LIST).
   * @param signal - the whole call's deadline: no retry starts after it fired.
   * @throws the call's own error, or VaultUnavailableError while the circuit is open.
   */
  async execute<T>(call: () => Promise<T>, idempotent: boolean, path: string, signal?: AbortSignal): Promise<T> {
    try {
      return idempotent ? await this.#retrying.execute(call, signal) : await this.#breaker.execute(call, signal);
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw new VaultUnavailableError(
          `circuit open after ${BREAKER_CONSECUTIVE_FAILURES} consecutive failures; not calling Vault for up to ${BREAKER_HALF_OPEN_AFTER_MS} ms`,
          {
            path,
          },
        );
      }
      throw error;
    }
  }
}
