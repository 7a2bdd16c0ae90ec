import type { LeaseManagerDeps } from './lease-manager-deps.js';
import { LeaseRecovery } from './lease-recovery.js';
import { LeaseRenewal } from './lease-renewal.js';
import { LeaseReplacement } from './lease-replacement.js';
import { LeaseRevoker } from './lease-revoker.js';
import { TokenBoundLeases } from './token-bound-leases.js';
import { leaseTimerName, type ManagedSecret } from './managed-secret.js';

/**
 * What the lease manager's jobs share (internal to lib/core/leases): the collaborators, the
 * secrets under management and those lost in an outage, the one timer per key, and the jobs
 * themselves (renewal, early replacement, recovery, revocation), which call one another through it.
 */
export class LeaseBook {
  readonly deps: LeaseManagerDeps;
  readonly random: () => number;
  readonly managed = new Map<string, ManagedSecret<unknown>>();
  /** First fetches in flight: concurrent `acquire` calls join them. */
  readonly pending = new Map<string, Promise<ManagedSecret<unknown>>>();
  /** One replacement at a time per key: a concurrent request joins the one in flight. */
  readonly replacing = new Map<string, Promise<void>>();
  /** Conditions worth showing in `status()` per key (a clipped TTL, an expired certificate). Never a secret. */
  readonly notices = new Map<string, string>();
  /** Secrets that expired while Vault could not be reached: re-acquired by `LeaseManager.recover`. */
  readonly lost = new Map<string, ManagedSecret<unknown>>();
  stopped = false;

  readonly renewal: LeaseRenewal;
  readonly replacement: LeaseReplacement;
  readonly recovery: LeaseRecovery;
  readonly revoker: LeaseRevoker;
  readonly tokenBound: TokenBoundLeases;

  constructor(deps: LeaseManagerDeps) {
    this.deps = deps;
    this.random = deps.random ?? Math.random;
    this.renewal = new LeaseRenewal(this);
    this.replacement = new LeaseReplacement(this);
    this.recovery = new LeaseRecovery(this);
    this.revoker = new LeaseRevoker(this);
    this.tokenBound = new TokenBoundLeases(this);
  }

  /** The clock's time, ms since the epoch. */
  now(): number {
    return this.deps.clock.now();
  }

  /** Whether Vault serves (the supervisor's gate); always true without one. */
  open(): boolean {
    return this.deps.gate?.() ?? true;
  }

  /**
   * When the secret stops working, ms since the epoch: its expiry, or the end of the token that
   * fetched it when that comes first (Vault revokes a token's leases with it). Undefined: never.
   */
  deadline<T>(managed: ManagedSecret<T>): number | undefined {
    const end = managed.current.lease ? managed.tokenEndsAt : undefined;
    if (end === undefined) return managed.expiresAt;
    return managed.expiresAt === undefined ? end : Math.min(end, managed.expiresAt);
  }

  /** True while `managed` is still the record kept for its key and the manager runs (a stale task does nothing). */
  isCurrent<T>(managed: ManagedSecret<T>): boolean {
    return !this.stopped && this.managed.get(managed.spec.key) === managed;
  }

  /** Sets the key's one timer (replacing any other) to run `task` in `delayMs` milliseconds. */
  schedule<T>(managed: ManagedSecret<T>, delayMs: number, task: () => void): void {
    this.deps.scheduler.schedule(leaseTimerName(managed.spec.key), delayMs, task);
  }

  /** Cancels the key's timer, if any. */
  cancel(key: string): void {
    this.deps.scheduler.cancel(leaseTimerName(key));
  }
}
