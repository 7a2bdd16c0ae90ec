import type { SecretsEventBus } from '../events/secrets-event-bus.js';
import type { TaskScheduler } from '../timing/task-scheduler.js';
import type { Clock } from '../timing/clock.js';
import type { SecretsLogger } from '../util/secrets-logger.js';
import type { DegradedReason } from './fault-classifier.js';

/** Can the app get answers from Vault: `starting` before the first attempt ended, `ready`, or `degraded` (see {@link DegradedReason}). */
export type SupervisorState = 'starting' | 'ready' | 'degraded';

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
  /** Set while the token manager holds the login back (lockout-safe): `locked` when Vault said so; `retryAt` in ms since the epoch. */
  login?: { state: 'held' | 'locked'; retryAt: number };
}

/** What the supervisor tells one attempt. */
export interface AttemptOptions {
  /** Another probe just found Vault serving: skip the probe. */
  probed: boolean;
  /**
   * Set when the attempt was not planned (a read's early probe, the health indicator's probe):
   * awaited before a login that recovery from a Vault-wide outage needs (the token expired
   * meanwhile), so a fleet whose reads all found Vault back at once spreads its logins over
   * `RECOVERY_LOGIN_SPREAD_MS` (login-spread.ts). Rejects when the module stops meanwhile.
   */
  beforeLogin?: () => Promise<void>;
}

/** Collaborators of the {@link Supervisor}. */
export interface SupervisorDeps {
  clock: Clock;
  scheduler: TaskScheduler;
  logger: SecretsLogger;
  events: SecretsEventBus;
  /**
   * One attempt to get answers from Vault again: a probe (skipped when `probed`, i.e. another
   * probe just found Vault serving), then the token made good (no request when it is alive and
   * not near expiry; a login when it is dead or missing). Resolves when Vault answers and the token
   * is good; throws the fault otherwise. Never called twice at once.
   */
  attempt: (reason: DegradedReason, options: AttemptOptions) => Promise<void>;
  /** The probe alone (`GET sys/health`, lookup-self behind a proxy that hides it): throws the fault when Vault does not serve. Confirms a path fault. */
  probe?: () => Promise<void>;
  /** Jitter source in [0, 1). */
  random?: () => number;
}
