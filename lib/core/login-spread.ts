import type { TaskScheduler } from '../timing/task-scheduler.js';

/**
 * Window over which a recovery login is spread, in milliseconds, when the recovery was not
 * planned (a read's early probe or the health indicator's probe found Vault serving) and the
 * token expired during the outage: a fleet of replicas that are all reading finds Vault back
 * within the same ~2 s and would otherwise log in together. Planned probes are already spread by
 * their jittered ladder (15-30 s at the cap).
 */
export const RECOVERY_LOGIN_SPREAD_MS = 12_000;

/** Name of the login-spread timer in the scheduler (and `SchedulerRegistry`). */
export const LOGIN_SPREAD_TIMEOUT_NAME = 'secrets:supervisor-login-spread';

/** Thrown into a waiting attempt when the module stops. */
class LoginSpreadCancelled extends Error {
  constructor() {
    super('the module stopped before the recovery login');
    this.name = 'LoginSpreadCancelled';
  }
}

/**
 * The wait before a spread recovery login: a random delay in [0, {@link RECOVERY_LOGIN_SPREAD_MS})
 * ms on the module's scheduler (so fake clocks drive it), one at a time.
 */
export class LoginSpread {
  readonly #scheduler: TaskScheduler;
  readonly #random: () => number;
  #cancel: (() => void) | undefined;

  constructor(scheduler: TaskScheduler, random: () => number) {
    this.#scheduler = scheduler;
    this.#random = random;
  }

  /**
   * Waits the random delay; `onPlanned` is told its length in milliseconds first (for `status()`).
   * @throws Error when {@link cancel} is called meanwhile (the module stops).
   */
  wait(onPlanned: (delayMs: number) => void): Promise<void> {
    const delayMs = Math.floor(this.#random() * RECOVERY_LOGIN_SPREAD_MS);
    onPlanned(delayMs);
    return new Promise<void>((resolve, reject) => {
      this.#cancel = () => reject(new LoginSpreadCancelled());
      this.#scheduler.schedule(LOGIN_SPREAD_TIMEOUT_NAME, delayMs, () => {
        this.#cancel = undefined;
        resolve();
      });
    });
  }

  /** Ends a wait in progress with an error (the module stops). */
  cancel(): void {
    this.#scheduler.cancel(LOGIN_SPREAD_TIMEOUT_NAME);
    this.#cancel?.();
    this.#cancel = undefined;
  }
}
