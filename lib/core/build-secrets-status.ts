import type { LoginHold } from '../auth/login-gate.js';
import type { TokenInfo } from '../auth/token.manager.js';
import type { LeaseManager } from './leases/lease.manager.js';
import type { SecretsStatus } from './secrets-status.js';
import type { SupervisorSnapshot } from './supervisor.js';

/** What `status()` is built from: the supervisor's view, the token, a held login, the leases and the keys served from fallbacks. */
export interface SecretsStatusParts {
  supervisor: SupervisorSnapshot;
  token: TokenInfo | undefined;
  /** The token manager's lockout-safe hold on logins, if any (`TokenManager.loginHold()`). */
  login?: LoginHold | undefined;
  leases: LeaseManager;
  fallbackKeys: Record<string, string>;
}

/** Expiry times (ms since the epoch) of the leased secrets under management. */
export function leaseExpiries(leases: LeaseManager): number[] {
  return leases
    .keys()
    .map((k) => leases.get(k)?.expiresAt)
    .filter((t): t is number => t !== undefined);
}

/** The {@link SecretsStatus} of these parts. Never includes a value or a token. */
export function buildSecretsStatus({ supervisor, token, login, leases, fallbackKeys }: SecretsStatusParts): SecretsStatus {
  const expiries = leaseExpiries(leases);
  return {
    state: supervisor.state,
    ...(supervisor.reason ? { reason: supervisor.reason } : {}),
    ...(supervisor.nextAttemptAt !== undefined ? { nextAttemptAt: supervisor.nextAttemptAt } : {}),
    vault: supervisor.state === 'ready' ? 'up' : supervisor.state === 'degraded' ? 'down' : 'unknown',
    degraded: supervisor.state === 'degraded' || Object.keys(fallbackKeys).length > 0,
    fallbackKeys,
    token: token
      ? {
          accessor: token.accessor,
          expiresAt: token.expiresAt,
          renewable: token.renewable,
          ...(token.maxExpiresAt === undefined ? {} : { maxExpiresAt: token.maxExpiresAt }),
        }
      : undefined,
    leases: {
      count: expiries.length,
      nextExpiry: expiries.length > 0 ? Math.min(...expiries) : undefined,
      notices: leases.notices(),
    },
    ...(login ? { login: { state: login.state, retryAt: login.retryAt, refusedLogins: login.refusedLogins, reason: login.reason } } : {}),
  };
}
