/**
 * The lease manager, a small port of Vault's expiration manager (https://developer.hashicorp.com/vault/api-docs/system/leases).
 *
 * Secret engines register a lease for every leased secret they hand out (`database/creds/x`,
 * `aws/creds/x`...) together with the engine's revoke/renew callbacks. The manager assigns the
 * lease id (`<request path>/<24 base62>`), tracks issue/expiry times against the test clock,
 * computes renewals with Vault's TTL capping, ties every lease to the token that created it and
 * revokes leases when they expire or when their token is revoked or expires.
 *
 * How expiry is driven (the server never uses timers in `frozen` clock mode):
 * - every `clock.advance()`/`clock.set()` synchronously runs {@link LeaseManager.reap}: expired
 *   tokens are swept (their leases are revoked), expired leases get their engine revocation
 *   started, and tick listeners (database static-role rotation) run;
 * - every logical request first calls {@link LeaseManager.tick} (reap, then wait for all
 *   background work) and the core waits for background work again before answering, so no
 *   answer is ever produced while a revocation/rotation it could observe is still running;
 * - in `realtime` clock mode an unref'd 1 s interval of real time (captured before any fake
 *   timers, invisible to them) calls {@link LeaseManager.tick};
 * - {@link LeaseManager.settle} waits for background work without a request.
 *
 * A lease stays in the table until its engine revocation succeeded; a lease whose expiry passed
 * but whose revocation failed (e.g. the database was down) answers `lease expired` and is
 * retried with exponential backoff (10 s, 20 s, ... by the server clock, 6 attempts, like Vault).
 * Token leases are not stored here; they are derived from the token store (`<token path>/h<hash>`)
 * so that `sys/leases/*` can answer for them like Vault does.
 */
import { createHash } from 'node:crypto';
import { badRequest, internalError, multierror, VaultError } from './errors.js';
import { randomBase62 } from './ids.js';
import { listUnder } from './kv-common.js';
import type { LeaseInfo } from './logical.js';
import type { MountDescriptor } from './mount-table.js';
import type { TestClock } from './test-clock.js';
import type { TokenEntry, TokenStore } from './token-store.js';
import { calculateTtl } from './ttl.js';

/**
 * Timer functions captured when this module loads: the realtime reaper must neither be frozen nor
 * counted by fake timers a test installs later (`vi.useFakeTimers()` + `vi.getTimerCount()`).
 */
const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;

/** Vault's `maxRevokeAttempts`. */
const MAX_REVOKE_ATTEMPTS = 6;
/** Vault's `revokeRetryBase` (ms). */
const REVOKE_RETRY_BASE_MS = 10_000;

/** The TTL values an engine hands back when a lease is renewed (Vault's `resp.Secret.TTL/MaxTTL`). Seconds; 0 = mount value. */
export interface LeaseTtlPolicy {
  readonly ttlSeconds: number;
  readonly maxTtlSeconds: number;
}

/** The engine side of a lease. */
export interface LeaseHandlers {
  /** Revokes the secret in the engine (e.g. `DROP ROLE`). A rejection keeps the lease and is retried. */
  revoke(lease: SecretLease): Promise<void> | void;
  /**
   * Renews the secret in the engine (e.g. `ALTER ROLE ... VALID UNTIL`) and returns the TTL
   * policy the manager caps the renewal with. Absent → the lease cannot be renewed.
   */
  renew?(lease: SecretLease, incrementSeconds: number): Promise<LeaseTtlPolicy> | LeaseTtlPolicy;
}

/** What an engine gives to {@link LeaseManager.create}. TTLs in **seconds**. */
export interface NewLease {
  /** The request path (`database/creds/readonly`); the lease id is `<path>/<24 base62>`. */
  readonly path: string;
  readonly mount: MountDescriptor;
  /** The requesting token; the lease is revoked with it. `undefined` = not tied to a token. */
  readonly token: TokenEntry | undefined;
  /** The engine's TTL (role `default_ttl`); 0 = mount default. */
  readonly ttlSeconds: number;
  /** The engine's max TTL (role `max_ttl`); 0 = mount max only. */
  readonly maxTtlSeconds: number;
  readonly renewable: boolean;
  readonly handlers: LeaseHandlers;
  /** Engine data kept with the lease (Vault's `InternalData`). */
  readonly internal?: Readonly<Record<string, unknown>>;
}

/** A secret lease. Instants in **ms**, durations in **seconds**. */
export interface SecretLease {
  readonly id: string;
  readonly path: string;
  readonly mount: MountDescriptor;
  readonly issueTimeMs: number;
  expireTimeMs: number;
  lastRenewalMs: number | null;
  /** The TTL granted last (creation or renewal). */
  ttlSeconds: number;
  readonly renewable: boolean;
  /** Id of the owning token (`undefined` for none). */
  readonly tokenId: string | undefined;
  readonly internal: Readonly<Record<string, unknown>>;
  /** Failed revocation attempts so far. */
  revokeAttempts: number;
  /** The last revocation error, if any. */
  lastRevokeError: string | undefined;
  /** True after {@link MAX_REVOKE_ATTEMPTS} failures: no more automatic retries. */
  irrevocable: boolean;
}

/** What `sys/leases/lookup` shows about a lease (secret or token). */
export interface LeaseView {
  readonly id: string;
  readonly kind: 'secret' | 'token';
  readonly issueTimeMs: number;
  /** null for leases without expiry. */
  readonly expireTimeMs: number | null;
  readonly lastRenewalMs: number | null;
  /** Vault's `leaseEntry.renewable()`: false when not renewable or already expired. */
  readonly renewable: boolean;
  /** Remaining seconds (0 when none/expired). */
  readonly ttlSeconds: number;
}

/** The result of a renewal. */
export interface LeaseRenewal {
  readonly lease: LeaseInfo;
  readonly warnings: string[];
}

/** What the manager needs from the server core. */
export interface LeaseManagerHost {
  readonly clock: TestClock;
  readonly tokens: TokenStore;
  /** Effective default lease TTL of a mount in seconds. */
  mountDefaultTtl(mount: MountDescriptor): number;
  /** Effective max lease TTL of a mount in seconds. */
  mountMaxTtl(mount: MountDescriptor): number;
}

interface LeaseRecord {
  readonly lease: SecretLease;
  readonly handlers: LeaseHandlers;
  /** Running revocation (resolves true when the lease is gone). */
  inflight: Promise<boolean> | undefined;
  /** No automatic retry before this instant (ms). */
  nextAttemptMs: number;
}

/** Listener run on every reap (clock move, request, realtime interval) with the current time in ms. */
export type TickListener = (nowMs: number) => void;

/** Leases of one server. */
export class LeaseManager {
  private readonly records = new Map<string, LeaseRecord>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly tickListeners = new Set<TickListener>();
  private readonly closeHooks = new Set<() => Promise<void> | void>();
  private readonly unsubscribe: Array<() => void> = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private reaping = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly host: LeaseManagerHost) {
    this.unsubscribe.push(host.tokens.onRevoke((entry) => this.revokeByToken(entry)));
    this.unsubscribe.push(host.clock.onChange(() => this.reap()));
    if (host.clock.mode === 'realtime') {
      this.timer = realSetInterval(() => void this.tick().catch(() => undefined), 1000);
      this.timer.unref();
    }
  }

  // ----- for engines --------------------------------------------------------------------

  /**
   * The TTL a new lease gets (Vault's request handling): the engine TTL or the mount default,
   * capped by the mount max and the engine max. Engines call this when they need the TTL before
   * registering the lease (the database `{{expiration}}`).
   */
  initialTtl(mount: MountDescriptor, ttlSeconds: number, maxTtlSeconds: number): number {
    let ttl = ttlSeconds > 0 ? ttlSeconds : this.host.mountDefaultTtl(mount);
    let max = this.host.mountMaxTtl(mount);
    if (maxTtlSeconds > 0 && maxTtlSeconds < max) max = maxTtlSeconds;
    if (ttl > max) ttl = max;
    return ttl;
  }

  /**
   * The TTL a renewal grants (Vault's `framework.CalculateTTL` from the lease's issue time), with
   * the capping warnings. Engines call it to size their own renewal (`VALID UNTIL`).
   * @throws VaultError 500 `past the max TTL, cannot renew`
   */
  renewalTtl(lease: SecretLease, incrementSeconds: number, policy: LeaseTtlPolicy): { ttlSeconds: number; warnings: string[] } {
    return calculateTtl({
      incrementSeconds,
      backendTtlSeconds: policy.ttlSeconds,
      periodSeconds: 0,
      backendMaxTtlSeconds: policy.maxTtlSeconds,
      explicitMaxTtlSeconds: 0,
      startMs: lease.issueTimeMs,
      nowMs: this.host.clock.now(),
      mountDefaultTtlSeconds: this.host.mountDefaultTtl(lease.mount),
      mountMaxTtlSeconds: this.host.mountMaxTtl(lease.mount),
    });
  }

  /** Registers a lease and returns the envelope's lease fields. */
  create(input: NewLease): LeaseInfo {
    const now = this.host.clock.now();
    const ttl = this.initialTtl(input.mount, input.ttlSeconds, input.maxTtlSeconds);
    const lease: SecretLease = {
      id: `${input.path.replace(/\/+$/, '')}/${randomBase62(24)}`,
      path: input.path,
      mount: input.mount,
      issueTimeMs: now,
      expireTimeMs: now + ttl * 1000,
      lastRenewalMs: null,
      ttlSeconds: ttl,
      renewable: input.renewable && input.handlers.renew !== undefined,
      tokenId: input.token?.id,
      internal: input.internal ?? {},
      revokeAttempts: 0,
      lastRevokeError: undefined,
      irrevocable: false,
    };
    this.records.set(lease.id, { lease, handlers: input.handlers, inflight: undefined, nextAttemptMs: 0 });
    return { leaseId: lease.id, renewable: lease.renewable, durationSeconds: ttl };
  }

  /** A secret lease by id. */
  get(leaseId: string): SecretLease | undefined {
    return this.records.get(leaseId)?.lease;
  }

  /** All secret leases whose id starts with `prefix`. */
  secretLeases(prefix = ''): SecretLease[] {
    return [...this.records.values()].map((r) => r.lease).filter((lease) => lease.id.startsWith(prefix));
  }

  /** Registers a listener run on every reap; returns its remover. */
  onTick(listener: TickListener): () => void {
    this.tickListeners.add(listener);
    return () => this.tickListeners.delete(listener);
  }

  /** Registers a hook run by {@link close} after all leases were revoked (close pools here); returns its remover. */
  onClose(hook: () => Promise<void> | void): () => void {
    this.closeHooks.add(hook);
    return () => this.closeHooks.delete(hook);
  }

  /** Tracks background work; {@link settle} (and therefore every request) waits for it. Rejections are swallowed. */
  background(task: Promise<unknown>): void {
    const tracked = task.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(tracked);
    void tracked.then(() => this.pending.delete(tracked));
  }

  // ----- driving expiry -------------------------------------------------------------------

  /**
   * Synchronous reaper: sweeps expired tokens (revoking their leases), starts the revocation of
   * every expired lease and runs the tick listeners. Called on every clock change.
   */
  reap(): void {
    if (this.reaping || this.closing) return;
    this.reaping = true;
    try {
      this.host.tokens.sweep();
      const now = this.host.clock.now();
      // (Snapshots only when there is something to walk: most reaps find empty tables.)
      if (this.records.size > 0) {
        for (const record of [...this.records.values()]) {
          const lease = record.lease;
          if (now >= lease.expireTimeMs && !record.inflight && !lease.irrevocable && now >= record.nextAttemptMs) {
            void this.startRevoke(record, false);
          }
        }
      }
      if (this.tickListeners.size > 0) {
        for (const listener of [...this.tickListeners]) {
          try {
            listener(now);
          } catch {
            // a failing listener must not break the clock or the request
          }
        }
      }
    } finally {
      this.reaping = false;
    }
  }

  /** Whether background work (revocations, rotations, cleanups) is running: {@link settle} would wait. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Waits until no background work (revocations, rotations, cleanups) is running. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.all([...this.pending]);
    }
  }

  /** {@link reap}, then {@link settle}. Run before every logical request. */
  async tick(): Promise<void> {
    this.reap();
    await this.settle();
  }

  /**
   * Shuts down: stops the realtime timer, revokes every outstanding lease (errors ignored, so
   * dynamic database users are dropped), then runs the close hooks. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) realClearInterval(this.timer);
      for (const remove of this.unsubscribe) remove();
      await this.settle();
      await Promise.all([...this.records.values()].map((record) => this.startRevoke(record, true)));
      for (const hook of [...this.closeHooks]) {
        try {
          await hook();
        } catch {
          // best effort
        }
      }
      await this.settle();
    })();
    return this.closing;
  }

  // ----- sys/leases -----------------------------------------------------------------------

  /** Lease details for `sys/leases/lookup`, or undefined. */
  lookup(leaseId: string): LeaseView | undefined {
    const record = this.records.get(leaseId);
    const now = this.host.clock.now();
    if (record) {
      const lease = record.lease;
      return {
        id: lease.id,
        kind: 'secret',
        issueTimeMs: lease.issueTimeMs,
        expireTimeMs: lease.expireTimeMs,
        lastRenewalMs: lease.lastRenewalMs,
        renewable: lease.renewable && now < lease.expireTimeMs,
        ttlSeconds: Math.max(0, Math.trunc((lease.expireTimeMs - now) / 1000)),
      };
    }
    const token = this.tokenByLeaseId(leaseId);
    if (!token?.lease) return undefined;
    return {
      id: leaseId,
      kind: 'token',
      issueTimeMs: token.lease.issueTimeMs,
      expireTimeMs: token.lease.expireTimeMs,
      lastRenewalMs: token.lease.lastRenewalMs,
      renewable: token.lease.renewable && now < token.lease.expireTimeMs,
      ttlSeconds: Math.max(0, Math.trunc((token.lease.expireTimeMs - now) / 1000)),
    };
  }

  /** Lease keys directly under `prefix` (`''` or ending with `/`), like `LIST sys/leases/lookup/:prefix`. */
  list(prefix: string): string[] {
    const clean = prefix !== '' && !prefix.endsWith('/') ? `${prefix}/` : prefix;
    const ids = [...this.records.keys()];
    for (const token of this.host.tokens.all()) {
      const id = tokenLeaseId(token);
      if (id !== undefined) ids.push(id);
    }
    return listUnder(ids, clean);
  }

  /**
   * Renews a lease (`sys/leases/renew`).
   * @throws VaultError 400 `lease not found` / `lease is not renewable` / `lease expired` /
   *   `tokens cannot be renewed through this endpoint`; 500 for engine failures
   */
  async renew(leaseId: string, incrementSeconds: number): Promise<LeaseRenewal> {
    const now = this.host.clock.now();
    const record = this.records.get(leaseId);
    if (!record) {
      const token = this.tokenByLeaseId(leaseId);
      if (!token?.lease) throw badRequest('lease not found');
      if (!token.lease.renewable || token.type === 'batch') throw badRequest('lease is not renewable');
      if (now >= token.lease.expireTimeMs) throw badRequest('lease expired');
      throw badRequest('tokens cannot be renewed through this endpoint');
    }
    const lease = record.lease;
    const renew = record.handlers.renew;
    if (!lease.renewable || !renew) throw badRequest('lease is not renewable');
    if (now >= lease.expireTimeMs || record.inflight) throw badRequest('lease expired');
    let policy: LeaseTtlPolicy;
    try {
      policy = await renew(lease, incrementSeconds);
    } catch (error: unknown) {
      throw asInternal(error);
    }
    if (!this.records.has(leaseId)) throw badRequest('lease not found');
    const { ttlSeconds, warnings } = this.renewalTtl(lease, incrementSeconds, policy);
    const renewedAt = this.host.clock.now();
    lease.ttlSeconds = ttlSeconds;
    lease.expireTimeMs = renewedAt + ttlSeconds * 1000;
    lease.lastRenewalMs = renewedAt;
    return { lease: { leaseId, renewable: lease.renewable, durationSeconds: ttlSeconds }, warnings };
  }

  /**
   * Revokes one lease (`sys/leases/revoke`). Unknown ids are ignored. `sync` waits for the
   * engine and reports its failure (500); otherwise the revocation runs in the background
   * (Vault's lazy revoke: the lease counts as expired right away).
   */
  async revoke(leaseId: string, sync: boolean): Promise<void> {
    const record = this.records.get(leaseId);
    if (!record) {
      const token = this.tokenByLeaseId(leaseId);
      if (token) this.host.tokens.revokeTree(token.id);
      return;
    }
    if (!sync) {
      this.lazyRevoke(record);
      return;
    }
    const ok = await this.startRevoke(record, false);
    if (!ok && this.records.has(leaseId)) {
      throw internalError(`failed to revoke entry: resp: (*logical.Response)(nil) err: ${record.lease.lastRevokeError ?? 'unknown error'}`);
    }
  }

  /**
   * Revokes every lease under a prefix (`sys/leases/revoke-prefix`, `revoke-force`, mount
   * disable). A prefix without trailing `/` that is itself a lease id revokes that lease.
   * `force` removes leases even when the engine revocation fails.
   */
  async revokePrefix(prefix: string, options: { readonly sync: boolean; readonly force: boolean }): Promise<void> {
    let clean = prefix;
    if (!clean.endsWith('/')) {
      if (this.records.has(clean) || this.tokenByLeaseId(clean)) {
        await (options.force ? this.forceRevoke(clean) : this.revoke(clean, options.sync));
        return;
      }
      clean = `${clean}/`;
    }
    const ids = [...this.records.keys()].filter((id) => id.startsWith(clean));
    const tokenIds: string[] = [];
    for (const token of this.host.tokens.all()) {
      const id = tokenLeaseId(token);
      if (id?.startsWith(clean)) tokenIds.push(token.id);
    }
    for (const id of tokenIds) this.host.tokens.revokeTree(id);
    for (const [index, id] of ids.entries()) {
      const record = this.records.get(id);
      if (!record) continue;
      if (options.force) {
        await this.startRevoke(record, true);
      } else if (options.sync) {
        const ok = await this.startRevoke(record, false);
        if (!ok && this.records.has(id)) {
          throw internalError(
            `failed to revoke ${JSON.stringify(id)} (${index + 1} / ${ids.length}): ${record.lease.lastRevokeError ?? ''}`,
          );
        }
      } else {
        this.lazyRevoke(record);
      }
    }
  }

  // ----- internals ------------------------------------------------------------------------

  private async forceRevoke(leaseId: string): Promise<void> {
    const record = this.records.get(leaseId);
    if (record) {
      await this.startRevoke(record, true);
      return;
    }
    const token = this.tokenByLeaseId(leaseId);
    if (token) this.host.tokens.revokeTree(token.id);
  }

  private lazyRevoke(record: LeaseRecord): void {
    const now = this.host.clock.now();
    if (record.lease.expireTimeMs > now) record.lease.expireTimeMs = now;
    record.nextAttemptMs = 0;
    if (!record.inflight) void this.startRevoke(record, false);
  }

  /** Leases of a revoked token are revoked in the background (Vault's `RevokeByToken`). */
  private revokeByToken(entry: TokenEntry): void {
    for (const record of [...this.records.values()]) {
      if (record.lease.tokenId === entry.id) this.lazyRevoke(record);
    }
  }

  /** Runs the engine revocation once (joining a running one); resolves true when the lease is gone. */
  private startRevoke(record: LeaseRecord, force: boolean): Promise<boolean> {
    const id = record.lease.id;
    if (record.inflight) {
      const running = record.inflight;
      return force ? running.then((ok) => (ok || !this.records.has(id) ? true : this.startRevoke(record, true))) : running;
    }
    const run = (async (): Promise<boolean> => {
      try {
        await record.handlers.revoke(record.lease);
      } catch (error: unknown) {
        const lease = record.lease;
        lease.revokeAttempts += 1;
        lease.lastRevokeError = error instanceof Error ? error.message : String(error);
        if (!force) {
          if (lease.revokeAttempts >= MAX_REVOKE_ATTEMPTS) lease.irrevocable = true;
          record.nextAttemptMs = this.host.clock.now() + REVOKE_RETRY_BASE_MS * 2 ** (lease.revokeAttempts - 1);
          return false;
        }
      }
      this.records.delete(id);
      return true;
    })();
    record.inflight = run;
    void run.then(() => {
      if (record.inflight === run) record.inflight = undefined;
    });
    this.background(run);
    return run;
  }

  private tokenByLeaseId(leaseId: string): TokenEntry | undefined {
    if (!leaseId.startsWith('auth/')) return undefined;
    return this.host.tokens.all().find((token) => tokenLeaseId(token) === leaseId);
  }
}

/** The lease id Vault gives a service token with a TTL: `<creation path>/h<sha256 of the token>`; undefined for root/batch tokens. */
export function tokenLeaseId(token: TokenEntry): string | undefined {
  if (!token.lease || token.type === 'batch') return undefined;
  return `${token.path}/h${createHash('sha256').update(token.id).digest('hex')}`;
}

function asInternal(error: unknown): VaultError {
  if (error instanceof VaultError) return error;
  return new VaultError(500, [multierror(error instanceof Error ? error.message : String(error))]);
}
