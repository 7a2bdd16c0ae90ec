import type { LeaseBook } from './lease-book.js';
import type { LeaseTokenLife } from './lease-manager-deps.js';
import { toSecretsError, type ManagedSecret } from './managed-secret.js';

/**
 * Leases end with their token: Vault revokes every lease a token created when that token expires
 * or is revoked. So a lease's real end is min(lease expiry, the token's hard end). This job records
 * which token fetched each lease, plans the replacement against that end (a new token, then new
 * credentials under it, at least `overlapMs` before the token dies), and warns once per key and
 * token when the lease's max TTL outlives the token's max TTL.
 *
 * What is knowable without extra permissions: the lease's TTL at issue (a lower bound of its max
 * TTL) and its exact max TTL once a renewal comes back capped. The engine role's `max_ttl` is not
 * read: `<mount>/roles/<role>` needs a `read` capability that application policies rarely grant.
 * A certificate without a lease is not revoked with the token, so it is not bound to it.
 */
export class TokenBoundLeases {
  readonly #book: LeaseBook;
  /**
   * Per key, the figures the warning was logged with: once per key, again only when the figures
   * change (each new token of the same role repeats them, which would warn at every re-login).
   */
  readonly #warned = new Map<string, string>();

  constructor(book: LeaseBook) {
    this.#book = book;
  }

  /** A snapshot of the module's token now, as the lease manager sees it (undefined without one). */
  token(): LeaseTokenLife | undefined {
    const token = this.#book.deps.token?.();
    return token && { accessor: token.accessor, maxExpiresAt: token.maxExpiresAt, maxTtl: token.maxTtl };
  }

  /**
   * Records the token a secret was just fetched with (`before`: the token when the fetch started)
   * and checks the lifetimes. True when the token changed during the fetch: the lease may belong
   * to the old token, so it should be fetched again under the new one.
   */
  noteFetch<T>(managed: ManagedSecret<T>, before: LeaseTokenLife | undefined): boolean {
    const now = this.token();
    const token = now && now.accessor === before?.accessor ? now : before;
    managed.tokenAccessor = token?.accessor;
    managed.tokenEndsAt = token?.maxExpiresAt;
    managed.tokenMaxTtl = token?.maxTtl;
    managed.leaseMaxTtl = managed.current.lease?.duration;
    managed.leaseMaxTtlExact = false;
    this.#check(managed);
    return before !== undefined && now !== undefined && now.accessor !== before.accessor;
  }

  /** A renewal came back capped: the lease's end is its max TTL, now known exactly. */
  leaseCapped<T>(managed: ManagedSecret<T>): void {
    if (managed.expiresAt === undefined) return;
    managed.leaseMaxTtl = Math.round((managed.expiresAt - managed.issuedAt) / 1000);
    managed.leaseMaxTtlExact = true;
    this.#check(managed);
  }

  /** The hard end of a token became known: its leases are planned against it (and warned about). */
  tokenHardEnd(info: LeaseTokenLife): void {
    const book = this.#book;
    if (info.maxExpiresAt === undefined) return;
    for (const managed of book.managed.values()) {
      if (!managed.current.lease || managed.tokenAccessor !== info.accessor) continue;
      managed.tokenEndsAt = info.maxExpiresAt;
      managed.tokenMaxTtl = info.maxTtl;
      this.#check(managed);
      if (book.replacing.has(managed.spec.key)) continue; // plans again when it lands
      const task = managed.retryTask;
      if (managed.parked && task)
        book.recovery.park(managed, task); // lost at the token's end, not later
      else if (!task) book.renewal.plan(managed);
    }
  }

  /**
   * True when the lease outlives the token that fetched it and the module can do something about
   * it (log in again): it is then replaced against the token's end, not its own.
   */
  endsWithToken<T>(managed: ManagedSecret<T>): boolean {
    const end = managed.tokenEndsAt;
    if (end === undefined || managed.expiresAt === undefined || end >= managed.expiresAt) return false;
    return this.#book.deps.refreshToken !== undefined || this.token()?.accessor !== managed.tokenAccessor;
  }

  /**
   * The lease's token is about to end: obtains a new token when the lease's one is still current
   * (its re-login re-acquires the leases), then makes sure this lease was fetched again under it.
   * Parked while Vault is not serving; failures retried until the token's end.
   */
  async replaceBeforeTokenEnds<T>(managed: ManagedSecret<T>): Promise<void> {
    const book = this.#book;
    if (!book.isCurrent(managed)) return;
    if (!book.open()) return book.recovery.park(managed, () => void this.replaceBeforeTokenEnds(managed));
    const key = managed.spec.key;
    const before = managed.tokenAccessor;
    if (this.token()?.accessor === before && book.deps.refreshToken) {
      book.deps.logger.log?.(
        `The lease of "${key}" ends with the Vault token (accessor ${before ?? 'unknown'}) at ${new Date(managed.tokenEndsAt ?? 0).toISOString()}: obtaining a new token and new credentials under it`,
      );
      try {
        await book.deps.refreshToken(`the lease of "${key}" ends with the token`);
      } catch (error) {
        return book.recovery.retry(managed, toSecretsError(error), () => void this.replaceBeforeTokenEnds(managed));
      }
    }
    if (!book.isCurrent(managed)) return;
    const inFlight = book.replacing.get(key);
    if (inFlight) return void (await inFlight.catch(() => undefined)); // the re-login's re-acquisition
    if (managed.tokenAccessor !== before) return;
    await book.replacement.replaceInBackground(managed, 'token-changed');
  }

  #check<T>(managed: ManagedSecret<T>): void {
    const tokenMax = managed.tokenMaxTtl;
    const leaseMax = managed.leaseMaxTtl;
    if (tokenMax === undefined || leaseMax === undefined || leaseMax <= tokenMax) return;
    const key = managed.spec.key;
    const figures = `${tokenMax}/${leaseMax}/${managed.leaseMaxTtlExact === true}`;
    if (this.#warned.get(key) === figures) return;
    this.#warned.set(key, figures);
    this.#book.deps.logger.warn?.(
      `${key}: lease max TTL ${managed.leaseMaxTtlExact ? '' : 'at least '}${leaseMax} s outlives the token's max TTL ${tokenMax} s; leases end when the token does — raise the auth role's token_max_ttl or lower the role's max_ttl`,
    );
  }
}
