import { inspect } from 'node:util';
import { registerLiveSecret } from '../util/redact.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import { AuthFailedError } from '../errors/auth-failed.error.js';
import type { SecretsError } from '../errors/secrets.error.js';
import { SecretsEvents } from '../events/secrets-events.js';
import type { AuthResult } from '../contracts/auth-result.js';
import { TokenRenewedEvent } from '../events/token-renewed.event.js';
import type { TokenSource } from '../contracts/token-source.js';
import { authResultProblem, describe, withTrimmedToken } from './login-error.js';
import { LoginGate, type LoginHold } from './login-gate.js';
import { prepareLogin } from './prepared-login.js';
import { TokenFailureReport } from './token-failure-report.js';
import { TokenLifetime } from './token-lifetime.js';
import { TokenRenewal } from './token-renewal.js';
import { revokeObtainedToken } from './token-revocation.js';
import type { TokenManagerDeps } from './token-manager-deps.js';
import { publicInfo, stateFromLogin, type TokenInfo, type TokenState } from './token-state.js';

export { TOKEN_RENEWAL_TIMEOUT_NAME } from './token-renewal.js';
export { TOKEN_EXPIRY_MARGIN_MS, type TokenInfo } from './token-state.js';
export type { TokenManagerDeps } from './token-manager-deps.js';

export { REVOKE_ON_SHUTDOWN_TIMEOUT_MS } from './token-revocation.js';

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
  readonly #reloginListeners = new Set<(info: TokenInfo) => void | Promise<void>>();
  /** Releases of the live-token redactions: the current token and the one before it (late errors may quote it). */
  readonly #liveTokens: Array<() => void> = [];
  /** The client, sending every token call to the token's own namespace. */
  readonly #client: VaultRequester;
  readonly #renewal: TokenRenewal;
  readonly #gate: LoginGate;
  readonly #lifetime: TokenLifetime;
  readonly #failures: TokenFailureReport;

  constructor(deps: TokenManagerDeps) {
    this.#deps = deps;
    this.#random = deps.random ?? Math.random;
    const namespace = deps.namespace;
    this.#client =
      namespace === undefined ? deps.client : { request: (req) => deps.client.request({ ...req, namespace: req.namespace ?? namespace }) };
    this.#lifetime = new TokenLifetime(deps.clock, deps.logger);
    this.#failures = new TokenFailureReport(deps);
    this.#renewal = new TokenRenewal({
      client: this.#client,
      clock: deps.clock,
      scheduler: deps.scheduler,
      logger: deps.logger,
      random: this.#random,
      gate: deps.gate,
      canLogin: () => deps.method.canLogin,
      current: () => this.#state,
      stopped: () => this.#stopped,
      relogin: (reason) => this.#relogin(reason),
      reportFailure: (error) => this.#reportFailure(error),
      emit: (event, payload) => this.#failures.emit(event, payload),
      renewed: (state, granted, asked) => this.#lifetime.renewed(state, granted, asked),
    });
    this.#gate = new LoginGate({
      clock: deps.clock,
      scheduler: deps.scheduler,
      logger: deps.logger,
      reprepare: () => prepareLogin(deps.method, { client: this.#client }),
      onCredentialChange: deps.onCredentialChange,
    });
  }

  /**
   * Vault serves again (a recovery step wired by the core): a renewal parked during the outage
   * runs within `random · min(10 s, time left / 3)` milliseconds, a parked re-login at once.
   */
  resume(): void {
    this.#renewal.resume();
  }

  /** Resolves when no login and no credential-file check is in flight (tests wait on it instead of sleeping). */
  async settled(): Promise<void> {
    await this.#gate.settled();
    await this.#login?.catch(() => undefined);
  }

  /**
   * Why logins are held back to stay clear of Vault's user lockout, or undefined when they are
   * not: `held` (refused credential, at most 3 per 15 minutes) or `locked` (Vault reported a
   * lockout), with `retryAt` in milliseconds since the epoch. Never the credential.
   */
  loginHold(): LoginHold | undefined {
    return this.#gate.hold();
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

  /**
   * Registers a listener told when the current token's hard end (`maxExpiresAt`, ms since the
   * epoch, and `maxTtl`, s) becomes known: at the login when Vault tells it, or when a renewal is
   * capped at the max TTL. Once per token. Returns a function that removes it.
   */
  onHardEnd(listener: (info: TokenInfo) => void): () => void {
    return this.#lifetime.onHardEnd(listener);
  }

  /**
   * The token held now, as it is (possibly expired), with no login and no request: for probes
   * that ask Vault whether it serves (`auth/token/lookup-self`). Undefined before the first login.
   */
  heldToken(): string | undefined {
    return this.#state?.token;
  }

  /**
   * Whether the next {@link getToken} would log in: there is no token yet, or it is about to
   * expire and the auth method can log in. No request.
   */
  needsLogin(): boolean {
    const state = this.#state;
    if (!this.#deps.method.canLogin) return false;
    return state === undefined || this.#lifetime.isExpiring(state);
  }

  /**
   * The current token when it is held and not about to expire, without a promise (the request
   * path's common case); `undefined` when {@link getToken} has work to do (a login, an expired
   * given token) or the module is stopped. No request.
   */
  readyToken(): string | undefined {
    const state = this.#state;
    return state !== undefined && !this.#stopped && !this.#lifetime.isExpiring(state) ? state.token : undefined;
  }

  /** The token for the next request; logs in first when there is none or it is about to expire. */
  async getToken(): Promise<string | undefined> {
    return (await this.#currentState()).token;
  }

  /**
   * Obtains a token again now (the supervisor's attempt after an auth fault): a login, or for a
   * given token `GET auth/token/lookup-self`. One at a time, shared by concurrent callers.
   * @throws LoginHeldError (nothing sent) while the login is held to stay clear of Vault's user
   *   lockout; AuthFailedError with Vault's reason when refused; VaultUnavailableError on an outage.
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
    this.#renewal.cancel();
    this.#gate.stop();
    // A login in flight revokes its own token when it lands (see #doLogin).
    await this.#login?.catch(() => undefined);
    const state = this.#state;
    try {
      if (!state || !state.obtainedByLogin || state.tokenType === 'batch') return;
      await revokeObtainedToken(this.#client, this.#deps.logger, state.token, this.#deps.method);
    } finally {
      for (const release of this.#liveTokens.splice(0)) release();
    }
  }

  /** Redacts the token's exact value from every error and log line while it is current (and one token longer). */
  #trackLive(token: string): void {
    this.#liveTokens.push(registerLiveSecret(token));
    while (this.#liveTokens.length > 2) this.#liveTokens.shift()?.();
  }

  async #currentState(): Promise<TokenState> {
    const state = this.#state;
    if (state && !this.#lifetime.isExpiring(state)) return state;
    if (state && !this.#deps.method.canLogin) {
      // A token given to the module that has expired is never sent again: it cannot work.
      const expired = this.#lifetime.expiredGivenToken(state);
      if (expired) throw expired;
      return state;
    }
    return this.#relogin(state ? 'the token is about to expire' : 'first login');
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
    // Throws LoginHeldError, sending nothing, when this credential must not be tried now.
    const result: AuthResult = withTrimmedToken(await this.#gate.login(method, { client: this.#client }));
    const problem = authResultProblem(result);
    if (problem) throw new AuthFailedError(`The ${method.name} auth method returned an unusable login result: ${problem}`);
    if (this.#stopped) {
      // The app shut down while this login was in flight: give the new token back at once.
      await revokeObtainedToken(this.#client, this.#deps.logger, result.token, method);
      throw new AuthFailedError('The module was stopped during a Vault login');
    }
    const now = this.#deps.clock.now();
    // A given token looked up again is the same token: not a re-login (its leases are still good).
    if (!first && this.#state?.token === result.token) first = true;
    const state = stateFromLogin(result, now, method.canLogin && method.name !== 'token');
    this.#state = state;
    this.#trackLive(state.token);
    this.#failures.reset();
    this.#deps.logger.log?.(
      `Vault token ${first ? 'obtained' : 'replaced'} (${method.name}, ${reason}); ${state.expiresAt === undefined ? 'no expiry' : `TTL ${result.leaseDuration} s`}, accessor ${state.accessor ?? 'unknown'}`,
    );
    this.#lifetime.fromLogin(state, result);
    if (!first) {
      this.#failures.emit(
        SecretsEvents.TokenRenewed,
        new TokenRenewedEvent(state.accessor, state.expiresAt ?? Number.POSITIVE_INFINITY, 'logged-in'),
      );
      for (const listener of this.#reloginListeners) {
        Promise.resolve()
          .then(() => listener(publicInfo(state)))
          .catch((error: unknown) => this.#deps.logger.error?.(`A re-login listener failed: ${describe(error)}`));
      }
    }
    if (this.#deps.renew !== false) this.#renewal.start(state);
    return state;
  }

  #reportFailure(error: SecretsError): void {
    if (!this.#stopped) this.#failures.report(error, this.#state);
  }

  toJSON(): Record<string, unknown> {
    return { method: this.#deps.method.name, ...(this.#state ? publicInfo(this.#state) : {}) };
  }

  [inspect.custom](): string {
    return `TokenManager ${inspect(this.toJSON())}`;
  }
}
