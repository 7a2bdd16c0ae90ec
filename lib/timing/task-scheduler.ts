import { processWide } from '../util/build-registry.js';

/**
 * The part of `@nestjs/schedule`'s `SchedulerRegistry` the scheduler uses, declared here so the
 * framework-free core never imports `@nestjs/schedule` (its `SchedulerRegistry` fits as it is).
 */
export interface TimeoutRegistry {
  /** Registers a timer under `name`. */
  addTimeout(name: string, timeout: NodeJS.Timeout): void;
  /** Whether a timer of that name is registered. */
  doesExist(type: 'timeout', name: string): boolean;
  /** Removes the timer of that name from the registry. */
  deleteTimeout(name: string): void;
}

/** Module instances per registry, shared by the ESM and CommonJS builds (see `processWide`). */
const schedulersPerRegistry = processWide('schedulers-per-registry', () => new WeakMap<TimeoutRegistry, number>());

/** Longest delay a Node.js timer accepts (about 24.8 days), in milliseconds. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * Runs named one-shot tasks later. Each name holds at most one task: scheduling a name again
 * replaces the previous task.
 */
export interface TaskScheduler {
  /** Runs `task` after `delayMs` milliseconds. */
  schedule(name: string, delayMs: number, task: () => void): void;
  /** Cancels the task of that name, if any. */
  cancel(name: string): void;
  /** Cancels every task this scheduler holds. */
  cancelAll(): void;
  /** Names of the tasks waiting to run. */
  pending(): string[];
}

/**
 * {@link TaskScheduler} on Node.js timers. Timers are `unref`'d (they never hold the process
 * open). When a `SchedulerRegistry` from `@nestjs/schedule` is given, each timer is registered
 * there under its name, so it shows in the app's registry; it is removed when it runs or is cancelled.
 * Delays beyond the timer limit are reached in steps.
 */
export class TimerScheduler implements TaskScheduler {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #registry: TimeoutRegistry | undefined;
  /** '' for the first scheduler on a registry, `#2`, `#3` ... for more module instances in the same app; `@<name>` for a named Vault. */
  #suffix = '';
  readonly #name: string | undefined;

  /**
   * @param registry - `SchedulerRegistry` of `@nestjs/schedule` to register timers in (or later, with {@link useRegistry}).
   * @param name - the named Vault these timers belong to: registered names end with `@<name>`.
   */
  constructor(registry?: TimeoutRegistry, name?: string) {
    this.#name = name;
    if (name !== undefined) this.#suffix = `@${name}`;
    if (registry) this.useRegistry(registry);
  }

  /** Registers the timers (those waiting and those to come) in `registry`. Once per scheduler. */
  useRegistry(registry: TimeoutRegistry): void {
    if (this.#registry) return;
    this.#registry = registry;
    if (this.#name === undefined) {
      const count = (schedulersPerRegistry.get(registry) ?? 0) + 1;
      schedulersPerRegistry.set(registry, count);
      this.#suffix = count === 1 ? '' : `#${count}`;
    }
    for (const [name, timer] of this.#timers) registry.addTimeout(this.registeredName(name), timer);
  }

  /** The name a task is registered under in `SchedulerRegistry` (the given name, plus `#n` for a second module instance). */
  registeredName(name: string): string {
    return `${name}${this.#suffix}`;
  }

  schedule(name: string, delayMs: number, task: () => void): void {
    this.cancel(name);
    const wait = Math.max(0, Math.min(delayMs, MAX_TIMER_DELAY_MS));
    const timer = setTimeout(() => {
      this.#forget(name, timer);
      if (delayMs > MAX_TIMER_DELAY_MS) this.schedule(name, delayMs - MAX_TIMER_DELAY_MS, task);
      else task();
    }, wait);
    timer.unref();
    this.#timers.set(name, timer);
    this.#registry?.addTimeout(this.registeredName(name), timer);
  }

  cancel(name: string): void {
    const timer = this.#timers.get(name);
    if (!timer) return;
    clearTimeout(timer);
    this.#forget(name, timer);
  }

  cancelAll(): void {
    for (const name of [...this.#timers.keys()]) this.cancel(name);
  }

  pending(): string[] {
    return [...this.#timers.keys()];
  }

  #forget(name: string, timer: NodeJS.Timeout): void {
    if (this.#timers.get(name) !== timer) return;
    this.#timers.delete(name);
    const registered = this.registeredName(name);
    if (this.#registry?.doesExist('timeout', registered)) this.#registry.deleteTimeout(registered);
  }
}
