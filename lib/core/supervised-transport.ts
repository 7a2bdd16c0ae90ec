import type { VaultRequest, VaultResponse } from '../contracts/vault-request.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import { AuthFailedError } from '../errors/auth-failed.error.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { PermissionDeniedError } from '../errors/permission-denied.error.js';
import type { Clock } from '../timing/clock.js';
import { classifyFault } from './fault-classifier.js';
import type { Supervisor } from './supervisor.js';

/**
 * How long a token confirmed alive by `lookup-self` after a 403 on a path is not looked up again
 * for that path, in milliseconds.
 */
export const TOKEN_ALIVE_MEMO_MS = 30_000;

/** The token holder as the transport needs it (the module's `TokenManager`). */
export interface ReplaceableToken {
  /** The token for the next request (may log in first). */
  getToken(): Promise<string | undefined>;
  /** The token when one is held and not about to expire (then {@link getToken} would answer it at once); `undefined` otherwise. No request. */
  readyToken?(): string | undefined;
  /** Replaces `rejected` with one login. @throws AuthFailedError with Vault's reason, VaultUnavailableError. */
  replace(rejected: string | undefined): Promise<void>;
}

/** Collaborators of the {@link SupervisedTransport}. */
export interface SupervisedTransportDeps {
  /** The HTTP client (sends what it is given; no token source of its own). */
  inner: VaultRequester;
  supervisor: Supervisor;
  /** The module's token; undefined behind a Vault Agent (the agent adds the token). */
  tokens: ReplaceableToken | undefined;
  clock: Clock;
  /** Namespace the token lives in (`auth.namespace`, `''` = root), for its `lookup-self`; undefined = the client's. */
  tokenNamespace?: string;
}

/**
 * The requester every data path uses (KV, engines, leases, watcher). It puts the supervisor
 * between the app and Vault:
 * - while the supervisor is degraded, an authenticated request is refused at once with the
 *   supervisor's `VaultUnavailableError` (reason and next attempt time): no request, no login;
 *   it may start one early probe (`nudge`, at most one per 2 s);
 * - every failure is reported to the supervisor, which tells Vault's faults from one path's;
 * - a 403 (`permission denied` or `invalid token`) on one path is not proof the token is dead (a
 *   proxy, a plugin or a policy may answer it; Vault ≤ 1.16 says `permission denied` for a dead
 *   token, 1.17+ `invalid token`, https://developer.hashicorp.com/vault/api-docs#http-status-codes):
 *   one `GET auth/token/lookup-self` with the same token decides, shared by concurrent callers of
 *   that token, an alive verdict standing {@link TOKEN_ALIVE_MEMO_MS} for that path (a first 403 on
 *   another path is checked again). Alive: the 403 is thrown as is, no login, the
 *   module stays ready. Dead (lookup-self answers 403): one re-login (shared by concurrent callers)
 *   and the request is retried once; a token that cannot be replaced makes the module `degraded`
 *   with reason `auth-failed`.
 */
export class SupervisedTransport implements VaultRequester {
  readonly #deps: SupervisedTransportDeps;
  /** The `lookup-self` in flight and the token it is about: concurrent 403s of that token share it. */
  #pending: { token: string; dead: Promise<boolean | undefined> } | undefined;
  /**
   * Denials already checked: `lookup-self` confirmed the token alive after a 403 on this path, so
   * repeated denials of one path cost one lookup, while a first denial on another path is checked
   * (the token may have been revoked meanwhile).
   */
  readonly #alive = new Map<string, { token: string; at: number }>();

  constructor(deps: SupervisedTransportDeps) {
    this.#deps = deps;
  }

  /**
   * Sends one request (see the class comment).
   * @throws VaultUnavailableError at once while degraded; AuthFailedError when the token is dead
   *   and cannot be replaced; the request's own errors otherwise.
   */
  async request<TBody = unknown>(req: VaultRequest): Promise<VaultResponse<TBody>> {
    const { inner, supervisor, tokens } = this.#deps;
    const generation = supervisor.generation;
    if (req.authenticated === false) return this.#reported(() => inner.request<TBody>(req), generation);
    if (supervisor.backingOff) {
      // A read while degraded may start one early probe (at most one per 2 s); the read itself is refused.
      supervisor.nudge();
      supervisor.gate(req.path);
    }
    if (req.token !== undefined || !tokens) return this.#reported(() => inner.request<TBody>(req), generation);
    // Inline rather than through #reported: no closure or extra promise per request on this path.
    // A held token is taken without the promise of getToken() (the usual case: one per request).
    let token = tokens.readyToken?.();
    if (token === undefined) {
      try {
        token = await tokens.getToken();
      } catch (error) {
        supervisor.report(error, generation);
        throw error;
      }
    }
    try {
      return await inner.request<TBody>(withToken(req, token));
    } catch (error) {
      if (token !== undefined && (error instanceof InvalidTokenError || error instanceof PermissionDeniedError)) {
        if (await this.#isDead(token, req.path)) return this.#retryWithNewToken<TBody>(req, token, generation);
        // The token is alive (or no verdict could be had): this path's answer, not the token's fault.
        throw error;
      }
      supervisor.report(error, generation);
      throw error;
    }
  }

  /** Runs `call`, reporting its failure to the supervisor. */
  async #reported<T>(call: () => Promise<T>, generation: number): Promise<T> {
    try {
      return await call();
    } catch (error) {
      this.#deps.supervisor.report(error, generation);
      throw error;
    }
  }

  /**
   * Whether `token` is dead after a 403 on `path`: one `GET auth/token/lookup-self` with it, shared
   * by the concurrent callers of that token; an alive verdict stands {@link TOKEN_ALIVE_MEMO_MS}
   * for that path and token. 403 (any wording) means dead; a failure that is no verdict (an
   * outage) is reported to the supervisor, counts as alive and is not remembered.
   */
  async #isDead(token: string, path: string): Promise<boolean> {
    const now = this.#deps.clock.now();
    const checked = this.#alive.get(path);
    if (checked?.token === token && now - checked.at < TOKEN_ALIVE_MEMO_MS) return false;
    let pending = this.#pending;
    if (pending?.token !== token) {
      const started = { token, dead: this.#lookupSelf(token) };
      this.#pending = pending = started;
      void started.dead.finally(() => {
        if (this.#pending === started) this.#pending = undefined;
      });
    }
    const dead = await pending.dead;
    if (dead === false) {
      if (this.#alive.size >= 1000) this.#alive.clear();
      this.#alive.set(path, { token, at: now });
    }
    return dead === true;
  }

  /** `lookup-self` with `token`: true dead, false alive, undefined no verdict. */
  async #lookupSelf(token: string): Promise<boolean | undefined> {
    try {
      const namespace = this.#deps.tokenNamespace;
      await this.#deps.inner.request({
        method: 'GET',
        path: 'auth/token/lookup-self',
        token,
        ...(namespace === undefined ? {} : { namespace }),
      });
      return false;
    } catch (error) {
      if (error instanceof InvalidTokenError || error instanceof PermissionDeniedError) return true;
      this.#deps.supervisor.report(error);
      return undefined;
    }
  }

  async #retryWithNewToken<TBody>(req: VaultRequest, rejected: string, generation: number): Promise<VaultResponse<TBody>> {
    const { inner, tokens } = this.#deps;
    await this.#reported(async () => {
      try {
        await tokens!.replace(rejected);
      } catch (error) {
        throw error instanceof AuthFailedError || !(error instanceof Error) || classifyFault(error) !== undefined
          ? error
          : new AuthFailedError(`The Vault token is expired or revoked and could not be replaced: ${error.message}`, {
              path: req.path,
              cause: error,
            });
      }
    }, generation);
    const token = await this.#reported(() => tokens!.getToken(), generation);
    return this.#reported(() => inner.request<TBody>(withToken(req, token)), generation);
  }
}

function withToken(req: VaultRequest, token: string | undefined): VaultRequest {
  return token === undefined ? req : { ...req, token };
}
