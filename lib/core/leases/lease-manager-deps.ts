import type { SecretsLogger } from '../../util/secrets-logger.js';
import type { VaultRequester } from '../../contracts/vault-requester.js';
import type { SecretsEventBus } from '../../events/secrets-event-bus.js';
import type { RotationOrchestrator } from '../rotation/rotation.orchestrator.js';
import type { Clock } from '../../timing/clock.js';
import type { TaskScheduler } from '../../timing/task-scheduler.js';

/** Lease manager settings, all in milliseconds. */
export interface LeaseManagerOptions {
  /** Fetch a replacement at least this long before the old lease expires. Default 30000. */
  overlapMs: number;
  /** Longest wait for revocations on shutdown. Default 5000. */
  shutdownTimeoutMs: number;
}

/** What the lease manager knows of the module's token (the token manager's `TokenInfo` fits). Never the token. */
export interface LeaseTokenLife {
  accessor?: string;
  /** The token's hard end, ms since the epoch (its leases are revoked then); undefined while unknown. */
  maxExpiresAt?: number;
  /** The token's max TTL in seconds; undefined while unknown. */
  maxTtl?: number;
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
   * degraded). While closed the work is parked with no retry timer until `LeaseManager.recover`;
   * a lease that reaches its expiry meanwhile is only marked lost. Default: always open.
   */
  gate?: () => boolean;
  /** The module's token now (undefined without one, e.g. behind a Vault Agent): leases are bound to the token that fetched them. */
  token?: () => LeaseTokenLife | undefined;
  /**
   * Obtains a new token now (a login; its re-login listeners re-acquire the leases). Undefined when
   * the module cannot log in (a token given to it): leases then end with that token.
   */
  refreshToken?: (reason: string) => Promise<unknown>;
}
