import { LoginHeldError } from '../errors/login-held.error.js';
import type { Clock } from '../timing/clock.js';
import type { TaskScheduler } from '../timing/task-scheduler.js';
import type { SecretsLogger } from '../util/secrets-logger.js';
import type { AuthContext, AuthMethod } from '../contracts/auth-method.js';
import type { AuthResult } from '../contracts/auth-result.js';
import { classifyLoginFailure, loginError, type LoginFailureKind } from './login-error.js';
import { prepareLogin, type PreparedLogin } from './prepared-login.js';

/** Refused logins sent with one credential per lockout window (Vault locks at 5 failures). */
export const MAX_REFUSED_LOGINS = 3;
/** Refused logins of one identity (role_id, username) per window, whatever the credential: never Vault's 5th. */
export const MAX_IDENTITY_REFUSALS = 4;
/** Vault's default lockout duration and failure-counter reset, in milliseconds (15 minutes after the last failure). */
export const LOCKOUT_WINDOW_MS = 900_000;
/** Waited beyond the lockout window, in milliseconds, for clock differences with Vault. */
export const LOCKOUT_MARGIN_MS = 30_000;
/** Waits before retrying a refused credential, in milliseconds: 1 minute after the first refusal, 5 after the second. */
export const REFUSAL_RETRY_MS: readonly number[] = [60_000, 300_000];
/** Period of the credential-file check while a login is held, in milliseconds. */
export const CREDENTIAL_POLL_MS = 1000;
/** Name of the credential-file check in the scheduler. */
export const CREDENTIAL_WATCH_NAME = 'secrets:credential-watch';

/** Why logins are held back, for `status()`. Times in milliseconds since the epoch; never a credential. */
export interface LoginHold {
  /** `held`: the module's own refusal budget; `locked`: Vault answered that the role or user is locked. */
  state: 'held' | 'locked';
  /** When the next login may be sent (sooner when the credential source changes). */
  retryAt: number;
  /** Refused logins of this identity in the current window. */
  refusedLogins: number;
  /** Vault's reason for the last refusal (redacted), e.g. `invalid role or secret ID`. */
  reason: string;
}

interface IdentityRecord {
  lastRefusalAt: number;
  refusals: number;
  lockedAt?: number;
  reason: string;
  secrets: Map<string, { count: number; lastAt: number }>;
}

/** Collaborators of the {@link LoginGate}. */
export interface LoginGateDeps {
  clock: Clock;
  scheduler: TaskScheduler;
  logger: SecretsLogger;
  /** Reads the credential again without sending anything (the credential-file check). */
  reprepare: () => Promise<PreparedLogin>;
  /** A held credential changed (a rewritten file): the core asks the supervisor for an attempt now. */
  onCredentialChange?: () => void;
}

/**
 * Keeps logins clear of Vault's user lockout (5 failed logins lock an AppRole role_id or a
 * userpass username for 15 minutes; the counter resets 15 minutes after the last failure). Per
 * identity and credential fingerprint (never the clear value): a refused credential is sent again
 * after 1 minute, then 5, then not before 15 minutes after the last refusal (at most 3 per
 * window); a changed credential is sent at once but never a 5th refusal of the identity; a locked
 * answer waits the lockout out. While held, credential files are re-read every second and a change
 * is reported at once.
 */
export class LoginGate {
  readonly #deps: LoginGateDeps;
  readonly #records = new Map<string, IdentityRecord>();
  #last: { identity: string; secret: string } | undefined;
  #watching: PreparedLogin | undefined;
  #checking: Promise<void> | undefined;

  constructor(deps: LoginGateDeps) {
    this.#deps = deps;
  }

  /**
   * Lets the login through, or throws before anything is sent.
   * @throws LoginHeldError with `retryAt` (ms since the epoch) and `locked`.
   */
  admit(login: PreparedLogin, methodName: string): void {
    this.#last = { identity: login.identity, secret: login.secret };
    const hold = this.#holdOf(login.identity, login.secret);
    if (!hold) return;
    this.#watch(login);
    const at = new Date(hold.retryAt).toISOString();
    throw new LoginHeldError(
      hold.state === 'locked'
        ? `The ${methodName} login is held until ${at}: Vault reported the role or user as locked (${hold.reason}); a changed credential is not tried before the lockout ends`
        : `The ${methodName} login is held until ${at} after ${hold.refusedLogins} refused login(s) (${hold.reason}), to stay clear of Vault's user lockout; a changed credential is tried at once`,
      hold.retryAt,
      hold.state === 'locked',
    );
  }

  /**
   * Reads the method's credential, asks {@link admit}, sends the login and records the outcome.
   * @throws LoginHeldError (nothing sent); the login's error as an AuthFailedError with Vault's
   *   reason, or VaultUnavailableError on an outage.
   */
  async login(method: AuthMethod, context: AuthContext): Promise<AuthResult> {
    let prepared: PreparedLogin;
    try {
      prepared = await prepareLogin(method, context);
    } catch (error) {
      throw loginError(error, method.name);
    }
    this.admit(prepared, method.name);
    try {
      const result = await prepared.send();
      this.record(prepared, 'success');
      return result;
    } catch (error) {
      const failure = loginError(error, method.name);
      this.record(prepared, classifyLoginFailure(failure, method.name), failure.message);
      throw failure;
    }
  }

  /** Records the outcome of a sent login. */
  record(login: PreparedLogin, outcome: 'success' | LoginFailureKind, reason = ''): void {
    if (outcome === 'other') return;
    if (outcome === 'success') {
      this.#records.delete(login.identity);
      this.#stopWatch();
      return;
    }
    const now = this.#deps.clock.now();
    const record: IdentityRecord = this.#live(login.identity, now) ?? { lastRefusalAt: now, refusals: 0, reason, secrets: new Map() };
    record.lastRefusalAt = now;
    record.reason = reason;
    if (outcome === 'locked') record.lockedAt = now;
    else {
      record.refusals += 1;
      const seen = record.secrets.get(login.secret);
      record.secrets.set(login.secret, { count: (seen?.count ?? 0) + 1, lastAt: now });
    }
    this.#records.set(login.identity, record);
    if (this.#holdOf(login.identity, login.secret)) this.#watch(login);
  }

  /** The hold on the last credential tried, if any (for `status()`). */
  hold(): LoginHold | undefined {
    return this.#last ? this.#holdOf(this.#last.identity, this.#last.secret) : undefined;
  }

  /** Resolves when no credential-file check is in flight (tests wait on it instead of sleeping). */
  async settled(): Promise<void> {
    while (this.#checking) await this.#checking;
  }

  /** Stops the credential-file check. */
  stop(): void {
    this.#stopWatch();
  }

  #live(identity: string, now: number): IdentityRecord | undefined {
    const record = this.#records.get(identity);
    if (record && now >= record.lastRefusalAt + LOCKOUT_WINDOW_MS + LOCKOUT_MARGIN_MS) {
      // Vault has reset its failure counter (and lifted any lockout) by now.
      this.#records.delete(identity);
      return undefined;
    }
    return record;
  }

  #holdOf(identity: string, secret: string): LoginHold | undefined {
    const now = this.#deps.clock.now();
    const record = this.#live(identity, now);
    if (!record) return undefined;
    const windowEnd = record.lastRefusalAt + LOCKOUT_WINDOW_MS + LOCKOUT_MARGIN_MS;
    const base = { refusedLogins: record.refusals, reason: record.reason };
    if (record.lockedAt !== undefined)
      return { state: 'locked', retryAt: record.lockedAt + LOCKOUT_WINDOW_MS + LOCKOUT_MARGIN_MS, ...base };
    if (record.refusals >= MAX_IDENTITY_REFUSALS) return { state: 'held', retryAt: windowEnd, ...base };
    const seen = record.secrets.get(secret);
    if (!seen) return undefined;
    const retryAt = seen.count >= MAX_REFUSED_LOGINS ? windowEnd : seen.lastAt + (REFUSAL_RETRY_MS[seen.count - 1] ?? LOCKOUT_WINDOW_MS);
    return now < retryAt ? { state: 'held', retryAt, ...base } : undefined;
  }

  #watch(login: PreparedLogin): void {
    if (login.files.length === 0 || this.#watching) return;
    this.#watching = login;
    this.#schedule();
  }

  #schedule(): void {
    this.#deps.scheduler.schedule(CREDENTIAL_WATCH_NAME, CREDENTIAL_POLL_MS, () => {
      const run = this.#check().finally(() => {
        if (this.#checking === run) this.#checking = undefined;
      });
      this.#checking = run;
    });
  }

  #stopWatch(): void {
    this.#watching = undefined;
    this.#deps.scheduler.cancel(CREDENTIAL_WATCH_NAME);
  }

  async #check(): Promise<void> {
    const held = this.#watching;
    if (!held) return;
    let changed = false;
    try {
      const again = await this.#deps.reprepare();
      changed = again.identity !== held.identity || again.secret !== held.secret;
    } catch {
      // A file being rewritten may be missing or empty for a moment: look again next time.
    }
    if (this.#watching !== held) return;
    if (changed) {
      this.#stopWatch();
      this.#deps.logger.log?.('A credential file of the held Vault login changed; trying the new credential now');
      this.#deps.onCredentialChange?.();
      return;
    }
    if (!this.#holdOf(held.identity, held.secret)) return this.#stopWatch();
    this.#schedule();
  }
}
