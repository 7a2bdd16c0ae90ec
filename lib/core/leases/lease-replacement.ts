import type { EngineSecret } from '../../contracts/secret-engine.js';
import { SecretRotatedEvent, type RotationReason } from '../../events/secret-rotated.event.js';
import { backoffDelayMs } from '../../timing/backoff.js';
import type { LeaseBook } from './lease-book.js';
import { expiryOf, freezeSecret, holdFor, toSecretsError, type ManagedSecret } from './managed-secret.js';

/** First wait, in milliseconds, after a secret came back already expired: 1-2 s, doubling up to {@link ARRIVAL_BACKOFF_MAX_MS}. */
const ARRIVAL_BACKOFF_BASE_MS = 2000;
/** Longest wait, in milliseconds, between fetches of a secret that keeps coming back expired (5 minutes). */
const ARRIVAL_BACKOFF_MAX_MS = 300_000;

/**
 * Replaces a managed secret with a freshly fetched one (a capped or non-renewable lease before
 * it ends, a lost lease, a rotation asked for): one replacement per key at a time, the rotation
 * announced and its handlers awaited, then the old lease revoked. A copy that arrives already
 * expired (clock skew) is given back and fetched again after a backoff.
 */
export class LeaseReplacement {
  readonly #book: LeaseBook;
  /** Keys whose last copy came with an engine notice (already logged). */
  readonly #noticed = new Set<string>();

  constructor(book: LeaseBook) {
    this.#book = book;
  }

  /** Replaces in the background: parked while Vault is not serving, failures retried (bounded by the expiry). Never throws. */
  async replaceInBackground<T>(managed: ManagedSecret<T>, reason: RotationReason): Promise<void> {
    const book = this.#book;
    if (!book.open()) return book.recovery.park(managed, () => void this.replaceInBackground(managed, reason));
    try {
      await this.replace(managed, reason);
    } catch (error) {
      book.recovery.retry(managed, toSecretsError(error), () => void this.replaceInBackground(managed, reason));
    }
  }

  /** Replaces now, joining a replacement of the same key already in flight. @throws the fetch error. */
  replace<T>(managed: ManagedSecret<T>, reason: RotationReason): Promise<void> {
    const book = this.#book;
    const key = managed.spec.key;
    const inFlight = book.replacing.get(key);
    if (inFlight) return inFlight;
    const run = this.#replaceNow(managed, reason).finally(() => {
      if (book.replacing.get(key) === run) book.replacing.delete(key);
    });
    book.replacing.set(key, run);
    return run;
  }

  async #replaceNow<T>(managed: ManagedSecret<T>, reason: RotationReason): Promise<void> {
    const book = this.#book;
    const token = book.tokenBound.token();
    const next = freezeSecret(await managed.spec.fetch());
    if (this.noteArrival(managed, next)) {
      // An expired copy is no better than the one in use: give its lease back, keep the current one, try later.
      if (next.lease) await book.revoker.revoke(next.lease.id);
      if (!book.stopped) this.refetchAfterBackoff(managed);
      return;
    }
    const issuedAt = book.now();
    if (managed.spec.holdMs) await holdFor(managed.spec.holdMs);
    if (book.stopped) {
      if (next.lease) await book.revoker.revoke(next.lease.id, book.deps.options.shutdownTimeoutMs);
      return;
    }
    const previous = managed.current;
    const previousExpired = managed.expiresAt !== undefined && managed.expiresAt <= book.now();
    managed.current = next;
    managed.issuedAt = issuedAt;
    managed.expiresAt = expiryOf(next, managed.issuedAt);
    managed.increment = next.lease?.duration ?? 0;
    managed.capped = next.lease ? !next.lease.renewable : false;
    managed.attempt = 0;
    managed.lostReported = false;
    const tokenChanged = book.tokenBound.noteFetch(managed, token);
    book.renewal.plan(managed);
    // A re-login landed during the fetch: this lease may die with the old token; fetch again under the new one.
    if (tokenChanged && next.lease) book.schedule(managed, 0, () => void this.replaceInBackground(managed, 'token-changed'));
    await this.announce(managed, previous, next, reason);
    if (previous.lease && previous.lease.id !== next.lease?.id && reason !== 'lease-lost' && !previousExpired) {
      await book.revoker.revoke(previous.lease.id);
    }
  }

  /**
   * Records what a fetch brought: a notice from the engine (e.g. a clipped TTL) or the fact that
   * the secret came back already expired, which counts towards the re-fetch backoff and is logged
   * once per streak. True when it came back expired.
   */
  noteArrival<T>(managed: ManagedSecret<T>, secret: EngineSecret<T>): boolean {
    const book = this.#book;
    const key = managed.spec.key;
    const now = book.now();
    const expiry = expiryOf(secret, now);
    if (expiry !== undefined && expiry <= now) {
      if (managed.expiredOnArrival === 0) {
        book.deps.logger.warn?.(
          `"${key}" came back already expired (expiry ${new Date(expiry).toISOString()}, this host's time ${new Date(now).toISOString()}): check the clocks of Vault and this host; fetching again with backoff`,
        );
      }
      managed.expiredOnArrival += 1;
      book.notices.set(
        key,
        `came back already expired ${managed.expiredOnArrival} time(s) in a row; check clock skew between Vault and this host`,
      );
      return true;
    }
    managed.expiredOnArrival = 0;
    // An engine's notice (a certificate's TTL clipped to its CA) is logged once per streak, with its reason.
    if (secret.notice && !this.#noticed.has(key)) book.deps.logger.warn?.(`"${key}": ${secret.notice}`);
    if (secret.notice) this.#noticed.add(key);
    else this.#noticed.delete(key);
    if (secret.notice) book.notices.set(key, secret.notice);
    else book.notices.delete(key);
    return false;
  }

  /** Fetches again after an exponential backoff (1-2 s doubling, up to 5 minutes): never a zero-delay loop. */
  refetchAfterBackoff<T>(managed: ManagedSecret<T>): void {
    const book = this.#book;
    const delay = backoffDelayMs(managed.expiredOnArrival - 1, book.random, ARRIVAL_BACKOFF_BASE_MS, ARRIVAL_BACKOFF_MAX_MS);
    book.schedule(managed, delay, () => void this.replaceInBackground(managed, managed.spec.replaceReason ?? 'lease-rotated'));
  }

  /** Announces a change of `managed` from `previous` to `next` and waits for the handlers. */
  async announce<T>(managed: ManagedSecret<T>, previous: EngineSecret<T>, next: EngineSecret<T>, reason: RotationReason): Promise<void> {
    const event = new SecretRotatedEvent(
      {
        key: managed.spec.key,
        engine: managed.spec.engine,
        path: managed.spec.path,
        reason,
        previousVersion: previous.version,
        currentVersion: next.version,
        previousLeaseId: previous.lease?.id,
        currentLeaseId: next.lease?.id,
        expiresAt: managed.expiresAt,
        at: managed.issuedAt,
      },
      next.data,
    );
    await this.#book.deps.orchestrator.announce(event);
  }
}
