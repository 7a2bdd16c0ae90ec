import { isDeepStrictEqual } from 'node:util';
import { isJsonObject, type VaultEnvelope } from '../../transport/vault-envelope.js';
import type { SecretsError } from '../../errors/secrets.error.js';
import { VaultRequestError } from '../../errors/vault-request.error.js';
import { VaultUnavailableError } from '../../errors/vault-unavailable.error.js';
import { renewDelayMs } from '../../timing/renewal-timing.js';
import type { LeaseBook } from './lease-book.js';
import { freezeSecret, toSecretsError, type ManagedSecret } from './managed-secret.js';

const LEASE_LOST = /lease not found|lease expired|invalid lease/i;
const NOT_RENEWABLE = /not renewable|cannot be renewed/i;

/**
 * Plans what happens next to each managed secret and keeps renewable leases alive: `PUT
 * sys/leases/renew` (`increment` in seconds) at about two thirds of the time left, with jitter; a
 * capped or non-renewable lease is handed to the early replacement; a secret without a lease but
 * with a refresh time (static roles) is re-read on schedule and announced when its value changed.
 */
export class LeaseRenewal {
  readonly #book: LeaseBook;

  constructor(book: LeaseBook) {
    this.#book = book;
  }

  /** Sets the key's one timer: renewal, early replacement or re-read, from the time left. Clears parked work. */
  plan<T>(managed: ManagedSecret<T>): void {
    const book = this.#book;
    managed.retryTask = undefined;
    managed.parked = false;
    if (!book.isCurrent(managed)) return;
    const now = book.now();
    const { current } = managed;
    if (!current.lease && current.refreshAfterMs !== undefined) {
      managed.refreshAt = now + current.refreshAfterMs;
      book.schedule(managed, current.refreshAfterMs, () => void this.refresh(managed));
      return;
    }
    if (managed.expiresAt === undefined) return;
    if (current.lease && book.tokenBound.endsWithToken(managed)) {
      // The lease outlives its token: replace it against the token's end (new token, then new credentials).
      const left = (managed.tokenEndsAt ?? now) - now;
      const delay = this.#replaceDelayMs(managed, left, renewDelayMs(left, book.random), managed.tokenEndsAt);
      book.schedule(managed, delay, () => void book.tokenBound.replaceBeforeTokenEnds(managed));
      return;
    }
    const remaining = managed.expiresAt - now;
    const renewAt = renewDelayMs(remaining, book.random);
    if (current.lease && current.lease.renewable && !managed.capped) {
      book.schedule(managed, renewAt, () => void this.renew(managed));
    } else {
      book.schedule(
        managed,
        this.#replaceDelayMs(managed, remaining, renewAt),
        () => void book.replacement.replaceInBackground(managed, managed.spec.replaceReason ?? 'lease-rotated'),
      );
    }
  }

  /**
   * When to fetch the replacement of a capped or non-renewable secret, in milliseconds from now:
   * at least `overlapMs` before expiry (the handlers need that long), so at once when less is
   * left; a secret whose whole lifetime is shorter than the overlap is replaced at two thirds of it
   * instead (replacing it "at once" every time would loop). `end`: the expiry, or the token's end.
   */
  #replaceDelayMs<T>(managed: ManagedSecret<T>, remainingMs: number, renewAtMs: number, end = managed.expiresAt): number {
    const overlap = this.#book.deps.options.overlapMs;
    const lifetime = (end ?? managed.issuedAt) - managed.issuedAt;
    if (lifetime <= overlap) return renewAtMs;
    if (remainingMs <= overlap) return 0;
    return Math.max(0, Math.min(renewAtMs, remainingMs - overlap));
  }

  /** `PUT sys/leases/renew`; parked while Vault is not serving. Errors are handled, never thrown. */
  async renew<T>(managed: ManagedSecret<T>): Promise<void> {
    const book = this.#book;
    const lease = managed.current.lease;
    if (!lease || book.stopped) return;
    if (!book.open()) return book.recovery.park(managed, () => void this.renew(managed));
    try {
      const response = await book.deps.client.request<VaultEnvelope>({
        method: 'PUT',
        path: 'sys/leases/renew',
        body: { lease_id: lease.id, increment: managed.increment },
        priority: 'high',
      });
      const body = response.body;
      const reported = isJsonObject(body) ? body.lease_duration : undefined;
      // A negative duration means "already over": replace now. A missing or non-finite one is malformed: retry.
      const duration = typeof reported === 'number' && reported < 0 ? 0 : reported;
      if (typeof duration !== 'number' || !Number.isFinite(duration)) {
        throw new VaultUnavailableError(
          'sys/leases/renew answered without a usable lease_duration; keeping the current expiry and retrying',
          { path: 'sys/leases/renew' },
        );
      }
      const now = book.now();
      managed.expiresAt = now + duration * 1000;
      managed.attempt = 0;
      if (duration < managed.increment) {
        managed.capped = true;
        book.tokenBound.leaseCapped(managed);
        book.deps.logger.log?.(
          `Lease of "${managed.spec.key}" renewed for ${duration} s, less than the ${managed.increment} s asked (max TTL reached); a replacement will be fetched before it expires`,
        );
      }
      this.plan(managed);
    } catch (error) {
      this.#onRenewError(managed, toSecretsError(error));
    }
  }

  #onRenewError<T>(managed: ManagedSecret<T>, error: SecretsError): void {
    const book = this.#book;
    if (book.stopped) return;
    if (error instanceof VaultUnavailableError) return book.recovery.retry(managed, error, () => void this.renew(managed));
    const text = error instanceof VaultRequestError ? error.vaultErrors.join(' ') : '';
    if (LEASE_LOST.test(text)) {
      if (!managed.lostReported) {
        managed.lostReported = true;
        book.deps.logger.warn?.(`Vault no longer knows the lease of "${managed.spec.key}" (${text}); fetching new credentials now`);
      }
      return void book.replacement.replaceInBackground(managed, 'lease-lost');
    }
    if (NOT_RENEWABLE.test(text) || !(error instanceof VaultRequestError)) {
      // Not renewable after all, or renewal forbidden by policy: replace before expiry instead.
      managed.capped = true;
      return this.plan(managed);
    }
    managed.capped = true;
    this.plan(managed);
  }

  /** Re-reads a secret without a lease (static role) and announces it when its value changed; parked while Vault is not serving. */
  async refresh<T>(managed: ManagedSecret<T>): Promise<void> {
    const book = this.#book;
    if (!book.open()) return book.recovery.park(managed, () => void this.refresh(managed));
    try {
      const next = freezeSecret(await managed.spec.fetch());
      const changed = next.version !== managed.current.version || !isDeepStrictEqual(next.data, managed.current.data);
      managed.expiresAt = undefined;
      managed.attempt = 0;
      if (!changed) {
        managed.current = next;
        return this.plan(managed);
      }
      const previous = managed.current;
      managed.current = next;
      managed.issuedAt = book.now();
      managed.attempt = 0;
      this.plan(managed);
      await book.replacement.announce(managed, previous, next, managed.spec.replaceReason ?? 'static-role-rotated');
    } catch (error) {
      const failure = toSecretsError(error);
      book.deps.logger.warn?.(`Re-reading "${managed.spec.key}" failed (${failure.message}); retrying`);
      managed.expiresAt ??= book.now() + 60_000;
      book.recovery.retry(managed, failure, () => void this.refresh(managed));
    }
  }
}
