import type { SecretsLogger } from '../util/secrets-logger.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import type { SecretsError } from '../errors/secrets.error.js';
import type { SecretsEventBus } from '../events/secrets-event-bus.js';
import type { TaskScheduler } from '../timing/task-scheduler.js';
import type { Clock } from '../timing/clock.js';
import type { AuthMethod } from '../contracts/auth-method.js';
import type { TokenSendGate } from './token-send-gate.js';

/** Collaborators of the `TokenManager`. */
export interface TokenManagerDeps {
  client: VaultRequester;
  method: AuthMethod;
  clock: Clock;
  scheduler: TaskScheduler;
  events: SecretsEventBus;
  logger: SecretsLogger;
  /** Called once when renewal and re-login fail for good. Errors it throws are logged and ignored. */
  onTokenRenewalFailed?: (error: SecretsError) => void | Promise<void>;
  /** Told about every failure for good (the supervisor: the module becomes degraded with reason `auth-failed`). */
  onFault?: (error: SecretsError) => void;
  /** Renew tokens in the background (default true). */
  renew?: boolean;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /**
   * Namespace the token lives in (`auth.namespace`, canonical, `''` = root). Logins, renewals,
   * lookups and revocations of the token are sent there; undefined = the client's namespace.
   */
  namespace?: string;
  /**
   * Asked before a renewal or a scheduled re-login is sent (the supervisor): while closed they
   * are parked until `TokenManager.resume()`. Default: always open.
   */
  gate?: TokenSendGate;
  /** A held login's credential file changed: the core asks the supervisor for an attempt now. */
  onCredentialChange?: () => void;
}
