import { inspect } from 'node:util';
import { AuthFailedError } from '../errors/auth-failed.error.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { SecretsError } from '../errors/secrets.error.js';
import { SecretsErrorCode } from '../errors/secrets-error-code.js';
import { VaultNotServingError } from '../errors/vault-not-serving.error.js';
import { VaultSealedError } from '../errors/vault-sealed.error.js';
import { VaultTlsError } from '../errors/vault-tls.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import type { SecretsEventBus } from '../events/secrets-event-bus.js';
import { VaultAvailabilityEvent } from '../events/vault-availability.event.js';
import type { TaskScheduler } from '../timing/task-scheduler.js';
import { SecretsEvents } from '../events/secrets-events.js';
import { BACKOFF_MAX_MS, planAttempt, type BackoffBounds } from '../timing/backoff.js';
import type { Clock } from '../timing/clock.js';
import type { SecretsLogger } from '../util/secrets-logger.js';

/** Name of the supervisor's retry timer in the scheduler (and `SchedulerRegistry`). */
export const SUPERVISOR_TIMEOUT_NAME = 'secrets:supervisor';

/** Can the app get answers from Vault: `starting` before the first attempt ended, `ready`, or `degraded` (see {@link DegradedReason}). */
export type SupervisorState = 'starting' | 'ready' | 'degraded';

/**
 * Why the module is degraded:
 * - `unreachable`: no answer (network error, timeout, 5xx);
 * - `sealed`: Vault is sealed (or not initialized);
 * - `standby-no-active`: a standby node with no active node to forward to;
 * - `dr-secondary`: a disaster-recovery secondary (`sys/health` 472), which serves no reads;
 * - `auth-failed`: the token is dead and cannot be replaced (login refused, credentials missing);
 * - `rate-limited`: Vault answered 429.
 */
export type DegradedReason = 'unreachable' | 'sealed' | 'standby-no-active' | 'dr-secondary' | 'auth-failed' | 'rate-limited';

/** What the supervisor knows, for `status()` and the health indicator. Times in milliseconds since the epoch. */
export interface SupervisorSnapshot {
  state: SupervisorState;
  /** Set while `degraded`. */
  reason?: DegradedReason;
  /** When the state last changed. */
  since: number;
  /** When the next background attempt runs (while `degraded`). */
  nextAttemptAt?: number;
  /** Background attempts since the module became degraded. */
  attempts: number;
  /** Error code of the last fault (e.g. `SECRETS_VAULT_SEALED`), never a message with a value. */
  lastErrorCode?: string;
}

/** Collaborators of the {@link Supervisor}. */
export interface SupervisorDeps {
  clock: Clock;
  scheduler: TaskScheduler;
  logger: SecretsLogger;
  events: SecretsEventBus;
  /**
   * One attempt to get answers from Vault again (a `sys/health` probe, then a login when the token
   * is dead or missing). Resolves when Vault answers and the token is good; throws the fault otherwise.
   * Never called twice at once.
   */
  attempt: (reason: DegradedReason) => Promise<void>;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Backoff windows, in milliseconds; default 1 s doubling to 5 min. */
  bounds?: BackoffBounds;
}

/**
 * Which fault an error is, or undefined when it is an answer (not found, permission denied, bad
 * request): those never degrade the module.
 */
export function classifyFault(error: unknown): DegradedReason | undefined {
  if (error instanceof VaultNotServingError) return error.reason as DegradedReason;
  if (error instanceof VaultSealedError || (error instanceof SecretsError && error.code === SecretsErrorCode.VaultSealed)) return 'sealed';
  if (error instanceof AuthFailedError || error instanceof InvalidTokenError) return 'auth-failed';
  // A TLS failure is a configuration problem (wrong CA, host name), not an outage: it is thrown, not retried.
  if (error instanceof VaultTlsError) return undefined;
  if (error instanceof VaultUnavailableError) {
    if (error.reason && isReason(error.reason)) return error.reason;
    if (error.status === 429) return 'rate-limited';
    if (error.status === 472) return 'dr-secondary';
    if (/active cluster node not found|no active node|local node not active/i.test(error.message)) return 'standby-no-active';
    return 'unreachable';
  }
  return undefined;
}

const REASONS: ReadonlySet<string> = new Set(['unreachable', 'sealed', 'standby-no-active', 'dr-secondary', 'auth-failed', 'rate-limited']);
function isReason(value: string): value is DegradedReason {
  return REASONS.has(value);
}

/**
 * The one owner of "can this app get answers from Vault" (DESIGN.md, "The supervisor").
 *
 * Any fault seen anywhere (a read, a renewal, a lease, the watcher, a login) is {@link report}ed
 * here. The module is then `degraded` with a reason, and ONE background loop tries again:
 * exponential windows from 1 s to 5 min with full jitter ({@link planAttempt}), one attempt in
 * flight at most. While degraded, {@link gate} refuses every authenticated request at once (no
 * request, no login), so reads are served from the cache, the last good value or a fallback, and
 * Vault sees at most one probe per window whatever the read rate. When an attempt succeeds, the
 * `onRecovered` listeners converge everything (re-read fallback keys, re-acquire lost leases,
 * re-arm watchers), then `secrets.vault.recovered` is emitted once.
 *
 * Framework-free: no NestJS import.
 */
export class Supervisor {
  readonly #deps: SupervisorDeps;
  readonly #random: () => number;
  #state: SupervisorState = 'starting';
  #reason: DegradedReason | undefined;
  #since: number;
  #nextAttemptAt: number | undefined;
  /** Index of the next backoff window; kept across a short-lived recovery so a flapping Vault keeps slowing down. */
  #window = 0;
  #windowStart = 0;
  #attempts = 0;
  #recoveredAt: number | undefined;
  #lastErrorCode: string | undefined;
  #inFlight: Promise<void> | undefined;
  #stopped = false;
  /** Incremented at each recovery: a failure of a call started before it is stale. */
  #generation = 0;
  readonly #recoveredListeners = new Set<() => Promise<void> | void>();
  readonly #stateListeners = new Set<(snapshot: SupervisorSnapshot) => void>();

  constructor(deps: SupervisorDeps) {
    this.#deps = deps;
    this.#random = deps.random ?? Math.random;
    this.#since = deps.clock.now();
  }

  /** The current state. */
  get state(): SupervisorState {
    return this.#state;
  }

  /** Why the module is degraded; undefined otherwise. */
  get reason(): DegradedReason | undefined {
    return this.#reason;
  }

  /** When the next background attempt runs (ms since the epoch), while degraded. */
  get nextAttemptAt(): number | undefined {
    return this.#nextAttemptAt;
  }

  /** State, reason, next attempt and counters, for `status()` and health. */
  snapshot(): SupervisorSnapshot {
    return {
      state: this.#state,
      ...(this.#reason ? { reason: this.#reason } : {}),
      since: this.#since,
      ...(this.#nextAttemptAt !== undefined ? { nextAttemptAt: this.#nextAttemptAt } : {}),
      attempts: this.#attempts,
      ...(this.#lastErrorCode ? { lastErrorCode: this.#lastErrorCode } : {}),
    };
  }

  /** Incremented at each recovery; pass the value seen when a call started to {@link report}. */
  get generation(): number {
    return this.#generation;
  }

  /** True while degraded: no authenticated request may be sent except by the supervisor's own attempt. */
  get backingOff(): boolean {
    return this.#state === 'degraded';
  }

  /**
   * Throws while degraded, before any request: a {@link VaultUnavailableError} (a `VaultSealedError`
   * when sealed) carrying `reason` and `nextAttemptAt` (ms since the epoch) in fields and message.
   * @param path - the Vault path that was not called, for the message.
   */
  gate(path?: string): void {
    if (this.#state !== 'degraded') return;
    throw this.unavailableError(path);
  }

  /** The error a call gets while degraded (see {@link gate}). */
  unavailableError(path?: string): VaultUnavailableError {
    const reason = this.#reason ?? 'unreachable';
    const next = this.#nextAttemptAt;
    const when = next === undefined ? 'soon' : `at ${new Date(next).toISOString()}`;
    const details = { path, reason, ...(next !== undefined ? { nextAttemptAt: next } : {}) };
    if (reason === 'sealed') return new VaultSealedError(details);
    return new VaultUnavailableError(
      `the module is degraded (${reason}); no request sent, the next attempt to reach Vault is ${when}`,
      details,
    );
  }

  /**
   * Reports a failure seen anywhere. A fault (outage, seal, dead token, rate limit) makes the
   * module `degraded` and plans the next background attempt; an answer (not found, denied) is
   * ignored.
   * @param startedIn - the {@link generation} when the failed call started: a call that was under
   *   way when Vault recovered (a timeout landing late) does not degrade the module again.
   * @returns the fault's reason, or undefined when it was not a fault.
   */
  report(error: unknown, startedIn?: number): DegradedReason | undefined {
    const reason = classifyFault(error);
    if (reason === undefined || this.#stopped) return reason;
    if (startedIn !== undefined && startedIn !== this.#generation) return reason;
    this.#lastErrorCode = error instanceof SecretsError ? error.code : 'UNKNOWN';
    // The attempt in flight decides what comes next.
    if (this.#inFlight) return reason;
    if (this.#state !== 'degraded') {
      const now = this.#deps.clock.now();
      // A recovery that did not last one window continues the backoff where it was.
      if (this.#recoveredAt === undefined || now - this.#recoveredAt > BACKOFF_MAX_MS) this.#window = 0;
      this.#windowStart = now;
      this.#enterDegraded(reason, error);
      this.#plan(error);
      this.#emit(
        SecretsEvents.VaultUnavailable,
        new VaultAvailabilityEvent(false, this.#since, this.#lastErrorCode, reason, this.#nextAttemptAt),
      );
    } else if (this.#reason !== reason) {
      this.#reason = reason;
    }
    return reason;
  }

  /** Marks the module ready after the first successful contact (boot). */
  markReady(): void {
    if (this.#stopped || this.#state === 'ready') return;
    this.#setState('ready', undefined);
  }

  /**
   * Registers a convergence step run after Vault answers again (in registration order, before
   * `secrets.vault.recovered`). Errors are logged. @returns a function that removes it.
   */
  onRecovered(listener: () => Promise<void> | void): () => void {
    this.#recoveredListeners.add(listener);
    return () => this.#recoveredListeners.delete(listener);
  }

  /** Called on every state change (the NestJS layer, tests). @returns a function that removes it. */
  onStateChange(listener: (snapshot: SupervisorSnapshot) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /**
   * Runs the planned attempt now instead of at its time (one in flight at most; joins a running
   * one). Does nothing unless degraded.
   */
  attemptNow(): Promise<void> {
    if (this.#state !== 'degraded' || this.#stopped) return this.#inFlight ?? Promise.resolve();
    return this.#run();
  }

  /** Resolves when no attempt or convergence is in flight (tests wait on it instead of sleeping). */
  async settled(): Promise<void> {
    while (this.#inFlight) await this.#inFlight;
  }

  /** Stops the loop for good (module shutdown). */
  stop(): void {
    this.#stopped = true;
    this.#deps.scheduler.cancel(SUPERVISOR_TIMEOUT_NAME);
  }

  #enterDegraded(reason: DegradedReason, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.#attempts = 0;
    this.#setState('degraded', reason);
    this.#deps.logger.warn(`Vault is unavailable (${reason}: ${message}); serving cached and fallback values, retrying in the background`);
  }

  #plan(error?: unknown): void {
    if (this.#stopped) return;
    const now = this.#deps.clock.now();
    const asked = error instanceof VaultUnavailableError ? error.retryAfterSeconds : undefined;
    const notBefore = asked === undefined ? 0 : now + Math.min(asked * 1000, this.#deps.bounds?.maxMs ?? BACKOFF_MAX_MS);
    const planned = planAttempt(this.#window, Math.max(this.#windowStart, now), this.#random, notBefore, this.#deps.bounds);
    this.#window += 1;
    this.#windowStart = planned.nextWindowStart;
    this.#nextAttemptAt = planned.at;
    this.#deps.scheduler.schedule(SUPERVISOR_TIMEOUT_NAME, Math.max(0, planned.at - now), () => void this.#run());
  }

  #run(): Promise<void> {
    if (this.#inFlight) return this.#inFlight;
    this.#deps.scheduler.cancel(SUPERVISOR_TIMEOUT_NAME);
    const run = this.#attempt().finally(() => {
      if (this.#inFlight === run) this.#inFlight = undefined;
    });
    this.#inFlight = run;
    return run;
  }

  async #attempt(): Promise<void> {
    if (this.#stopped) return;
    this.#attempts += 1;
    try {
      await this.#deps.attempt(this.#reason ?? 'unreachable');
    } catch (error) {
      if (this.#stopped) return;
      const reason = classifyFault(error) ?? this.#reason ?? 'unreachable';
      this.#lastErrorCode = error instanceof SecretsError ? error.code : 'UNKNOWN';
      if (reason !== this.#reason) this.#setState('degraded', reason);
      this.#plan(error);
      this.#deps.logger.warn(
        `Vault is still unavailable (${reason}: ${error instanceof Error ? error.message : String(error)}); next attempt at ${new Date(this.#nextAttemptAt ?? 0).toISOString()}`,
      );
      return;
    }
    if (this.#stopped) return;
    await this.#recover();
  }

  async #recover(): Promise<void> {
    this.#generation += 1;
    this.#recoveredAt = this.#deps.clock.now();
    this.#nextAttemptAt = undefined;
    this.#setState('ready', undefined);
    this.#deps.logger.log('Vault answers again; bringing every secret back to Vault');
    for (const listener of this.#recoveredListeners) {
      try {
        await listener();
      } catch (error) {
        this.#deps.logger.warn(`A recovery step failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (this.#state !== 'ready' || this.#stopped) return;
    this.#deps.logger.log('Vault is available again');
    this.#emit(SecretsEvents.VaultRecovered, new VaultAvailabilityEvent(true, this.#deps.clock.now()));
  }

  #setState(state: SupervisorState, reason: DegradedReason | undefined): void {
    if (this.#state !== state) this.#since = this.#deps.clock.now();
    this.#state = state;
    this.#reason = reason;
    const snapshot = this.snapshot();
    for (const listener of this.#stateListeners) {
      try {
        listener(snapshot);
      } catch (error) {
        this.#deps.logger.error(`A supervisor state listener threw: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  #emit(event: string, payload: object): void {
    try {
      this.#deps.events.emit(event, payload);
    } catch (error) {
      this.#deps.logger.error(`A listener of ${event} threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  toJSON(): Record<string, unknown> {
    return { ...this.snapshot() };
  }

  [inspect.custom](): string {
    return `Supervisor ${inspect(this.snapshot())}`;
  }
}
