import type { SecretsLogger } from '../util/secrets-logger.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import { isJsonObject, type VaultEnvelope } from '../transport/vault-envelope.js';
import { AuthFailedError } from '../errors/auth-failed.error.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';
import { PermissionDeniedError } from '../errors/permission-denied.error.js';
import type { SecretsError } from '../errors/secrets.error.js';
import { VaultRequestError } from '../errors/vault-request.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import { boundedRetryDelayMs, renewDelayMs } from '../timing/renewal-timing.js';
import type { TaskScheduler } from '../timing/task-scheduler.js';
import type { Clock } from '../timing/clock.js';
import { SecretsEvents } from '../events/secrets-events.js';
import { TokenExpiringEvent } from '../events/token-expiring.event.js';
import { TokenRenewedEvent } from '../events/token-renewed.event.js';
import { asSecretsError } from './login-error.js';
import type { TokenSendGate } from './token-send-gate.js';
import { TOKEN_EXPIRY_MARGIN_MS, type TokenState } from './token-state.js';

/** Name of the renewal timeout in `SchedulerRegistry`. */
export const TOKEN_RENEWAL_TIMEOUT_NAME = 'secrets:token-renewal';

/** Longest spread, in milliseconds, of a renewal parked during an outage and run at recovery (a fleet does not renew at once). */
export const RESUME_SPREAD_MS = 10_000;

/** What the renewal needs from the token manager. */
export interface TokenRenewalHost {
  client: VaultRequester;
  clock: Clock;
  scheduler: TaskScheduler;
  logger: SecretsLogger;
  random: () => number;
  gate?: TokenSendGate;
  /** Whether the method can log in again (false for a token given to the module). */
  canLogin: () => boolean;
  /** The token in use now (a renewal of another one is stale). */
  current: () => TokenState | undefined;
  stopped: () => boolean;
  relogin: (reason: string) => Promise<unknown>;
  reportFailure: (error: SecretsError) => void;
  emit: (event: string, payload: object) => void;
  /** A renewal granted `grantedSeconds` for `askedSeconds` (the lifetime bookkeeping learns a cap). */
  renewed?: (state: TokenState, grantedSeconds: number, askedSeconds: number) => void;
}

/**
 * Keeps the token alive: `POST auth/token/renew-self` at about two thirds of its time left (with
 * jitter), a scheduled re-login before expiry when renewal is capped or impossible, bounded
 * retries of errors on the renewal path. Asks the gate (the supervisor) first: while Vault is not
 * serving, nothing is sent and no retry timer runs; the work is parked until {@link resume}.
 */
export class TokenRenewal {
  readonly #host: TokenRenewalHost;
  #parked: { kind: 'renew' | 'relogin'; state: TokenState } | undefined;
  #expiringReported = false;

  constructor(host: TokenRenewalHost) {
    this.#host = host;
  }

  /** True while a renewal or re-login waits for Vault to serve again. */
  get parked(): 'renew' | 'relogin' | undefined {
    return this.#parked?.kind;
  }

  /** A new token: plans its renewal from scratch. */
  start(state: TokenState): void {
    this.#parked = undefined;
    this.#expiringReported = false;
    this.schedule(state);
  }

  /** Decides what happens next for this token and when. */
  schedule(state: TokenState, attempt = 0): void {
    const h = this.#host;
    if (h.stopped() || state.expiresAt === undefined) return;
    const timeLeft = state.expiresAt - h.clock.now();
    if (state.renewable) {
      this.#at(renewDelayMs(timeLeft, h.random), () => void this.#renew(state, attempt));
    } else if (h.canLogin()) {
      this.#at(renewDelayMs(timeLeft, h.random), () => void this.#scheduledRelogin(state, 0));
    } else {
      this.#warnExpiring(state, 'the token is not renewable and was given to the module, so it cannot log in again');
    }
  }

  /**
   * Vault serves again (a recovery step): a parked renewal runs within
   * `random · min(10 s, time left / 3)`, a parked re-login at once. A token that expired meanwhile
   * was already replaced by the recovery's login.
   */
  resume(): void {
    const parked = this.#parked;
    this.#parked = undefined;
    const h = this.#host;
    if (!parked || h.stopped() || h.current() !== parked.state || parked.state.expiresAt === undefined) return;
    const timeLeft = parked.state.expiresAt - h.clock.now();
    if (timeLeft <= TOKEN_EXPIRY_MARGIN_MS) return;
    if (parked.kind === 'relogin') return this.#at(0, () => void this.#scheduledRelogin(parked.state, 0));
    this.#at(Math.floor(h.random() * Math.min(RESUME_SPREAD_MS, timeLeft / 3)), () => void this.#renew(parked.state, 0));
  }

  /** Cancels the timer (shutdown). */
  cancel(): void {
    this.#parked = undefined;
    this.#host.scheduler.cancel(TOKEN_RENEWAL_TIMEOUT_NAME);
  }

  #at(delayMs: number, task: () => void): void {
    this.#host.scheduler.schedule(TOKEN_RENEWAL_TIMEOUT_NAME, delayMs, task);
  }

  #gateOpen(): boolean {
    return this.#host.gate?.isOpen() ?? true;
  }

  #park(kind: 'renew' | 'relogin', state: TokenState): void {
    if (this.#parked === undefined)
      this.#host.logger.log?.(`Vault token ${kind === 'renew' ? 'renewal' : 're-login'} waits until Vault serves again`);
    this.#parked = { kind, state };
    this.#host.scheduler.cancel(TOKEN_RENEWAL_TIMEOUT_NAME);
  }

  async #renew(state: TokenState, attempt: number): Promise<void> {
    const h = this.#host;
    if (h.stopped() || h.current() !== state) return;
    if (!this.#gateOpen()) return this.#park('renew', state);
    try {
      const response = await h.client.request<VaultEnvelope>({
        method: 'POST',
        path: 'auth/token/renew-self',
        token: state.token,
        body: { increment: state.incrementSeconds },
        priority: 'high',
      });
      const auth = isJsonObject(response.body) && isJsonObject(response.body.auth) ? response.body.auth : undefined;
      if (!auth || typeof auth.lease_duration !== 'number' || !Number.isFinite(auth.lease_duration) || auth.lease_duration < 0) {
        throw new MalformedResponseError('renew-self must return auth.lease_duration', {
          path: 'auth/token/renew-self',
          status: response.status,
        });
      }
      const ttl = auth.lease_duration;
      const now = h.clock.now();
      state.issuedAt = now;
      state.expiresAt = now + ttl * 1000;
      h.renewed?.(state, ttl, state.incrementSeconds);
      h.emit(SecretsEvents.TokenRenewed, new TokenRenewedEvent(state.accessor, state.expiresAt, 'renewed'));
      if (ttl < state.incrementSeconds) {
        // Capped at the token's max TTL: renewing again only shrinks it. Replace it before expiry.
        state.renewable = false;
        h.logger.log?.(`Vault token renewal capped at ${ttl} s (max TTL reached); a new token will be obtained before expiry`);
      }
      this.schedule(state);
    } catch (error) {
      this.#onRenewError(state, attempt, asSecretsError(error, 'Vault token renewal failed'));
    }
  }

  #onRenewError(state: TokenState, attempt: number, error: SecretsError): void {
    const h = this.#host;
    if (h.stopped() || h.current() !== state) return;
    if (error instanceof VaultUnavailableError) {
      // The supervisor decides whether Vault itself is down; if so, wait for its recovery.
      h.gate?.report?.(error);
      if (!this.#gateOpen()) return this.#park('renew', state);
    }
    if (error instanceof VaultUnavailableError || error instanceof MalformedResponseError) {
      const delay = boundedRetryDelayMs(attempt, h.clock.now(), state.expiresAt ?? Number.POSITIVE_INFINITY, h.random);
      if (delay === undefined) return h.reportFailure(error);
      h.logger.warn?.(`Vault token renewal failed (${error.message}); retrying in ${delay} ms`);
      this.#at(delay, () => void this.#renew(state, attempt + 1));
      return;
    }
    if (error instanceof InvalidTokenError) {
      if (h.canLogin()) return void this.#scheduledRelogin(state, 0);
      return h.reportFailure(error);
    }
    if (error instanceof PermissionDeniedError || error instanceof VaultRequestError) {
      // Not renewable after all (batch, root-like, policy forbids renew-self): replace or keep.
      state.renewable = false;
      return this.schedule(state);
    }
    h.reportFailure(error);
  }

  async #scheduledRelogin(state: TokenState, attempt: number): Promise<void> {
    const h = this.#host;
    if (h.stopped() || h.current() !== state) return;
    if (!this.#gateOpen()) return this.#park('relogin', state);
    try {
      await h.relogin('scheduled replacement before expiry');
    } catch (error) {
      const failure = asSecretsError(error, 'Vault re-login failed');
      if (failure instanceof VaultUnavailableError) {
        h.gate?.report?.(failure);
        if (!this.#gateOpen()) return this.#park('relogin', state);
      }
      const deadline = state.expiresAt ?? Number.POSITIVE_INFINITY;
      const delay = failure instanceof VaultUnavailableError ? boundedRetryDelayMs(attempt, h.clock.now(), deadline, h.random) : undefined;
      if (delay === undefined) return h.reportFailure(failure);
      h.logger.warn?.(`Vault re-login failed (${failure.message}); retrying in ${delay} ms`);
      this.#at(delay, () => void this.#scheduledRelogin(state, attempt + 1));
    }
  }

  #warnExpiring(state: TokenState, reason: string): void {
    const h = this.#host;
    if (this.#expiringReported || state.expiresAt === undefined) return;
    this.#expiringReported = true;
    h.logger.warn?.(
      `Vault token (accessor ${state.accessor ?? 'unknown'}) will expire at ${new Date(state.expiresAt).toISOString()}: ${reason}`,
    );
    h.emit(SecretsEvents.TokenExpiring, new TokenExpiringEvent(state.accessor, state.expiresAt, reason));
    const expiry = state.expiresAt;
    this.#at(expiry - h.clock.now(), () => {
      if (h.current() === state)
        h.reportFailure(new AuthFailedError(`The Vault token expired at ${new Date(expiry).toISOString()} and could not be replaced`));
    });
  }
}
