import { inspect, isDeepStrictEqual } from 'node:util';
import type { SecretsLogger } from '../../util/secrets-logger.js';
import type { VaultRequester } from '../../contracts/vault-requester.js';
import { isJsonObject, type VaultEnvelope } from '../../transport/vault-envelope.js';
import type { EngineSecret } from '../../contracts/secret-engine.js';
import { SecretsError } from '../../errors/secrets.error.js';
import { VaultRequestError } from '../../errors/vault-request.error.js';
import { VaultUnavailableError } from '../../errors/vault-unavailable.error.js';
import { LeaseExpiredEvent } from '../../events/lease-expired.event.js';
import type { SecretsEventBus } from '../../events/secrets-event-bus.js';
import type { RotationOrchestrator } from '../rotation/rotation.orchestrator.js';
import { SecretRotatedEvent, type RotationReason } from '../../events/secret-rotated.event.js';
import { SecretsEvents } from '../../events/secrets-events.js';
import type { Clock } from '../../timing/clock.js';
import { deepFreeze } from '../../util/deep-freeze.js';
import { backoffDelayMs } from '../../timing/backoff.js';
import { boundedRetryDelayMs, renewDelayMs } from '../../timing/renewal-timing.js';
import type { TaskScheduler } from '../../timing/task-scheduler.js';

/** What the lease manager needs to keep one secret alive. */
export interface ManagedSecretSpec<T> {
  /** Stable, non-secret name, e.g. `database/creds/app`; used in events and `@OnSecretRotated`. */
  key: string;
  /** Engine name, e.g. `database`. */
  engine: string;
  /** Vault path the secret comes from, e.g. `database/creds/app`. */
  path: string;
  /** Fetches a fresh secret (a new lease). */
  fetch: () => Promise<EngineSecret<T>>;
  /** Reason given when the secret is replaced before expiry. Default `lease-rotated`. */
  replaceReason?: RotationReason;
  /** Milliseconds to hold freshly fetched credentials before switching to them (e.g. IAM key propagation). Default 0. */
  holdMs?: number;
}

/** A managed secret as callers see it. Times in milliseconds since the epoch. */
export interface ManagedSecretState<T> {
  key: string;
  data: T;
  leaseId?: string;
  /** Current lease TTL in seconds (0 without a lease). */
  leaseDuration: number;
  renewable: boolean;
  /** When Vault issued the current value (the fetch returned), ms since the epoch. */
  issuedAt: number;
  expiresAt?: number;
  /** For secrets re-read on a schedule without a lease (static roles): when the next read is due, ms since the epoch. */
  refreshAt?: number;
  version?: string | number;
}

/** Lease manager settings, all in milliseconds. */
export interface LeaseManagerOptions {
  /** Fetch a replacement at least this long before the old lease expires. Default 30000. */
  overlapMs: number;
  /** Longest wait for revocations on shutdown. Default 5000. */
  shutdownTimeoutMs: number;
}

/** Collaborators of the lease manager. */
export interface LeaseManagerDeps {
  client: VaultRequester;
  clock: Clock;
  scheduler: TaskScheduler;
  events: SecretsEventBus;
  orchestrator: RotationOrchestrator;
  logger: SecretsLogger;
  options: LeaseManagerOptions;
  random?: () => number;
  /**
   * Asked before a renewal, replacement or re-read is sent (the supervisor: false while
   * degraded). While closed the work is parked with no retry timer until {@link LeaseManager.recover};
   * a lease that reaches its expiry meanwhile is only marked lost. Default: always open.
   */
  gate?: () => boolean;
}

interface Managed<T> {
  spec: ManagedSecretSpec<T>;
  current: EngineSecret<T>;
  issuedAt: number;
  expiresAt?: number;
  /** When the next scheduled re-read of a lease-less secret is due (ms since the epoch). */
  refreshAt?: number;
  /** Seconds to ask for at renewal. */
  increment: number;
  /** Renewal came back shorter than asked (max TTL reached) or the lease is not renewable. */
  capped: boolean;
  attempt: number;
  lostReported: boolean;
  /** Fetches in a row that came back already expired (a clock skew between Vault and this host). */
  expiredOnArrival: number;
  /** The retry waiting for its backoff, or the work parked while Vault is not serving; run at once when Vault is back ({@link LeaseManager.recover}). */
  retryTask?: () => void;
  /** True while `retryTask` is parked (no request until recovery; the timer only marks the lease lost at expiry). */
  parked?: boolean;
}

const LEASE_LOST = /lease not found|lease expired|invalid lease/i;

/** First wait, in milliseconds, after a secret came back already expired: 1-2 s, doubling up to {@link ARRIVAL_BACKOFF_MAX_MS}. */
const ARRIVAL_BACKOFF_BASE_MS = 2000;
/** Longest wait, in milliseconds, between fetches of a secret that keeps coming back expired (5 minutes). */
const ARRIVAL_BACKOFF_MAX_MS = 300_000;
const NOT_RENEWABLE = /not renewable|cannot be renewed/i;

/**
 * Keeps leased and expiring secrets alive (https://developer.hashicorp.com/vault/api-docs/system/leases): renews renewable leases with
 * `PUT sys/leases/renew` (`increment` in seconds) at about two thirds of the time left, with
 * jitter; when a renewal comes back shorter than asked (max TTL) or the lease is not renewable,
 * fetches the replacement early (at least `overlapMs` before expiry), announces the rotation,
 * and revokes the old lease (`PUT sys/leases/revoke`) only after the handlers finished or timed out.
 * Transient errors are retried with backoff bounded by the expiry. A lease Vault no longer knows
 * (`lease not found`, revoked with its token) is replaced at once, logged once.
 * Secrets without a lease but with an expiry (certificates) or a refresh time (static roles)
 * are re-fetched the same way.
 */
export class LeaseManager {
  readonly #deps: LeaseManagerDeps;
  readonly #random: () => number;
  readonly #managed = new Map<string, Managed<unknown>>();
  readonly #pending = new Map<string, Promise<Managed<unknown>>>();
  /** One replacement at a time per key: a concurrent request joins the one in flight. */
  readonly #replacing = new Map<string, Promise<void>>();
  /** Conditions worth showing in `status()` per key (a clipped TTL, an expired certificate). Never a secret. */
  readonly #notices = new Map<string, string>();
  /** Secrets that expired while Vault could not be reached: re-acquired by {@link recover}. */
  readonly #lost = new Map<string, Managed<unknown>>();
  #stopped = false;

  constructor(deps: LeaseManagerDeps) {
    this.#deps = deps;
    this.#random = deps.random ?? Math.random;
  }

  /**
   * The current secret for `spec.key`: fetched and put under management on first use (one fetch
   * for concurrent callers), then kept alive in the background.
   */
  async acquire<T>(spec: ManagedSecretSpec<T>): Promise<ManagedSecretState<T>> {
    const existing = this.#managed.get(spec.key) as Managed<T> | undefined;
    if (existing) return this.#state(existing);
    let pending = this.#pending.get(spec.key) as Promise<Managed<T>> | undefined;
    if (!pending) {
      pending = this.#start(spec);
      this.#pending.set(spec.key, pending as Promise<Managed<unknown>>);
      pending.then(
        () => this.#pending.delete(spec.key),
        () => this.#pending.delete(spec.key),
      );
    }
    return this.#state(await pending);
  }

  /** The current state of a managed secret, if any. */
  get<T>(key: string): ManagedSecretState<T> | undefined {
    const managed = this.#managed.get(key) as Managed<T> | undefined;
    return managed ? this.#state(managed) : undefined;
  }

  /** The Vault path a managed key is fetched from (e.g. `database/creds/app`), if managed. */
  pathOf(key: string): string | undefined {
    return this.#managed.get(key)?.spec.path;
  }

  /** Keys under management. */
  keys(): string[] {
    return [...this.#managed.keys()];
  }

  /**
   * Conditions of managed secrets worth an operator's eye, by key: e.g. a certificate's TTL clipped
   * to its CA's expiry, or a certificate that came back already expired. Never contains a value.
   */
  notices(): Record<string, string> {
    return Object.fromEntries(this.#notices);
  }

  /**
   * Replaces a managed secret now: new lease, rotation announced (handlers awaited), then the old
   * lease revoked. @throws the fetch error; the current secret then stays in use.
   */
  async rotate<T>(key: string, reason: RotationReason = 'manual'): Promise<ManagedSecretState<T>> {
    const managed = this.#managed.get(key) as Managed<T> | undefined;
    if (!managed) throw new VaultRequestError([`no managed secret named "${key}"`]);
    await this.#replace(managed, reason);
    if (this.#stopped) throw new VaultRequestError(['the secrets module was stopped during the rotation; its leases were revoked']);
    return this.#state(managed);
  }

  /** Replaces every leased secret (after a re-login, the old token's leases die with it). */
  async reacquireAll(reason: RotationReason): Promise<void> {
    await Promise.all([...this.#managed.values()].filter((m) => m.current.lease).map((m) => this.#replaceInBackground(m, reason)));
  }

  /**
   * Vault answers again (the supervisor's convergence): secrets that expired meanwhile are
   * fetched again and announced with `reason` (so pools swap), and retries waiting for their
   * backoff run now. Resolves when every one succeeded or failed (failures retry as usual).
   */
  async recover(reason: RotationReason): Promise<void> {
    if (this.#stopped) return;
    const lost = [...this.#lost.values()];
    this.#lost.clear();
    const waiting = [...this.#managed.values()].filter((m) => m.retryTask !== undefined);
    for (const managed of lost) {
      if (this.#managed.has(managed.spec.key)) continue; // the app acquired it again meanwhile
      managed.attempt = 0;
      this.#managed.set(managed.spec.key, managed);
    }
    await Promise.all([
      ...lost.filter((m) => this.#managed.get(m.spec.key) === m).map((m) => this.#replaceInBackground(m, reason)),
      ...waiting.map(async (managed) => {
        const task = managed.retryTask;
        managed.retryTask = undefined;
        managed.parked = false;
        this.#deps.scheduler.cancel(timerName(managed.spec.key));
        task?.();
        await this.#replacing.get(managed.spec.key);
      }),
    ]);
  }

  /** Keys of secrets that expired during an outage and wait for {@link recover}. */
  lostKeys(): string[] {
    return [...this.#lost.keys()];
  }

  /**
   * Stops all timers and revokes every lease the module holds, in parallel, waiting at most
   * `shutdownTimeoutMs` milliseconds. Errors are logged, never thrown.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const key of this.#managed.keys()) this.#deps.scheduler.cancel(timerName(key));
    const timeoutMs = this.#deps.options.shutdownTimeoutMs;
    // Fetches in flight revoke what they obtain once they see #stopped; wait for them (bounded).
    await withDeadline(Promise.allSettled([...this.#pending.values(), ...this.#replacing.values()]), timeoutMs);
    const leases = [...this.#managed.values()].flatMap((m) => (m.current.lease ? [m.current.lease.id] : []));
    this.#managed.clear();
    this.#notices.clear();
    if (leases.length === 0) return;
    await Promise.allSettled(leases.map((id) => this.#revoke(id, timeoutMs)));
  }

  async #start<T>(spec: ManagedSecretSpec<T>): Promise<Managed<T>> {
    const secret = await spec.fetch();
    const issuedAt = this.#deps.clock.now();
    // Fresh credentials are held as long at start-up as at a replacement (e.g. IAM key propagation).
    if (spec.holdMs && !this.#stopped) await holdFor(spec.holdMs);
    const managed: Managed<T> = {
      spec,
      current: freeze(secret),
      issuedAt,
      increment: secret.lease?.duration ?? 0,
      capped: secret.lease ? !secret.lease.renewable : false,
      attempt: 0,
      lostReported: false,
      expiredOnArrival: 0,
    };
    managed.expiresAt = expiryOf(secret, managed.issuedAt);
    const needsCare = secret.lease !== undefined || managed.expiresAt !== undefined || secret.refreshAfterMs !== undefined;
    if (this.#stopped) {
      // Shut down while this fetch was in flight: give the new lease back at once.
      if (secret.lease) await this.#revoke(secret.lease.id, this.#deps.options.shutdownTimeoutMs);
      throw new VaultRequestError(['the secrets module was stopped while this secret was being fetched']);
    }
    if (needsCare) {
      this.#lost.delete(spec.key);
      this.#managed.set(spec.key, managed as Managed<unknown>);
      this.#noteArrival(managed, secret);
      if (managed.expiredOnArrival > 0) this.#refetchAfterBackoff(managed);
      else this.#plan(managed);
    }
    return managed;
  }

  #plan<T>(managed: Managed<T>): void {
    managed.retryTask = undefined;
    managed.parked = false;
    if (this.#stopped || this.#managed.get(managed.spec.key) !== managed) return;
    const now = this.#deps.clock.now();
    const { current } = managed;
    if (!current.lease && current.refreshAfterMs !== undefined) {
      managed.refreshAt = now + current.refreshAfterMs;
      this.#schedule(managed, current.refreshAfterMs, () => void this.#refresh(managed));
      return;
    }
    if (managed.expiresAt === undefined) return;
    const remaining = managed.expiresAt - now;
    const renewAt = renewDelayMs(remaining, this.#random);
    if (current.lease && current.lease.renewable && !managed.capped) {
      this.#schedule(managed, renewAt, () => void this.#renew(managed));
    } else {
      this.#schedule(
        managed,
        this.#replaceDelayMs(managed, remaining, renewAt),
        () => void this.#replaceInBackground(managed, managed.spec.replaceReason ?? 'lease-rotated'),
      );
    }
  }

  /**
   * When to fetch the replacement of a capped or non-renewable secret, in milliseconds from now:
   * at least `overlapMs` before expiry (the handlers need that long), so at once when less is
   * left; a secret whose whole lifetime is shorter than the overlap is replaced at two thirds of it
   * instead (replacing it "at once" every time would loop).
   */
  #replaceDelayMs<T>(managed: Managed<T>, remainingMs: number, renewAtMs: number): number {
    const overlap = this.#deps.options.overlapMs;
    const lifetime = (managed.expiresAt ?? managed.issuedAt) - managed.issuedAt;
    if (lifetime <= overlap) return renewAtMs;
    if (remainingMs <= overlap) return 0;
    return Math.max(0, Math.min(renewAtMs, remainingMs - overlap));
  }

  /**
   * Records what a fetch brought: a notice from the engine (e.g. a clipped TTL) or the fact that
   * the secret came back already expired, which counts towards the re-fetch backoff and is logged
   * once per streak.
   */
  #noteArrival<T>(managed: Managed<T>, secret: EngineSecret<T>): boolean {
    const key = managed.spec.key;
    const now = this.#deps.clock.now();
    const expiry = expiryOf(secret, now);
    if (expiry !== undefined && expiry <= now) {
      if (managed.expiredOnArrival === 0) {
        this.#deps.logger.warn?.(
          `"${key}" came back already expired (expiry ${new Date(expiry).toISOString()}, this host's time ${new Date(now).toISOString()}): check the clocks of Vault and this host; fetching again with backoff`,
        );
      }
      managed.expiredOnArrival += 1;
      this.#notices.set(
        key,
        `came back already expired ${managed.expiredOnArrival} time(s) in a row; check clock skew between Vault and this host`,
      );
      return true;
    }
    managed.expiredOnArrival = 0;
    if (secret.notice) this.#notices.set(key, secret.notice);
    else this.#notices.delete(key);
    return false;
  }

  /** Fetches again after an exponential backoff (1-2 s doubling, up to 5 minutes): never a zero-delay loop. */
  #refetchAfterBackoff<T>(managed: Managed<T>): void {
    const delay = backoffDelayMs(managed.expiredOnArrival - 1, this.#random, ARRIVAL_BACKOFF_BASE_MS, ARRIVAL_BACKOFF_MAX_MS);
    this.#schedule(managed, delay, () => void this.#replaceInBackground(managed, managed.spec.replaceReason ?? 'lease-rotated'));
  }

  #schedule<T>(managed: Managed<T>, delayMs: number, task: () => void): void {
    this.#deps.scheduler.schedule(timerName(managed.spec.key), delayMs, task);
  }

  async #renew<T>(managed: Managed<T>): Promise<void> {
    const lease = managed.current.lease;
    if (!lease || this.#stopped) return;
    if (!this.#open()) return this.#park(managed, () => void this.#renew(managed));
    try {
      const response = await this.#deps.client.request<VaultEnvelope>({
        method: 'PUT',
        path: 'sys/leases/renew',
        body: { lease_id: lease.id, increment: managed.increment },
        priority: 'high',
      });
      const body = response.body;
      const reported = isJsonObject(body) ? body.lease_duration : undefined;
      // A negative duration means "already over": replace now. A missing or non-finite one is malformed: retry.
      const duration = typeof reported === 'number' && reported < 0 ? 0 : reported;
      if (typeof duration !== 'number' || !Number.isFinite(duration)) {
        throw new VaultUnavailableError(
          'sys/leases/renew answered without a usable lease_duration; keeping the current expiry and retrying',
          { path: 'sys/leases/renew' },
        );
      }
      const now = this.#deps.clock.now();
      managed.expiresAt = now + duration * 1000;
      managed.attempt = 0;
      if (duration < managed.increment) {
        managed.capped = true;
        this.#deps.logger.log?.(
          `Lease of "${managed.spec.key}" renewed for ${duration} s, less than the ${managed.increment} s asked (max TTL reached); a replacement will be fetched before it expires`,
        );
      }
      this.#plan(managed);
    } catch (error) {
      this.#onRenewError(managed, toSecretsError(error));
    }
  }

  #onRenewError<T>(managed: Managed<T>, error: SecretsError): void {
    if (this.#stopped) return;
    if (error instanceof VaultUnavailableError) return this.#retry(managed, error, () => void this.#renew(managed));
    const text = error instanceof VaultRequestError ? error.vaultErrors.join(' ') : '';
    if (LEASE_LOST.test(text)) {
      if (!managed.lostReported) {
        managed.lostReported = true;
        this.#deps.logger.warn?.(`Vault no longer knows the lease of "${managed.spec.key}" (${text}); fetching new credentials now`);
      }
      return void this.#replaceInBackground(managed, 'lease-lost');
    }
    if (NOT_RENEWABLE.test(text) || !(error instanceof VaultRequestError)) {
      // Not renewable after all, or renewal forbidden by policy: replace before expiry instead.
      managed.capped = true;
      return this.#plan(managed);
    }
    managed.capped = true;
    this.#plan(managed);
  }

  async #replaceInBackground<T>(managed: Managed<T>, reason: RotationReason): Promise<void> {
    if (!this.#open()) return this.#park(managed, () => void this.#replaceInBackground(managed, reason));
    try {
      await this.#replace(managed, reason);
    } catch (error) {
      this.#retry(managed, toSecretsError(error), () => void this.#replaceInBackground(managed, reason));
    }
  }

  /** Retries with backoff bounded by the expiry; past it, reports the lease as expired. */
  #retry<T>(managed: Managed<T>, error: SecretsError, task: () => void): void {
    if (this.#stopped || this.#managed.get(managed.spec.key) !== managed) return;
    // Vault itself is not serving (the supervisor is degraded): no retry timer, wait for the recovery.
    if (error instanceof VaultUnavailableError && !this.#open()) return this.#park(managed, task);
    const deadline = managed.expiresAt ?? this.#deps.clock.now() + 60_000;
    const delay = boundedRetryDelayMs(managed.attempt, this.#deps.clock.now(), deadline, this.#random);
    managed.attempt += 1;
    if (delay === undefined) return this.#expire(managed, error, deadline);
    this.#deps.logger.warn?.(`Keeping "${managed.spec.key}" alive failed (${error.message}); retrying in ${delay} ms`);
    managed.retryTask = task;
    this.#schedule(managed, delay, task);
  }

  #open(): boolean {
    return this.#deps.gate?.() ?? true;
  }

  /**
   * Vault is not serving: keeps `task` for {@link recover} and sends nothing meanwhile. The only
   * timer left is at the expiry, which marks the secret lost (`secrets.lease.expired`) without a request.
   */
  #park<T>(managed: Managed<T>, task: () => void): void {
    if (this.#stopped || this.#managed.get(managed.spec.key) !== managed) return;
    managed.retryTask = task;
    managed.parked = true;
    const expiresAt = managed.expiresAt;
    if (expiresAt === undefined) return this.#deps.scheduler.cancel(timerName(managed.spec.key));
    this.#schedule(managed, expiresAt - this.#deps.clock.now(), () =>
      this.#expire(
        managed,
        new VaultUnavailableError('Vault did not serve until the secret expired', { path: managed.spec.path }),
        expiresAt,
      ),
    );
  }

  /** The secret expired before it could be renewed or replaced: announced, kept aside for {@link recover} unless Vault refused it. */
  #expire<T>(managed: Managed<T>, error: SecretsError, deadline: number): void {
    if (this.#stopped || this.#managed.get(managed.spec.key) !== managed) return;
    this.#deps.logger.error?.(`The secret "${managed.spec.key}" expired before it could be renewed or replaced: ${error.message}`);
    this.#deps.events.emit(SecretsEvents.LeaseExpired, new LeaseExpiredEvent(managed.spec.key, managed.current.lease?.id, deadline, error));
    this.#managed.delete(managed.spec.key);
    this.#notices.delete(managed.spec.key);
    this.#deps.scheduler.cancel(timerName(managed.spec.key));
    managed.retryTask = undefined;
    managed.parked = false;
    // Kept aside: when Vault answers again the supervisor has it fetched again and announced.
    if (!(error instanceof VaultRequestError)) this.#lost.set(managed.spec.key, managed as Managed<unknown>);
  }

  #replace<T>(managed: Managed<T>, reason: RotationReason): Promise<void> {
    const key = managed.spec.key;
    const inFlight = this.#replacing.get(key);
    if (inFlight) return inFlight;
    const run = this.#replaceNow(managed, reason).finally(() => {
      if (this.#replacing.get(key) === run) this.#replacing.delete(key);
    });
    this.#replacing.set(key, run);
    return run;
  }

  async #replaceNow<T>(managed: Managed<T>, reason: RotationReason): Promise<void> {
    const next = freeze(await managed.spec.fetch());
    if (this.#noteArrival(managed, next)) {
      // An expired copy is no better than the one in use: give its lease back, keep the current one, try later.
      if (next.lease) await this.#revoke(next.lease.id);
      if (!this.#stopped) this.#refetchAfterBackoff(managed);
      return;
    }
    const issuedAt = this.#deps.clock.now();
    if (managed.spec.holdMs) await holdFor(managed.spec.holdMs);
    if (this.#stopped) {
      if (next.lease) await this.#revoke(next.lease.id, this.#deps.options.shutdownTimeoutMs);
      return;
    }
    const previous = managed.current;
    const previousExpired = managed.expiresAt !== undefined && managed.expiresAt <= this.#deps.clock.now();
    managed.current = next;
    managed.issuedAt = issuedAt;
    managed.expiresAt = expiryOf(next, managed.issuedAt);
    managed.increment = next.lease?.duration ?? 0;
    managed.capped = next.lease ? !next.lease.renewable : false;
    managed.attempt = 0;
    managed.lostReported = false;
    this.#plan(managed);
    await this.#announce(managed, previous, next, reason);
    if (previous.lease && previous.lease.id !== next.lease?.id && reason !== 'lease-lost' && !previousExpired) {
      await this.#revoke(previous.lease.id);
    }
  }

  /** Re-reads a secret without a lease (static role) and announces it when its value changed. */
  async #refresh<T>(managed: Managed<T>): Promise<void> {
    if (!this.#open()) return this.#park(managed, () => void this.#refresh(managed));
    try {
      const next = freeze(await managed.spec.fetch());
      const changed = next.version !== managed.current.version || !isDeepStrictEqual(next.data, managed.current.data);
      managed.expiresAt = undefined;
      managed.attempt = 0;
      if (!changed) {
        managed.current = next;
        return this.#plan(managed);
      }
      const previous = managed.current;
      managed.current = next;
      managed.issuedAt = this.#deps.clock.now();
      managed.attempt = 0;
      this.#plan(managed);
      await this.#announce(managed, previous, next, managed.spec.replaceReason ?? 'static-role-rotated');
    } catch (error) {
      const failure = toSecretsError(error);
      this.#deps.logger.warn?.(`Re-reading "${managed.spec.key}" failed (${failure.message}); retrying`);
      managed.expiresAt ??= this.#deps.clock.now() + 60_000;
      this.#retry(managed, failure, () => void this.#refresh(managed));
    }
  }

  /** Announces a change of `managed` from `previous` to `next` and waits for the handlers. */
  async #announce<T>(managed: Managed<T>, previous: EngineSecret<T>, next: EngineSecret<T>, reason: RotationReason): Promise<void> {
    const event = new SecretRotatedEvent(
      {
        key: managed.spec.key,
        engine: managed.spec.engine,
        path: managed.spec.path,
        reason,
        previousVersion: previous.version,
        currentVersion: next.version,
        previousLeaseId: previous.lease?.id,
        currentLeaseId: next.lease?.id,
        at: managed.issuedAt,
      },
      next.data,
    );
    await this.#deps.orchestrator.announce(event);
  }

  /** `PUT sys/leases/revoke`; errors are logged. */
  async #revoke(leaseId: string, timeoutMs?: number): Promise<void> {
    try {
      await this.#deps.client.request({
        method: 'PUT',
        path: 'sys/leases/revoke',
        body: { lease_id: leaseId },
        priority: 'high',
        ...(timeoutMs ? { timeoutMs } : {}),
      });
    } catch (error) {
      this.#deps.logger.warn?.(`Could not revoke lease ${leaseId}: ${toSecretsError(error).message}`);
    }
  }

  #state<T>(managed: Managed<T>): ManagedSecretState<T> {
    const lease = managed.current.lease;
    return {
      key: managed.spec.key,
      data: managed.current.data,
      leaseId: lease?.id,
      leaseDuration:
        managed.expiresAt === undefined || !lease
          ? (lease?.duration ?? 0)
          : Math.max(0, Math.round((managed.expiresAt - this.#deps.clock.now()) / 1000)),
      renewable: lease?.renewable === true && !managed.capped,
      issuedAt: managed.issuedAt,
      expiresAt: managed.expiresAt,
      ...(managed.refreshAt === undefined ? {} : { refreshAt: managed.refreshAt }),
      version: managed.current.version,
    };
  }

  toJSON(): Record<string, unknown> {
    return { managed: this.keys() };
  }

  [inspect.custom](): string {
    return `LeaseManager { managed: ${inspect(this.keys())} }`;
  }
}

/** Resolves when `promise` settles or after `ms` milliseconds, whichever comes first (the timer is unref'd). */
async function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

function timerName(key: string): string {
  return `secrets:lease:${key}`;
}

function expiryOf(secret: EngineSecret<unknown>, issuedAt: number): number | undefined {
  if (secret.lease && secret.lease.duration > 0) {
    const leaseExpiry = issuedAt + secret.lease.duration * 1000;
    return secret.expiresAt === undefined ? leaseExpiry : Math.min(leaseExpiry, secret.expiresAt);
  }
  return secret.expiresAt;
}

/** Waits `ms` milliseconds on an unref'd timer (never holds the process open). */
function holdFor(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
}

function freeze<T>(secret: EngineSecret<T>): EngineSecret<T> {
  deepFreeze(secret.data);
  return secret;
}

function toSecretsError(error: unknown): SecretsError {
  if (error instanceof SecretsError) return error;
  return new VaultRequestError([error instanceof Error ? error.message : String(error)]);
}
