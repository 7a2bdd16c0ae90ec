import { inspect } from 'node:util';
import type { SecretsLogger } from '../util/secrets-logger.js';
import { registerLiveSecret } from '../util/redact.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import { isJsonObject, type VaultEnvelope } from '../transport/vault-envelope.js';
import { AuthFailedError } from '../errors/auth-failed.error.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';
import { PermissionDeniedError } from '../errors/permission-denied.error.js';
import { SecretsError } from '../errors/secrets.error.js';
import { VaultRequestError } from '../errors/vault-request.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import type { SecretsEventBus } from '../events/secrets-event-bus.js';
import { boundedRetryDelayMs, renewDelayMs } from '../timing/renewal-timing.js';
import type { TaskScheduler } from '../timing/task-scheduler.js';
import { SecretsEvents } from '../events/secrets-events.js';
import type { Clock } from '../timing/clock.js';
import type { AuthMethod } from '../contracts/auth-method.js';
import type { AuthResult } from '../contracts/auth-result.js';
import { TokenExpiringEvent } from '../events/token-expiring.event.js';
import { TokenRenewalFailedEvent } from '../events/token-renewal-failed.event.js';
import { TokenRenewedEvent } from '../events/token-renewed.event.js';
import type { TokenSource } from '../contracts/token-source.js';

/** Name of the renewal timeout in `SchedulerRegistry`. */
export const TOKEN_RENEWAL_TIMEOUT_NAME = 'secrets:token-renewal';

/** A token is treated as dead this many milliseconds before its expiry, so no request goes out with it. */
export const TOKEN_EXPIRY_MARGIN_MS = 2000;

/** Longest time `stop()` waits for `revoke-self`, in milliseconds. */
export const REVOKE_ON_SHUTDOWN_TIMEOUT_MS = 2000;

/** What the manager knows about the current token. Times in milliseconds since the epoch. */
export interface TokenInfo {
  accessor?: string;
  policies: readonly string[];
  tokenType: 'service' | 'batch';
  renewable: boolean;
  /** When this token was obtained or last renewed. */
  issuedAt: number;
  /** When it expires; undefined for a token with no TTL (root-like), which is never renewed. */
  expiresAt?: number;
  /** True when the module obtained it by logging in (only those are revoked on shutdown). */
  obtainedByLogin: boolean;
}

interface TokenState extends TokenInfo {
  token: string;
  /** The TTL to ask for at each renewal, in seconds (the TTL the token was issued with). */
  incrementSeconds: number;
}

/** Collaborators of the {@link TokenManager}. */
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
}

/**
 * Owns the module's Vault token: logs in (or looks up a given token), renews it at about two
 * thirds of its time left (`POST auth/token/renew-self`), logs in again before expiry when
 * renewal is capped or impossible, retries transient errors with backoff bounded by the expiry,
 * and reports a failure for good once (log, `secrets.token.renewal-failed`, `onTokenRenewalFailed`).
 *
 * Concurrent callers share one login. The token itself is only in a private field: it never
 * reaches a log, an event or `util.inspect`.
 */
export class TokenManager implements TokenSource {
  readonly #deps: TokenManagerDeps;
  readonly #random: () => number;
  #state: TokenState | undefined;
  #login: Promise<TokenState> | undefined;
  #stopped = false;
  #failedReported = false;
  #expiringReported = false;
  readonly #reloginListeners = new Set<(info: TokenInfo) => void | Promise<void>>();
  /** Releases of the live-token redactions: the current token and the one before it (late errors may quote it). */
  readonly #liveTokens: Array<() => void> = [];
  /** The client, sending every token call to the token's own namespace. */
  readonly #client: VaultRequester;

  constructor(deps: TokenManagerDeps) {
    this.#deps = deps;
    this.#random = deps.random ?? Math.random;
    const namespace = deps.namespace;
    this.#client =
      namespace === undefined ? deps.client : { request: (req) => deps.client.request({ ...req, namespace: req.namespace ?? namespace }) };
  }

  /** Obtains the first token (login or lookup-self) and schedules its renewal. */
  async start(): Promise<TokenInfo> {
    return publicInfo(await this.#currentState());
  }

  /** What is known about the current token, without the token. Undefined before the first login. */
  info(): TokenInfo | undefined {
    return this.#state ? publicInfo(this.#state) : undefined;
  }

  /**
   * Registers a listener called after every re-login (not the first login), so leases that died
   * with the old token can be re-acquired. Returns a function that removes it.
   */
  onReLogin(listener: (info: TokenInfo) => void | Promise<void>): () => void {
    this.#reloginListeners.add(listener);
    return () => this.#reloginListeners.delete(listener);
  }

  /** The token for the next request; logs in first when there is none or it is about to expire. */
  async getToken(): Promise<string | undefined> {
    return (await this.#currentState()).token;
  }

  /**
   * Obtains a token again now (the supervisor's attempt after an auth fault): a login, or for a
   * given token `GET auth/token/lookup-self`. One at a time, shared by concurrent callers.
   * @throws AuthFailedError with Vault's reason when refused; VaultUnavailableError on an outage.
   */
  async reauthenticate(reason = 'the token was found dead'): Promise<TokenInfo> {
    if (this.#stopped) throw new AuthFailedError('The module was stopped');
    return publicInfo(await this.#relogin(reason));
  }

  /**
   * Replaces a token Vault rejected as dead (one login, shared by concurrent callers); nothing
   * to do when the current token is already another one.
   * @throws AuthFailedError carrying Vault's reason when the login is refused or the method cannot
   *   log in (a given token); VaultUnavailableError on an outage.
   */
  async replace(rejected: string | undefined): Promise<void> {
    if (this.#stopped) throw new AuthFailedError('The module was stopped');
    const current = this.#state;
    if (current && current.token !== rejected) return;
    if (!this.#deps.method.canLogin) {
      const failure = new AuthFailedError(
        'The Vault token given to the module is expired or revoked and cannot be replaced; give the module a new token or an auth method that can log in',
      );
      if (current) this.#reportFailure(failure);
      throw failure;
    }
    await this.#relogin('the token was rejected as invalid');
  }

  /** Called by the client on 403 `invalid token`: log in again once (shared by concurrent callers). */
  async handleInvalidToken(rejected: string | undefined): Promise<boolean> {
    try {
      await this.replace(rejected);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Stops renewing; revokes the token with `POST auth/token/revoke-self` only when the module
   * obtained it by login (never a token the app gave), waiting at most 2000 ms.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#deps.scheduler.cancel(TOKEN_RENEWAL_TIMEOUT_NAME);
    // A login in flight revokes its own token when it lands (see #doLogin).
    await this.#login?.catch(() => undefined);
    const state = this.#state;
    try {
      if (!state || !state.obtainedByLogin || state.tokenType === 'batch') return;
      await this.#revokeObtained(state.token, this.#deps.method);
    } finally {
      for (const release of this.#liveTokens.splice(0)) release();
    }
  }

  /** Redacts the token's exact value from every error and log line while it is current (and one token longer). */
  #trackLive(token: string): void {
    this.#liveTokens.push(registerLiveSecret(token));
    while (this.#liveTokens.length > 2) this.#liveTokens.shift()?.();
  }

  /** `POST auth/token/revoke-self` for a token the module logged in for, bounded in time; errors are logged. */
  async #revokeObtained(token: string, method: AuthMethod): Promise<void> {
    if (!method.canLogin || method.name === 'token') return;
    try {
      await this.#client.request({ method: 'POST', path: 'auth/token/revoke-self', token, timeoutMs: REVOKE_ON_SHUTDOWN_TIMEOUT_MS });
    } catch (error) {
      if (!/batch tokens cannot be revoked/.test(describe(error)))
        this.#deps.logger.warn?.(`Could not revoke the Vault token on shutdown: ${describe(error)}`);
    }
  }

  /** Emits without letting a throwing listener break the token lifecycle. */
  #emit(event: string, payload: object): void {
    try {
      this.#deps.events.emit(event, payload);
    } catch (error) {
      this.#deps.logger.error?.(`A listener of ${event} threw: ${describe(error)}`);
    }
  }

  async #currentState(): Promise<TokenState> {
    const state = this.#state;
    if (state && !this.#isExpiring(state)) return state;
    if (state && !this.#deps.method.canLogin) {
      // A token given to the module that has expired is never sent again: it cannot work.
      if (state.expiresAt !== undefined && state.expiresAt <= this.#deps.clock.now()) {
        throw new AuthFailedError(
          `The Vault token given to the module (accessor ${state.accessor ?? 'unknown'}) expired at ${new Date(state.expiresAt).toISOString()} and cannot be replaced; give the module a new token or an auth method that can log in`,
        );
      }
      return state;
    }
    return this.#relogin(state ? 'the token is about to expire' : 'first login');
  }

  #isExpiring(state: TokenState): boolean {
    return state.expiresAt !== undefined && state.expiresAt - this.#deps.clock.now() <= TOKEN_EXPIRY_MARGIN_MS;
  }

  /** One login at a time; every caller waits for the same one. */
  #relogin(reason: string): Promise<TokenState> {
    if (!this.#login) {
      const first = this.#state === undefined;
      this.#login = this.#doLogin(reason, first).finally(() => {
        this.#login = undefined;
      });
    }
    return this.#login;
  }

  async #doLogin(reason: string, first: boolean): Promise<TokenState> {
    const method = this.#deps.method;
    let result: AuthResult;
    try {
      result = await method.login({ client: this.#client });
    } catch (error) {
      throw loginError(error, method.name);
    }
    const problem = authResultProblem(result);
    if (problem) throw new AuthFailedError(`The ${method.name} auth method returned an unusable login result: ${problem}`);
    if (this.#stopped) {
      // The app shut down while this login was in flight: give the new token back at once.
      await this.#revokeObtained(result.token, method);
      throw new AuthFailedError('The module was stopped during a Vault login');
    }
    const now = this.#deps.clock.now();
    // A given token looked up again is the same token: not a re-login (its leases are still good).
    if (!first && this.#state?.token === result.token) first = true;
    const state: TokenState = {
      token: result.token,
      accessor: result.accessor,
      policies: Array.isArray(result.policies) ? result.policies.filter((p): p is string => typeof p === 'string') : [],
      tokenType: result.tokenType,
      renewable: result.renewable && result.tokenType !== 'batch',
      issuedAt: now,
      expiresAt: result.leaseDuration > 0 ? now + result.leaseDuration * 1000 : undefined,
      obtainedByLogin: method.canLogin && method.name !== 'token',
      incrementSeconds: result.leaseDuration,
    };
    this.#state = state;
    this.#trackLive(state.token);
    this.#failedReported = false;
    this.#expiringReported = false;
    this.#deps.logger.log?.(
      `Vault token ${first ? 'obtained' : 'replaced'} (${method.name}, ${reason}); ${state.expiresAt === undefined ? 'no expiry' : `TTL ${result.leaseDuration} s`}, accessor ${state.accessor ?? 'unknown'}`,
    );
    if (!first) {
      this.#emit(
        SecretsEvents.TokenRenewed,
        new TokenRenewedEvent(state.accessor, state.expiresAt ?? Number.POSITIVE_INFINITY, 'logged-in'),
      );
      for (const listener of this.#reloginListeners) {
        Promise.resolve()
          .then(() => listener(publicInfo(state)))
          .catch((error: unknown) => this.#deps.logger.error?.(`A re-login listener failed: ${describe(error)}`));
      }
    }
    this.#scheduleNext(state);
    return state;
  }

  /** Decides what happens next for this token and when. */
  #scheduleNext(state: TokenState, attempt = 0): void {
    if (this.#stopped || this.#deps.renew === false || state.expiresAt === undefined) return;
    const timeLeft = state.expiresAt - this.#deps.clock.now();
    if (state.renewable) {
      this.#schedule(renewDelayMs(timeLeft, this.#random), () => void this.#renew(state, attempt));
    } else if (this.#deps.method.canLogin) {
      this.#schedule(renewDelayMs(timeLeft, this.#random), () => void this.#scheduledRelogin(state, 0));
    } else {
      this.#warnExpiring(state, 'the token is not renewable and was given to the module, so it cannot log in again');
    }
  }

  #schedule(delayMs: number, task: () => void): void {
    this.#deps.scheduler.schedule(TOKEN_RENEWAL_TIMEOUT_NAME, delayMs, task);
  }

  async #renew(state: TokenState, attempt: number): Promise<void> {
    if (this.#stopped || this.#state !== state) return;
    try {
      const response = await this.#client.request<VaultEnvelope>({
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
      const now = this.#deps.clock.now();
      state.issuedAt = now;
      state.expiresAt = now + ttl * 1000;
      this.#emit(SecretsEvents.TokenRenewed, new TokenRenewedEvent(state.accessor, state.expiresAt, 'renewed'));
      if (ttl < state.incrementSeconds) {
        // Capped at the token's max TTL: renewing again only shrinks it. Replace it before expiry.
        state.renewable = false;
        this.#deps.logger.log?.(`Vault token renewal capped at ${ttl} s (max TTL reached); a new token will be obtained before expiry`);
      }
      this.#scheduleNext(state);
    } catch (error) {
      this.#onRenewError(state, attempt, asSecretsError(error, 'Vault token renewal failed'));
    }
  }

  #onRenewError(state: TokenState, attempt: number, error: SecretsError): void {
    if (this.#stopped || this.#state !== state) return;
    if (error instanceof VaultUnavailableError || error instanceof MalformedResponseError) {
      const delay = boundedRetryDelayMs(attempt, this.#deps.clock.now(), state.expiresAt ?? Number.POSITIVE_INFINITY, this.#random);
      if (delay === undefined) return this.#reportFailure(error);
      this.#deps.logger.warn?.(`Vault token renewal failed (${error.message}); retrying in ${delay} ms`);
      this.#schedule(delay, () => void this.#renew(state, attempt + 1));
      return;
    }
    if (error instanceof InvalidTokenError) {
      if (this.#deps.method.canLogin) return void this.#scheduledRelogin(state, 0);
      return this.#reportFailure(error);
    }
    if (error instanceof PermissionDeniedError || error instanceof VaultRequestError) {
      // Not renewable after all (batch, root-like, policy forbids renew-self): replace or keep.
      state.renewable = false;
      return this.#scheduleNext(state);
    }
    this.#reportFailure(error);
  }

  async #scheduledRelogin(state: TokenState, attempt: number): Promise<void> {
    if (this.#stopped || this.#state !== state) return;
    try {
      await this.#relogin('scheduled replacement before expiry');
    } catch (error) {
      const failure = asSecretsError(error, 'Vault re-login failed');
      const deadline = state.expiresAt ?? Number.POSITIVE_INFINITY;
      const delay =
        failure instanceof VaultUnavailableError ? boundedRetryDelayMs(attempt, this.#deps.clock.now(), deadline, this.#random) : undefined;
      if (delay === undefined) return this.#reportFailure(failure);
      this.#deps.logger.warn?.(`Vault re-login failed (${failure.message}); retrying in ${delay} ms`);
      this.#schedule(delay, () => void this.#scheduledRelogin(state, attempt + 1));
    }
  }

  #warnExpiring(state: TokenState, reason: string): void {
    if (this.#expiringReported || state.expiresAt === undefined) return;
    this.#expiringReported = true;
    this.#deps.logger.warn?.(
      `Vault token (accessor ${state.accessor ?? 'unknown'}) will expire at ${new Date(state.expiresAt).toISOString()}: ${reason}`,
    );
    this.#emit(SecretsEvents.TokenExpiring, new TokenExpiringEvent(state.accessor, state.expiresAt, reason));
    const expiry = state.expiresAt;
    this.#schedule(expiry - this.#deps.clock.now(), () => {
      if (this.#state === state)
        this.#reportFailure(new AuthFailedError(`The Vault token expired at ${new Date(expiry).toISOString()} and could not be replaced`));
    });
  }

  #reportFailure(error: SecretsError): void {
    if (this.#stopped) return;
    this.#deps.onFault?.(
      error instanceof AuthFailedError || error instanceof InvalidTokenError
        ? error
        : new AuthFailedError(`Vault token renewal failed for good: ${error.message}`, { cause: error }),
    );
    if (this.#failedReported) return;
    this.#failedReported = true;
    const state = this.#state;
    this.#deps.logger.error?.(`Vault token renewal failed for good (accessor ${state?.accessor ?? 'unknown'}): ${error.message}`);
    this.#emit(SecretsEvents.TokenRenewalFailed, new TokenRenewalFailedEvent(state?.accessor, error, state?.expiresAt));
    const callback = this.#deps.onTokenRenewalFailed;
    if (callback) {
      Promise.resolve()
        .then(() => callback(error))
        .catch((callbackError: unknown) => this.#deps.logger.error?.(`onTokenRenewalFailed threw: ${describe(callbackError)}`));
    }
  }

  toJSON(): Record<string, unknown> {
    return { method: this.#deps.method.name, ...(this.#state ? publicInfo(this.#state) : {}) };
  }

  [inspect.custom](): string {
    return `TokenManager ${inspect(this.toJSON())}`;
  }
}

/** What is wrong with a login result, or undefined when it is usable. */
function authResultProblem(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null) return 'no result object';
  const r = result as Partial<AuthResult>;
  if (typeof r.token !== 'string' || r.token.trim() === '') return 'the token is missing or empty';
  if (typeof r.leaseDuration !== 'number' || !Number.isFinite(r.leaseDuration) || r.leaseDuration < 0)
    return 'leaseDuration must be a number of seconds ≥ 0';
  if (r.policies !== undefined && !Array.isArray(r.policies)) return 'policies must be an array';
  return undefined;
}

function publicInfo(state: TokenState): TokenInfo {
  const { token: _token, incrementSeconds: _increment, ...info } = state;
  return { ...info, policies: [...info.policies] };
}

/**
 * A failed login as the app should see it: an outage stays a `VaultUnavailableError` (the
 * supervisor retries it); a refusal becomes an {@link AuthFailedError} carrying Vault's own reason
 * (e.g. `service account name not authorized`, `invalid role or secret ID`), never advice about
 * token policies, which do not apply to a login.
 */
function loginError(error: unknown, methodName: string): SecretsError {
  const refused = error instanceof VaultRequestError || error instanceof PermissionDeniedError || error instanceof InvalidTokenError;
  if (error instanceof SecretsError && !refused) return error;
  if (error instanceof SecretsError) {
    const reasons =
      error instanceof InvalidTokenError ? ['invalid token'] : (error as VaultRequestError | PermissionDeniedError).vaultErrors;
    const said = reasons.length > 0 ? reasons.join('; ') : `HTTP ${error.status ?? 'error'} without a reason`;
    return new AuthFailedError(`Vault refused the ${methodName} login${error.path ? ` (${error.path})` : ''}: ${said}`, {
      cause: error,
      path: error.path,
      status: error.status,
    });
  }
  return asSecretsError(error, `Vault login with the ${methodName} auth method failed`);
}

function asSecretsError(error: unknown, context: string): SecretsError {
  if (error instanceof SecretsError) return error;
  return new AuthFailedError(`${context}: ${describe(error)}`, { cause: error });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
