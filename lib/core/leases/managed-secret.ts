import type { EngineSecret } from '../../contracts/secret-engine.js';
import { SecretsError } from '../../errors/secrets.error.js';
import { VaultRequestError } from '../../errors/vault-request.error.js';
import type { RotationReason } from '../../events/secret-rotated.event.js';
import { deepFreeze } from '../../util/deep-freeze.js';

/** What the lease manager needs to keep one secret alive. */
export interface ManagedSecretSpec<T> {
  /** Stable, non-secret name, e.g. `database/creds/app`; used in events and `@OnSecretRotated`. */
  key: string;
  /** Engine name, e.g. `database`. */
  engine: string;
  /** Vault path the secret comes from, e.g. `database/creds/app`. */
  path: string;
  /** Fetches a fresh secret (a new lease). */
  fetch: () => Promise<EngineSecret<T>>;
  /** Reason given when the secret is replaced before expiry. Default `lease-rotated`. */
  replaceReason?: RotationReason;
  /** Milliseconds to hold freshly fetched credentials before switching to them (e.g. IAM key propagation). Default 0. */
  holdMs?: number;
}

/** A managed secret as callers see it. Times in milliseconds since the epoch. */
export interface ManagedSecretState<T> {
  key: string;
  data: T;
  leaseId?: string;
  /** Current lease TTL in seconds (0 without a lease). */
  leaseDuration: number;
  renewable: boolean;
  /** When Vault issued the current value (the fetch returned), ms since the epoch. */
  issuedAt: number;
  expiresAt?: number;
  /** For secrets re-read on a schedule without a lease (static roles): when the next read is due, ms since the epoch. */
  refreshAt?: number;
  version?: string | number;
}

/** The lease manager's record of one secret it keeps alive (internal to lib/core/leases). Times in ms since the epoch. */
export interface ManagedSecret<T> {
  spec: ManagedSecretSpec<T>;
  current: EngineSecret<T>;
  issuedAt: number;
  expiresAt?: number;
  /** When the next scheduled re-read of a lease-less secret is due (ms since the epoch). */
  refreshAt?: number;
  /** Seconds to ask for at renewal. */
  increment: number;
  /** Renewal came back shorter than asked (max TTL reached) or the lease is not renewable. */
  capped: boolean;
  attempt: number;
  lostReported: boolean;
  /** Fetches in a row that came back already expired (a clock skew between Vault and this host). */
  expiredOnArrival: number;
  /** The retry waiting for its backoff, or the work parked while Vault is not serving; run at once when Vault is back (`LeaseManager.recover`). */
  retryTask?: () => void;
  /** True while `retryTask` is parked (no request until recovery; the timer only marks the lease lost at expiry). */
  parked?: boolean;
  /** Accessor of the token the current lease was fetched with (Vault revokes the lease with that token). */
  tokenAccessor?: string;
  /** That token's hard end, ms since the epoch, once known: the lease cannot outlive it. */
  tokenEndsAt?: number;
  /** That token's max TTL in seconds, once known. */
  tokenMaxTtl?: number;
  /** The lease's max TTL in seconds as far as Vault told: its TTL at issue (a lower bound), exact once a renewal was capped. */
  leaseMaxTtl?: number;
  /** True when {@link leaseMaxTtl} is exact (learned from a capped renewal). */
  leaseMaxTtlExact?: boolean;
}

/** A fresh record for a secret just fetched at `issuedAt` (ms since the epoch). */
export function managedSecret<T>(spec: ManagedSecretSpec<T>, secret: EngineSecret<T>, issuedAt: number): ManagedSecret<T> {
  const managed: ManagedSecret<T> = {
    spec,
    current: secret,
    issuedAt,
    increment: secret.lease?.duration ?? 0,
    capped: secret.lease ? !secret.lease.renewable : false,
    attempt: 0,
    lostReported: false,
    expiredOnArrival: 0,
  };
  managed.expiresAt = expiryOf(secret, issuedAt);
  return managed;
}

/** What callers see of `managed` at `now` (ms since the epoch): the lease TTL counts down from the expiry. */
export function stateOf<T>(managed: ManagedSecret<T>, now: number): ManagedSecretState<T> {
  const lease = managed.current.lease;
  return {
    key: managed.spec.key,
    data: managed.current.data,
    leaseId: lease?.id,
    leaseDuration:
      managed.expiresAt === undefined || !lease ? (lease?.duration ?? 0) : Math.max(0, Math.round((managed.expiresAt - now) / 1000)),
    renewable: lease?.renewable === true && !managed.capped,
    issuedAt: managed.issuedAt,
    expiresAt: managed.expiresAt,
    ...(managed.refreshAt === undefined ? {} : { refreshAt: managed.refreshAt }),
    version: managed.current.version,
  };
}

/** Name of the one scheduler task a managed key has at a time. */
export function leaseTimerName(key: string): string {
  return `secrets:lease:${key}`;
}

/**
 * When a secret fetched at `issuedAt` stops being valid (ms since the epoch): the lease's end,
 * or the certificate's `notAfter` if sooner; undefined for a secret that does not expire.
 */
export function expiryOf(secret: EngineSecret<unknown>, issuedAt: number): number | undefined {
  if (secret.lease && secret.lease.duration > 0) {
    const leaseExpiry = issuedAt + secret.lease.duration * 1000;
    return secret.expiresAt === undefined ? leaseExpiry : Math.min(leaseExpiry, secret.expiresAt);
  }
  return secret.expiresAt;
}

/** Freezes the secret's data (callers share it) and returns the secret. */
export function freezeSecret<T>(secret: EngineSecret<T>): EngineSecret<T> {
  deepFreeze(secret.data);
  return secret;
}

/** Any thrown value as a `SecretsError` (a foreign error becomes a `VaultRequestError` with its message). */
export function toSecretsError(error: unknown): SecretsError {
  if (error instanceof SecretsError) return error;
  return new VaultRequestError([error instanceof Error ? error.message : String(error)]);
}

/** Waits `ms` milliseconds on an unref'd timer (never holds the process open). */
export function holdFor(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
}
