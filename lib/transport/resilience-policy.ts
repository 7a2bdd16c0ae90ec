import {
  BrokenCircuitError,
  CircuitState,
  TaskCancelledError,
  type CircuitBreakerPolicy,
  ConsecutiveBreaker,
  DelegateBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  type IPolicy,
  type IRetryBackoffContext,
} from 'cockatiel';
import { VaultSealedError } from '../errors/vault-sealed.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import { backoffDelayMs } from '../timing/backoff.js';
import type { Deadline } from '../timing/deadline.js';

/** First retry delay, in milliseconds (doubling, jittered, up to {@link RETRY_MAX_DELAY_MS}). */
export const RETRY_INITIAL_DELAY_MS = 100;
/** Longest delay between retries, in milliseconds; also the cap on a `Retry-After` Vault asks for. */
export const RETRY_MAX_DELAY_MS = 5000;
/** Consecutive transient failures that open the circuit. */
export const BREAKER_CONSECUTIVE_FAILURES = 5;
/** How long an open circuit fails fast before letting one request through, in milliseconds. */
export const BREAKER_HALF_OPEN_AFTER_MS = 5000;

/** Errors worth retrying: outages (network, timeout, 5xx, 429, 412), but not a sealed Vault, which needs an operator. */
const isTransient = (error: unknown): boolean =>
  error instanceof VaultUnavailableError &&
  !(error instanceof VaultSealedError) &&
  // A Retry-After longer than we would wait is honoured by not calling again now.
  (error.retryAfterSeconds === undefined || error.retryAfterSeconds * 1000 <= RETRY_MAX_DELAY_MS);
const transient = handleWhen(isTransient);

/**
 * Failures a path's breaker counts: its outages, not a 429, which is a rate limit (backed off
 * alone, see `PathBackoff`), not a fault.
 */
const breakerCounts = handleWhen(
  (error) =>
    error instanceof VaultUnavailableError &&
    !(error instanceof VaultSealedError) &&
    error.status !== 429 &&
    (error.retryAfterSeconds === undefined || error.retryAfterSeconds * 1000 <= RETRY_MAX_DELAY_MS),
);

/** Paths whose breaker and retry policies are kept at once (the oldest are forgotten beyond). */
const MAX_TRACKED_PATHS = 1024;

/** The breaker and retry policy of one path. */
interface PathPolicies {
  breaker: CircuitBreakerPolicy;
  retry: IPolicy;
  /** Successful calls so far: a failure of a call started before the latest success does not count. */
  successes: number;
  /**
   * The breaker counts no failure now (none since its last success): a call may then run outside
   * cockatiel and join the policies only if it fails (the happy path costs no policy machinery).
   */
  clean: boolean;
}

/**
 * Retries and circuit breaking for Vault calls (cockatiel underneath):
 * - idempotent calls (GET, LIST) are retried `maxRetries` times on transient errors, with
 *   exponential backoff and jitter, honouring `Retry-After` (capped at 5000 ms);
 * - every call (after its retries) goes through the circuit breaker of its path, so one failing
 *   path (a broken role, a plugin answering 500) does not stop the others, even on the same
 *   mount: after 5 consecutive failed calls to a path, its calls fail fast with
 *   `VaultUnavailableError` for 5000 ms, then one is let through, so a failing path is not
 *   hammered (a Vault-wide outage is the supervisor's: it stops every request). A failure of a
 *   call that started before a later call to the same path succeeded does not count. A 429 is
 *   retried but never counts toward the breaker (it is backed off alone, see `PathBackoff`);
 * - {@link reset} closes every breaker (the supervisor leaves `degraded`: the outage that opened
 *   them is over).
 */
export class ResiliencePolicy {
  readonly #maxRetries: number;
  readonly #random: () => number;
  readonly #byPath = new Map<string, PathPolicies>();

  constructor(maxRetries: number, random: () => number = Math.random) {
    this.#maxRetries = maxRetries;
    this.#random = random;
  }

  /**
   * The policies of a path that has failed (created at its first transient failure): a path that
   * only ever succeeds has none, so the happy path builds no cockatiel policy, and the bounded map
   * holds failing paths, not every path read.
   */
  #track(path: string): PathPolicies {
    // One breaker per path: a path that keeps failing (a broken role, a plugin answering 500)
    // must not refuse the healthy paths of the same mount; Vault-wide outages are the supervisor's.
    const breaker = circuitBreaker(breakerCounts, {
      halfOpenAfter: BREAKER_HALF_OPEN_AFTER_MS,
      breaker: new ConsecutiveBreaker(BREAKER_CONSECUTIVE_FAILURES),
    });
    const random = this.#random;
    const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>>((context) => {
      const failure = 'error' in context.result ? context.result.error : undefined;
      const asked = failure instanceof VaultUnavailableError ? failure.retryAfterSeconds : undefined;
      if (asked !== undefined) return Math.min(asked * 1000, RETRY_MAX_DELAY_MS);
      return backoffDelayMs(context.attempt - 1, random, RETRY_INITIAL_DELAY_MS, RETRY_MAX_DELAY_MS);
    });
    const policies = { breaker, retry: retry(transient, { maxAttempts: this.#maxRetries, backoff }), successes: 0, clean: true };
    // Bounded: the oldest path's policies go first (a path seen again starts with a closed breaker).
    if (this.#byPath.size >= MAX_TRACKED_PATHS) this.#byPath.delete(this.#byPath.keys().next().value as string);
    this.#byPath.set(path, policies);
    return policies;
  }

  /** Closes every path's circuit breaker and forgets its failures (called when Vault serves again after an outage). */
  reset(): void {
    this.#byPath.clear();
  }

  /**
   * Runs one Vault call under the policy.
   * @param idempotent - true for calls that are safe to send again (GET, LIST).
   * @param path - the API path (selects its circuit breaker).
   * @param deadline - the whole call's deadline: no retry starts after it fired.
   * @throws the call's own error, or VaultUnavailableError while the circuit is open.
   */
  async execute<T>(call: () => Promise<T>, idempotent: boolean, path: string, deadline?: Deadline): Promise<T> {
    const policies = this.#byPath.get(path);
    if (policies !== undefined && (!policies.clean || policies.breaker.state !== CircuitState.Closed)) {
      return this.#underPolicies(call, idempotent, path, deadline, policies, policies.successes, undefined);
    }
    // The happy path: no failure counted for this path. The call runs as is; a failure the
    // policies handle (retry, breaker count) is then handed to them as the first attempt's
    // outcome, so retries, backoff and the breaker's count are those of a call made under them.
    const successesAtStart = policies?.successes ?? 0;
    let value: T;
    try {
      value = await call();
    } catch (error) {
      if (!isTransient(error)) throw error;
      const tracked = this.#byPath.get(path) ?? this.#track(path);
      return this.#underPolicies(call, idempotent, path, deadline, tracked, successesAtStart, { error });
    }
    const now = this.#byPath.get(path);
    if (now !== undefined) {
      now.successes += 1;
      // A failure was counted while this call was under way: its success resets the count, as it would have.
      if (!now.clean && now.breaker.state === CircuitState.Closed) await this.#countSuccess(now);
    }
    return value;
  }

  /** Runs `call` under the path's retry and breaker policies; `first`, when given, is the outcome of an attempt already made. */
  async #underPolicies<T>(
    call: () => Promise<T>,
    idempotent: boolean,
    path: string,
    deadline: Deadline | undefined,
    policies: PathPolicies,
    successesAtStart: number,
    first: { error: unknown } | undefined,
  ): Promise<T> {
    let replay = first;
    const attempt = (): Promise<T> => {
      if (replay === undefined) return call();
      const { error } = replay;
      replay = undefined;
      return Promise.reject(error as Error);
    };
    policies.clean = false;
    try {
      const outcome = await policies.breaker.execute(async ({ signal: inner }) => {
        try {
          const value = idempotent ? await policies.retry.execute(attempt, inner) : await attempt();
          policies.successes += 1;
          return { ok: true as const, value };
        } catch (error) {
          // A call that was already under way when another call to this path succeeded (e.g. a
          // timeout landing just after Vault recovered) must not re-open the circuit.
          if (policies.successes !== successesAtStart) return { ok: false as const, error };
          throw error;
        }
      }, deadline?.signal);
      // The breaker took a success: its count of failures is back to 0.
      if (policies.breaker.state === CircuitState.Closed) policies.clean = true;
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw new VaultUnavailableError(
          `circuit open after ${BREAKER_CONSECUTIVE_FAILURES} consecutive failures; not calling this path for up to ${BREAKER_HALF_OPEN_AFTER_MS} ms`,
          { path, kind: 'circuit-open' },
        );
      }
      if (error instanceof TaskCancelledError)
        throw new VaultUnavailableError('the call was cancelled at its deadline', { path, kind: 'timeout' });
      throw error;
    }
  }

  /** Records one success with the breaker (resets its count of consecutive failures). */
  async #countSuccess(policies: PathPolicies): Promise<void> {
    await policies.breaker.execute(() => Promise.resolve(undefined)).catch(() => undefined);
    if (policies.breaker.state === CircuitState.Closed) policies.clean = true;
  }
}
