import type { SecretsError } from '../../errors/secrets.error.js';
import { VaultRequestError } from '../../errors/vault-request.error.js';
import { VaultUnavailableError } from '../../errors/vault-unavailable.error.js';
import { LeaseExpiredEvent } from '../../events/lease-expired.event.js';
import type { RotationReason } from '../../events/secret-rotated.event.js';
import { SecretsEvents } from '../../events/secrets-events.js';
import { boundedRetryDelayMs } from '../../timing/renewal-timing.js';
import type { LeaseBook } from './lease-book.js';
import type { ManagedSecret } from './managed-secret.js';

/**
 * Failures and outages of the lease manager's work: bounded retries of failed renewals and
 * replacements; while Vault is not serving (the supervisor's gate is closed) the work is parked
 * with no retry timer, and the only timer left marks the secret lost at its expiry
 * (`secrets.lease.expired`, no request); {@link recover} runs the parked work and fetches the lost
 * secrets again when Vault serves.
 */
export class LeaseRecovery {
  readonly #book: LeaseBook;

  constructor(book: LeaseBook) {
    this.#book = book;
  }

  /**
   * Vault answers again (the supervisor's convergence): secrets that expired meanwhile are
   * fetched again and announced with `reason` (so pools swap), and parked work and retries waiting
   * for their backoff run now. Resolves when every one succeeded or failed (failures retry as usual).
   */
  async recover(reason: RotationReason): Promise<void> {
    const book = this.#book;
    if (book.stopped) return;
    const lost = [...book.lost.values()];
    book.lost.clear();
    const waiting = [...book.managed.values()].filter((m) => m.retryTask !== undefined);
    for (const managed of lost) {
      if (book.managed.has(managed.spec.key)) continue; // the app acquired it again meanwhile
      managed.attempt = 0;
      book.managed.set(managed.spec.key, managed);
    }
    await Promise.all([
      ...lost.filter((m) => book.managed.get(m.spec.key) === m).map((m) => book.replacement.replaceInBackground(m, reason)),
      ...waiting.map(async (managed) => {
        const task = managed.retryTask;
        managed.retryTask = undefined;
        managed.parked = false;
        book.cancel(managed.spec.key);
        task?.();
        await book.replacing.get(managed.spec.key);
      }),
    ]);
  }

  /** Retries `task` with backoff bounded by the expiry; past it, reports the secret as expired. Parks instead while Vault is not serving. */
  retry<T>(managed: ManagedSecret<T>, error: SecretsError, task: () => void): void {
    const book = this.#book;
    if (!book.isCurrent(managed)) return;
    // Vault itself is not serving (the supervisor is degraded): no retry timer, wait for the recovery.
    if (error instanceof VaultUnavailableError && !book.open()) return this.park(managed, task);
    const deadline = book.deadline(managed) ?? book.now() + 60_000;
    const delay = boundedRetryDelayMs(managed.attempt, book.now(), deadline, book.random);
    managed.attempt += 1;
    if (delay === undefined) return this.#expire(managed, error, deadline);
    // Once per streak of failures, with the reason (a refused certificate re-issue, a renewal); the retries stay quiet.
    if (managed.attempt === 1)
      book.deps.logger.warn?.(`Keeping "${managed.spec.key}" alive failed (${error.message}); retrying in ${delay} ms`);
    managed.retryTask = task;
    book.schedule(managed, delay, task);
  }

  /**
   * Vault is not serving: keeps `task` for {@link recover} and sends nothing meanwhile. The only
   * timer left is at the expiry, which marks the secret lost (`secrets.lease.expired`) without a request.
   */
  park<T>(managed: ManagedSecret<T>, task: () => void): void {
    const book = this.#book;
    if (!book.isCurrent(managed)) return;
    managed.retryTask = task;
    managed.parked = true;
    // The lease's end, or its token's when that comes first (Vault revokes the lease with the token).
    const expiresAt = book.deadline(managed);
    if (expiresAt === undefined) return book.cancel(managed.spec.key);
    book.schedule(managed, expiresAt - book.now(), () =>
      this.#expire(
        managed,
        new VaultUnavailableError('Vault did not serve until the secret expired', { path: managed.spec.path }),
        expiresAt,
      ),
    );
  }

  /** The secret expired before it could be renewed or replaced: announced, kept aside for {@link recover} unless Vault refused it. */
  #expire<T>(managed: ManagedSecret<T>, error: SecretsError, deadline: number): void {
    const book = this.#book;
    if (!book.isCurrent(managed)) return;
    book.deps.logger.error?.(`The secret "${managed.spec.key}" expired before it could be renewed or replaced: ${error.message}`);
    book.deps.events.emit(SecretsEvents.LeaseExpired, new LeaseExpiredEvent(managed.spec.key, managed.current.lease?.id, deadline, error));
    book.managed.delete(managed.spec.key);
    book.notices.delete(managed.spec.key);
    book.cancel(managed.spec.key);
    managed.retryTask = undefined;
    managed.parked = false;
    // Kept aside: when Vault answers again the supervisor has it fetched again and announced.
    if (!(error instanceof VaultRequestError)) book.lost.set(managed.spec.key, managed as ManagedSecret<unknown>);
  }
}
