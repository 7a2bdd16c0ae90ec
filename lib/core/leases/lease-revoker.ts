import type { LeaseBook } from './lease-book.js';
import { toSecretsError } from './managed-secret.js';

/** Gives leases back to Vault (`PUT sys/leases/revoke`, https://developer.hashicorp.com/vault/api-docs/system/leases#revoke-lease). */
export class LeaseRevoker {
  readonly #book: LeaseBook;

  constructor(book: LeaseBook) {
    this.#book = book;
  }

  /** `PUT sys/leases/revoke` for one lease, with an optional timeout in milliseconds; errors are logged, never thrown. */
  async revoke(leaseId: string, timeoutMs?: number): Promise<void> {
    try {
      await this.#book.deps.client.request({
        method: 'PUT',
        path: 'sys/leases/revoke',
        body: { lease_id: leaseId },
        priority: 'high',
        ...(timeoutMs ? { timeoutMs } : {}),
      });
    } catch (error) {
      this.#book.deps.logger.warn?.(`Could not revoke lease ${leaseId}: ${toSecretsError(error).message}`);
    }
  }

  /**
   * Shutdown: stops every timer, waits (at most `shutdownTimeoutMs` milliseconds) for fetches in
   * flight, which give back what they obtain, then revokes every lease held, in parallel, with
   * the same bound. Errors are logged, never thrown.
   */
  async revokeAll(): Promise<void> {
    const book = this.#book;
    for (const key of book.managed.keys()) book.cancel(key);
    const timeoutMs = book.deps.options.shutdownTimeoutMs;
    await withDeadline(Promise.allSettled([...book.pending.values(), ...book.replacing.values()]), timeoutMs);
    const leases = [...book.managed.values()].flatMap((m) => (m.current.lease ? [m.current.lease.id] : []));
    book.managed.clear();
    book.notices.clear();
    if (leases.length === 0) return;
    await Promise.allSettled(leases.map((id) => this.revoke(id, timeoutMs)));
  }
}

/** Resolves when `promise` settles or after `ms` milliseconds, whichever comes first (the timer is unref'd). */
async function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
