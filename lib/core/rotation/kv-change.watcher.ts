import { inspect } from 'node:util';
import type { SecretsLogger } from '../../util/secrets-logger.js';
import { RequestLimiter } from '../../transport/request-limiter.js';
import { SecretNotFoundError } from '../../errors/secret-not-found.error.js';
import { SecretsError } from '../../errors/secrets.error.js';
import { SecretDeletedEvent } from '../../events/secret-deleted.event.js';
import type { SecretsEventBus } from '../../events/secrets-event-bus.js';
import type { TaskScheduler } from '../../timing/task-scheduler.js';
import { SecretsEvents } from '../../events/secrets-events.js';

/** Name of the watcher's poll timer in `SchedulerRegistry`. */
export const KV_WATCH_TIMEOUT_NAME = 'secrets:kv-watch';

/** What the watcher needs from the read path. */
export interface KvWatchSource {
  /** The key's latest version number (KV v2 `current_version` from metadata), or a content fingerprint on KV v1. */
  currentVersion(key: string): Promise<string | number>;
  /** Re-reads the key bypassing the cache and announces the change (`version-changed`). */
  onChanged(key: string, previous: string | number, current: string | number): Promise<void>;
  /** Drops the key from the cache. */
  forget(key: string): void;
}

/** Watcher settings. */
export interface KvWatcherOptions {
  /** Poll period in milliseconds (jittered by up to 10%). */
  intervalMs: number;
  /** Keys polled at most at once. */
  concurrency: number;
  /** Asked before each poll (the supervisor: false while degraded); a closed gate skips the poll and keeps ticking. Default: always open. */
  canPoll?: () => boolean;
}

/**
 * Polls KV metadata (`GET <mount>/metadata/<path>`, one request per watched key per interval,
 * with jitter) and, when `current_version` changes, refreshes the cache and announces the
 * rotation once. A deleted or destroyed latest version emits `secrets.deleted` and drops the
 * cached value. Watches the keys the app has read plus any listed in `watch.keys`.
 */
export class KvChangeWatcher {
  readonly #known = new Map<string, string | number | undefined>();
  /** Keys whose latest version is gone (deleted, destroyed), with the last version seen before. */
  readonly #gone = new Map<string, string | number | undefined>();
  /** One check per key at a time; a request arriving meanwhile is merged into one follow-up check. */
  readonly #checking = new Map<string, { run: Promise<void>; again: boolean }>();
  #running = false;
  #stopped = false;

  constructor(
    private readonly source: KvWatchSource,
    private readonly scheduler: TaskScheduler,
    private readonly events: SecretsEventBus,
    private readonly logger: SecretsLogger,
    private readonly clock: { now(): number },
    private readonly options: KvWatcherOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Starts polling (idempotent); the first poll is scheduled once there is a key to watch. */
  start(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    if (this.#known.size > 0) this.#scheduleNext();
  }

  /** Watches `key`; `version` is the version the app now holds, when known. */
  track(key: string, version?: string | number): void {
    const first = this.#known.size === 0;
    if (!this.#known.has(key) || version !== undefined) this.#known.set(key, version);
    if (first && this.#running) this.#scheduleNext();
  }

  /** Keys being watched. */
  keys(): string[] {
    return [...this.#known.keys()];
  }

  /** Polls every watched key once now. Exposed so tests and `rotateSecret` can force a check. */
  async pollOnce(): Promise<void> {
    const limiter = new RequestLimiter(this.options.concurrency);
    await Promise.all([...this.#known.keys()].map((key) => limiter.run(() => this.#checkOnce(key))));
  }

  /** Checks one watched key now (a change event from Vault said it changed); unwatched keys are ignored. */
  async checkNow(key: string): Promise<void> {
    if (this.#known.has(key) && !this.#stopped) await this.#checkOnce(key);
  }

  /** Runs {@link #check} for `key` unless one is running; then asks for one more run after it. */
  #checkOnce(key: string): Promise<void> {
    const running = this.#checking.get(key);
    if (running) {
      running.again = true;
      return running.run;
    }
    const entry = { run: Promise.resolve(), again: false };
    entry.run = (async () => {
      do {
        entry.again = false;
        await this.#check(key);
      } while (entry.again && !this.#stopped);
    })().finally(() => this.#checking.delete(key));
    this.#checking.set(key, entry);
    return entry.run;
  }

  /** Stops polling. */
  stop(): void {
    this.#stopped = true;
    this.#running = false;
    this.scheduler.cancel(KV_WATCH_TIMEOUT_NAME);
  }

  #scheduleNext(): void {
    if (!this.#running || this.#stopped) return;
    const delay = Math.floor(this.options.intervalMs * (0.9 + 0.1 * this.random()));
    this.scheduler.schedule(KV_WATCH_TIMEOUT_NAME, delay, () => {
      // While Vault is not serving, skip the poll (no per-key gate errors); the recovery polls once.
      if (this.options.canPoll?.() === false) return this.#scheduleNext();
      void this.pollOnce().finally(() => this.#scheduleNext());
    });
  }

  async #check(key: string): Promise<void> {
    const previous = this.#known.get(key);
    let current: string | number;
    try {
      current = await this.source.currentVersion(key);
    } catch (error) {
      if (error instanceof SecretNotFoundError) {
        if (this.#gone.has(key)) return;
        this.#gone.set(key, previous);
        this.source.forget(key);
        // A mount that vanished is reported like a deleted secret: it is gone until someone mounts it again.
        const reason = error.reason === 'no-mount' ? 'missing' : error.reason;
        this.logger.warn?.(`Watched secret "${key}" is gone (${reason})`);
        this.events.emit(SecretsEvents.Deleted, new SecretDeletedEvent(key, reason, error.version, this.clock.now()));
        return;
      }
      // Outages and permission problems: keep what we have and try again next round.
      const message = error instanceof SecretsError ? error.message : String(error);
      this.logger.debug?.(`Checking "${key}" for changes failed: ${message}`);
      return;
    }
    const wasGone = this.#gone.has(key);
    const before = wasGone ? this.#gone.get(key) : previous;
    this.#gone.delete(key);
    if (before === undefined) {
      this.#known.set(key, current);
      return;
    }
    // A key deleted and re-created reaches the same version number again: still a change.
    if (current === before && !wasGone) return;
    this.#known.set(key, current);
    try {
      await this.source.onChanged(key, before, current);
    } catch (error) {
      this.#known.set(key, previous);
      if (wasGone) this.#gone.set(key, before);
      this.logger.warn?.(`Secret "${key}" changed but could not be re-read: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  toJSON(): Record<string, unknown> {
    return { watching: this.keys() };
  }

  [inspect.custom](): string {
    return `KvChangeWatcher { watching: ${this.#known.size} keys }`;
  }
}
