import type { SecretsEventBus } from '../events/secrets-event-bus.js';
import type { Clock } from '../timing/clock.js';
import type { TaskScheduler } from '../timing/task-scheduler.js';
import type { VaultTransport } from '../transport/vault-transport.js';
import type { SecretsLogger } from '../util/secrets-logger.js';
import type { VaultTelemetry } from '../telemetry/vault-telemetry.js';

/** Collaborators that can be swapped: tests inject a clock, a logger and a jitter source; Nest injects its SchedulerRegistry-backed scheduler and EventEmitter2. */
export interface SecretsCoreDeps {
  clock?: Clock;
  logger?: SecretsLogger;
  scheduler?: TaskScheduler;
  events?: SecretsEventBus;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Replaces the HTTP client (the in-memory Vault of `SecretsTestingModule`). */
  transport?: VaultTransport;
  /** The named Vault (`vault.name` in telemetry); undefined for the default one. */
  vaultName?: string;
  /** Replaces the telemetry built from the config (tests share one with their own client). */
  telemetry?: VaultTelemetry;
}
