import { inspect } from 'node:util';
import { VaultRequestError } from '../../errors/vault-request.error.js';
import type { RotationReason } from '../../events/secret-rotated.event.js';
import { LeaseBook } from './lease-book.js';
import type { LeaseManagerDeps, LeaseTokenLife } from './lease-manager-deps.js';
import {
  freezeSecret,
  holdFor,
  managedSecret,
  stateOf,
  type ManagedSecret,
  type ManagedSecretSpec,
  type ManagedSecretState,
} from './managed-secret.js';

export type { LeaseManagerDeps, LeaseManagerOptions, LeaseTokenLife } from './lease-manager-deps.js';
export type { ManagedSecretSpec, ManagedSecretState } from './managed-secret.js';

/**
 * Keeps leased and expiring secrets alive (https://developer.hashicorp.com/vault/api-docs/system/leases): renews renewable leases with
 * `PUT sys/leases/renew` (`increment` in seconds) at about two thirds of the time left, with
 * jitter; when a renewal comes back shorter than asked (max TTL) or the lease is not renewable,
 * fetches the replacement early (at least `overlapMs` before expiry), announces the rotation,
 * and revokes the old lease (`PUT sys/leases/revoke`) only after the handlers finished or timed out.
 * Transient errors are retried with backoff bounded by the expiry. A lease Vault no longer knows
 * (`lease not found`, revoked with its token) is replaced at once, logged once.
 * Secrets without a lease but with an expiry (certificates) or a refresh time (static roles)
 * are re-fetched the same way. While the `gate` is closed (Vault not serving) nothing is sent:
 * the work is parked until {@link recover}. The jobs live in `LeaseRenewal`, `LeaseReplacement`,
 * `LeaseRecovery` and `LeaseRevoker`, sharing a `LeaseBook`.
 */
export class LeaseManager {
  readonly #book: LeaseBook;

  constructor(deps: LeaseManagerDeps) {
    this.#book = new LeaseBook(deps);
  }

  /**
   * The current secret for `spec.key`: fetched and put under management on first use (one fetch
   * for concurrent callers), then kept alive in the background. @throws the fetch error.
   */
  async acquire<T>(spec: ManagedSecretSpec<T>): Promise<ManagedSecretState<T>> {
    const book = this.#book;
    const existing = book.managed.get(spec.key) as ManagedSecret<T> | undefined;
    if (existing) return stateOf(existing, book.now());
    let pending = book.pending.get(spec.key) as Promise<ManagedSecret<T>> | undefined;
    if (!pending) {
      pending = this.#start(spec);
      book.pending.set(spec.key, pending as Promise<ManagedSecret<unknown>>);
      pending.then(
        () => book.pending.delete(spec.key),
        () => book.pending.delete(spec.key),
      );
    }
    const managed = await pending;
    return stateOf(managed, book.now());
  }

  /** The current state of a managed secret, if any. */
  get<T>(key: string): ManagedSecretState<T> | undefined {
    const managed = this.#book.managed.get(key) as ManagedSecret<T> | undefined;
    return managed ? stateOf(managed, this.#book.now()) : undefined;
  }

  /** The Vault path a managed key is fetched from (e.g. `database/creds/app`), if managed. */
  pathOf(key: string): string | undefined {
    return this.#book.managed.get(key)?.spec.path;
  }

  /** Keys under management. */
  keys(): string[] {
    return [...this.#book.managed.keys()];
  }

  /**
   * Conditions of managed secrets worth an operator's eye, by key: e.g. a certificate's TTL clipped
   * to its CA's expiry, or a certificate that came back already expired. Never contains a value.
   */
  notices(): Record<string, string> {
    return Object.fromEntries(this.#book.notices);
  }

  /**
   * Replaces a managed secret now: new lease, rotation announced (handlers awaited), then the old
   * lease revoked. @throws the fetch error; the current secret then stays in use.
   */
  async rotate<T>(key: string, reason: RotationReason = 'manual'): Promise<ManagedSecretState<T>> {
    const book = this.#book;
    const managed = book.managed.get(key) as ManagedSecret<T> | undefined;
    if (!managed) throw new VaultRequestError([`no managed secret named "${key}"`]);
    await book.replacement.replace(managed, reason);
    if (book.stopped) throw new VaultRequestError(['the secrets module was stopped during the rotation; its leases were revoked']);
    return stateOf(managed, book.now());
  }

  /**
   * Replaces every leased secret (after a re-login, the old token's leases die with it), except
   * those already fetched with the token of `accessor` (the new one).
   */
  async reacquireAll(reason: RotationReason, accessor?: string): Promise<void> {
    const book = this.#book;
    await Promise.all(
      [...book.managed.values()]
        .filter((m) => m.current.lease && (accessor === undefined || m.tokenAccessor !== accessor))
        .map((m) => book.replacement.replaceInBackground(m, reason)),
    );
  }

  /**
   * The hard end of the module's token became known (`maxExpiresAt`, ms since the epoch; `maxTtl`,
   * s): the leases it fetched are replaced before it ends, and a lease whose max TTL outlives the
   * token's is logged once (per key and token) with both figures.
   */
  tokenHardEnd(info: LeaseTokenLife): void {
    this.#book.tokenBound.tokenHardEnd(info);
  }

  /**
   * Vault answers again (the supervisor's convergence): secrets that expired meanwhile are
   * fetched again and announced with `reason` (so pools swap), and parked work and retries
   * waiting for their backoff run now. Resolves when every one succeeded or failed (failures
   * retry as usual).
   */
  recover(reason: RotationReason): Promise<void> {
    return this.#book.recovery.recover(reason);
  }

  /** Keys of secrets that expired during an outage and wait for {@link recover}. */
  lostKeys(): string[] {
    return [...this.#book.lost.keys()];
  }

  /**
   * Stops all timers and revokes every lease the module holds (`PUT sys/leases/revoke`), in
   * parallel, waiting at most `shutdownTimeoutMs` milliseconds. Errors are logged, never thrown.
   */
  async stop(): Promise<void> {
    if (this.#book.stopped) return;
    this.#book.stopped = true;
    await this.#book.revoker.revokeAll();
  }

  async #start<T>(spec: ManagedSecretSpec<T>): Promise<ManagedSecret<T>> {
    const book = this.#book;
    const token = book.tokenBound.token();
    const secret = await spec.fetch();
    const issuedAt = book.now();
    // Fresh credentials are held as long at start-up as at a replacement (e.g. IAM key propagation).
    if (spec.holdMs && !book.stopped) await holdFor(spec.holdMs);
    const managed = managedSecret(spec, freezeSecret(secret), issuedAt);
    const needsCare = secret.lease !== undefined || managed.expiresAt !== undefined || secret.refreshAfterMs !== undefined;
    if (book.stopped) {
      // Shut down while this fetch was in flight: give the new lease back at once.
      if (secret.lease) await book.revoker.revoke(secret.lease.id, book.deps.options.shutdownTimeoutMs);
      throw new VaultRequestError(['the secrets module was stopped while this secret was being fetched']);
    }
    if (needsCare) {
      book.lost.delete(spec.key);
      book.managed.set(spec.key, managed as ManagedSecret<unknown>);
      book.replacement.noteArrival(managed, secret);
      const tokenChanged = book.tokenBound.noteFetch(managed, token);
      if (managed.expiredOnArrival > 0) book.replacement.refetchAfterBackoff(managed);
      else book.renewal.plan(managed);
      // A re-login landed during the fetch: this lease may die with the old token; fetch again under the new one.
      if (tokenChanged && secret.lease)
        book.schedule(managed, 0, () => void book.replacement.replaceInBackground(managed, 'token-changed'));
    }
    return managed;
  }

  toJSON(): Record<string, unknown> {
    return { managed: this.keys() };
  }

  [inspect.custom](): string {
    return `LeaseManager { managed: ${inspect(this.keys())} }`;
  }
}
