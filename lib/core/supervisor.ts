import { inspect } from 'node:util';
import { LoginHeldError } from '../errors/login-held.error.js';
import { SecretsError } from '../errors/secrets.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import { VaultAvailabilityEvent } from '../events/vault-availability.event.js';
import { SecretsEvents } from '../events/secrets-events.js';
import { classifyFailure, classifyFault, type DegradedReason } from './fault-classifier.js';
import { ProbeSchedule } from './probe-schedule.js';
import { LoginSpread } from './login-spread.js';
import { degradedError } from './degraded-error.js';
import type { SupervisorDeps, SupervisorSnapshot, SupervisorState } from './supervisor-types.js';

export type { AttemptOptions, SupervisorDeps, SupervisorSnapshot, SupervisorState } from './supervisor-types.js';

export { classifyFailure, classifyFault, type DegradedReason, type FailureScope } from './fault-classifier.js';

/** Name of the supervisor's retry timer in the scheduler (and `SchedulerRegistry`). */
export const SUPERVISOR_TIMEOUT_NAME = 'secrets:supervisor';

/**
 * The one owner of "can this app get answers from Vault" (DESIGN.md, "The supervisor").
 *
 * Failures seen anywhere are {@link report}ed here and classified ({@link classifyFailure}):
 * only evidence that Vault itself does not serve, or a dead token that cannot be replaced, makes
 * the module `degraded`; a path fault (5xx, 429, 412 on one path) asks for one confirming probe.
 * While degraded, {@link gate} refuses every authenticated request at once, and ONE background
 * loop probes Vault ({@link ProbeSchedule}: 1 s doubling to a 30 s cap, jittered, whatever the
 * outage length; refused logins keep their long windows; a held login waits for its `retryAt`).
 * A read while degraded may {@link nudge} one early probe (at most one per 2 s), and any probe
 * that finds Vault serving, the health indicator's too, ends `degraded` at once ({@link observe}).
 * At recovery the `onRecovered` listeners converge everything (re-read fallback keys, re-acquire
 * lost leases, re-arm watchers), then `secrets.vault.recovered` is emitted once.
 *
 * Framework-free: no NestJS import.
 */
export class Supervisor {
  readonly #deps: SupervisorDeps;
  readonly #schedule: ProbeSchedule;
  readonly #loginSpread: LoginSpread;
  #state: SupervisorState = 'starting';
  #reason: DegradedReason | undefined;
  #since: number;
  #nextAttemptAt: number | undefined;
  #attempts = 0;
  #lastErrorCode: string | undefined;
  #login: { state: 'held' | 'locked'; retryAt: number } | undefined;
  #inFlight: { run: Promise<void>; decided: Promise<void> } | undefined;
  #confirming: Promise<void> | undefined;
  /** True while the recovery's convergence steps run (inside the attempt that found Vault back). */
  #converging = false;
  #stopped = false;
  /** Incremented at each recovery: a failure of a call started before it is stale. */
  #generation = 0;
  readonly #recoveredListeners = new Set<() => Promise<void> | void>();
  readonly #stateListeners = new Set<(snapshot: SupervisorSnapshot) => void>();

  constructor(deps: SupervisorDeps) {
    this.#deps = deps;
    this.#schedule = new ProbeSchedule(deps.random ?? Math.random);
    this.#loginSpread = new LoginSpread(deps.scheduler, deps.random ?? Math.random);
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

  /** State, reason, next attempt, counters and a held login, for `status()` and health. */
  snapshot(): SupervisorSnapshot {
    return {
      state: this.#state,
      ...(this.#reason ? { reason: this.#reason } : {}),
      since: this.#since,
      ...(this.#nextAttemptAt !== undefined ? { nextAttemptAt: this.#nextAttemptAt } : {}),
      attempts: this.#attempts,
      ...(this.#lastErrorCode ? { lastErrorCode: this.#lastErrorCode } : {}),
      ...(this.#login ? { login: { ...this.#login } } : {}),
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
    return degradedError(this.#reason ?? 'unreachable', this.#nextAttemptAt, path);
  }

  /**
   * Reports a failure seen anywhere ({@link classifyFailure}). Vault not serving or a dead token
   * makes the module `degraded` and plans the next attempt; a path fault starts one confirming
   * probe (at most one per 2 s) while ready; an answer (not found, denied) is ignored.
   * @param startedIn - the {@link generation} when the failed call started: a call that was under
   *   way when Vault recovered (a timeout landing late) does not degrade the module again.
   * @returns the reason the module degrades with, or undefined when the failure does not degrade it.
   */
  report(error: unknown, startedIn?: number): DegradedReason | undefined {
    const { scope, reason } = classifyFailure(error);
    if (this.#stopped || (startedIn !== undefined && startedIn !== this.#generation)) return reason;
    if (scope === 'path') {
      // A call refused by its path's own 429 back-off sent nothing: there is nothing new to confirm.
      const unsent = error instanceof VaultUnavailableError && error.kind === 'path-backoff';
      if (this.#state === 'ready' && !unsent) void this.#confirm();
      return undefined;
    }
    if (reason === undefined) return undefined;
    this.#lastErrorCode = error instanceof SecretsError ? error.code : 'UNKNOWN';
    // The attempt in flight decides what comes next; once it found Vault back, a failure while the
    // recovery converges (re-reads, leases) is news and degrades the module again.
    if (this.#inFlight && !this.#converging) return reason;
    if (this.#state !== 'degraded') this.#degrade(reason, error);
    else if (this.#reason !== reason) this.#reason = reason;
    return reason;
  }

  /**
   * What a probe made elsewhere found (the health indicator, `probeHealth()`): a fault is
   * {@link report}ed; a Vault that serves ends `degraded` at once (the token is made good without
   * a second probe), unless the module waits on its token (auth-failed, held login).
   * @returns a promise settled once the state is decided (not the whole convergence).
   */
  observe(fault: unknown): Promise<void> {
    if (fault !== undefined) {
      this.report(fault);
      return Promise.resolve();
    }
    if (this.#state !== 'degraded' || this.#stopped || this.#waitsOnToken()) return Promise.resolve();
    return this.#run(true).decided;
  }

  /**
   * A read (or any gated call) arrived while degraded: runs the planned attempt early, at most
   * one probe per 2 s, single flight; never while the module waits on its token. The read itself
   * is still refused (served from the cache or a fallback).
   */
  nudge(): void {
    if (this.#state !== 'degraded' || this.#stopped || this.#inFlight || this.#waitsOnToken()) return;
    if (!this.#schedule.mayProbeEarly(this.#deps.clock.now())) return;
    void this.#run(false, true).run;
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
   * one), also before a held login's `retryAt` (a credential file changed). Does nothing unless degraded.
   */
  attemptNow(): Promise<void> {
    if (this.#state !== 'degraded' || this.#stopped) return this.#inFlight?.run ?? Promise.resolve();
    return this.#run(false).run;
  }

  /** Resolves when no attempt, confirming probe or convergence is in flight (tests wait on it instead of sleeping). */
  async settled(): Promise<void> {
    while (this.#inFlight || this.#confirming) await (this.#inFlight?.run ?? this.#confirming);
  }

  /** Stops the loop for good (module shutdown). */
  stop(): void {
    this.#stopped = true;
    this.#deps.scheduler.cancel(SUPERVISOR_TIMEOUT_NAME);
    this.#loginSpread.cancel();
  }

  #waitsOnToken(): boolean {
    return this.#reason === 'auth-failed' || this.#reason === 'rate-limited' || this.#login !== undefined;
  }

  #degrade(reason: DegradedReason, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.#attempts = 0;
    this.#schedule.reset(this.#deps.clock.now());
    this.#setState('degraded', reason);
    this.#deps.logger.warn(`Vault is unavailable (${reason}: ${message}); serving cached and fallback values, retrying in the background`);
    this.#plan(reason, error);
    this.#emit(
      SecretsEvents.VaultUnavailable,
      new VaultAvailabilityEvent(false, this.#since, this.#lastErrorCode, reason, this.#nextAttemptAt),
    );
  }

  /** One probe while ready after a path fault: Vault not serving degrades the module, serving changes nothing. */
  #confirm(): Promise<void> {
    const probe = this.#deps.probe;
    const now = this.#deps.clock.now();
    if (!probe || this.#confirming || this.#inFlight || !this.#schedule.mayProbeEarly(now)) return Promise.resolve();
    this.#schedule.probed(now);
    const generation = this.#generation;
    const run = probe()
      .catch((fault: unknown) => void this.report(fault, generation))
      .finally(() => {
        this.#confirming = undefined;
      });
    this.#confirming = run;
    return run;
  }

  #plan(reason: DegradedReason, error?: unknown): void {
    if (this.#stopped) return;
    const now = this.#deps.clock.now();
    const planned = this.#schedule.next(now, reason, error);
    this.#login = error instanceof LoginHeldError ? { state: error.locked ? 'locked' : 'held', retryAt: planned.at } : undefined;
    this.#nextAttemptAt = planned.at;
    this.#deps.scheduler.schedule(SUPERVISOR_TIMEOUT_NAME, Math.max(0, planned.at - now), () => void this.#run(false).run);
  }

  #run(probed: boolean, early = false): { run: Promise<void>; decided: Promise<void> } {
    if (this.#inFlight) return this.#inFlight;
    let decide!: () => void;
    const decided = new Promise<void>((resolve) => (decide = resolve));
    const run = this.#attempt(probed, early, decide).finally(() => {
      decide();
      if (this.#inFlight?.run === run) this.#inFlight = undefined;
    });
    this.#inFlight = { run, decided };
    return this.#inFlight;
  }

  async #attempt(probed: boolean, early: boolean, decide: () => void): Promise<void> {
    if (this.#stopped) return;
    // A planned (or forced) attempt replaces the planned one; an early probe re-plans when it fails.
    if (!early) this.#deps.scheduler.cancel(SUPERVISOR_TIMEOUT_NAME);
    this.#attempts += 1;
    if (!probed) this.#schedule.probed(this.#deps.clock.now());
    try {
      // An unplanned recovery (a read's early probe, the health indicator's) spreads the login it needs.
      const beforeLogin = early || probed ? () => this.#spreadLogin() : undefined;
      await this.#deps.attempt(this.#reason ?? 'unreachable', { probed, ...(beforeLogin ? { beforeLogin } : {}) });
    } catch (error) {
      if (this.#stopped) return;
      const reason = classifyFault(error) ?? this.#reason ?? 'unreachable';
      this.#lastErrorCode = error instanceof SecretsError ? error.code : 'UNKNOWN';
      if (reason !== this.#reason) this.#setState('degraded', reason);
      // A failed early probe is a step of the ladder too: the planned probe moves past it.
      this.#plan(reason, error);
      this.#deps.logger.warn(
        `Vault is still unavailable (${reason}: ${error instanceof Error ? error.message : String(error)}); next attempt at ${new Date(this.#nextAttemptAt ?? 0).toISOString()}`,
      );
      return;
    }
    if (this.#stopped) return;
    await this.#recover(decide);
  }

  #spreadLogin(): Promise<void> {
    return this.#loginSpread.wait((delayMs) => {
      this.#nextAttemptAt = this.#deps.clock.now() + delayMs;
      this.#deps.logger.log(`Vault answers again; logging in within ${delayMs} ms (recovery logins are spread)`);
    });
  }

  async #recover(decide: () => void): Promise<void> {
    this.#generation += 1;
    this.#deps.scheduler.cancel(SUPERVISOR_TIMEOUT_NAME);
    this.#nextAttemptAt = undefined;
    this.#login = undefined;
    this.#setState('ready', undefined);
    decide();
    this.#deps.logger.log('Vault answers again; bringing every secret back to Vault');
    this.#converging = true;
    try {
      for (const listener of this.#recoveredListeners) {
        try {
          await listener();
        } catch (error) {
          this.#deps.logger.warn(`A recovery step failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    } finally {
      this.#converging = false;
    }
    if (this.#stopped) return;
    // Vault failed again while converging: the timer planned then may have fired into this attempt, so plan again.
    if (this.#state === 'degraded') return this.#plan(this.#reason ?? 'unreachable');
    if (this.#state !== 'ready') return;
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
