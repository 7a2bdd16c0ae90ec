/**
 * Token storage and lifecycle: creation, lookup by id/accessor, expiry by the test clock,
 * use counting (`num_uses`) and revocation of whole token trees. Expired tokens are revoked
 * lazily by {@link TokenStore.sweep}, which the core runs before every request.
 *
 * Other parts hook into revocation with {@link TokenStore.onRevoke} (cubbyhole today, the
 * lease manager later: leases owned by a revoked token must be revoked too).
 */
import { badRequest } from './errors.js';
import { newAccessor, newBatchTokenId, newServiceTokenId } from './ids.js';
import type { TestClock } from './test-clock.js';

/** `service` tokens are persisted and renewable; `batch` tokens are lightweight and not. */
export type TokenType = 'service' | 'batch';

/** The lease of a token with a TTL. Instants in **ms**, durations in **seconds**. */
export interface TokenLease {
  /** Issue time (ms). Max TTLs are measured from here. */
  issueTimeMs: number;
  /** Expiry (ms). */
  expireTimeMs: number;
  /** The TTL granted last (creation or renewal), in seconds; reused by a renewal without increment. */
  ttlSeconds: number;
  /** Last renewal (ms), or null. */
  lastRenewalMs: number | null;
  /** Whether renew-self is allowed. */
  renewable: boolean;
}

/** A token known to the server. */
export interface TokenEntry {
  /** The secret token value (`hvs.`/`hvb.` prefixed). Never logged. */
  readonly id: string;
  /** 24-character accessor. */
  readonly accessor: string;
  /** Sorted policy names. */
  readonly policies: readonly string[];
  /** Creation path, e.g. `auth/token/create`. */
  readonly path: string;
  readonly meta: Readonly<Record<string, string>> | null;
  readonly displayName: string;
  /** Remaining uses; 0 = unlimited, -1 = last use consumed (revoked after the current request). */
  numUses: number;
  /** Creation time (ms). */
  readonly creationTimeMs: number;
  /** TTL at creation in seconds (0 = non-expiring). */
  readonly creationTtlSeconds: number;
  /** Explicit max TTL in seconds (0 = none). */
  readonly explicitMaxTtlSeconds: number;
  /** Period in seconds (0 = not periodic). */
  readonly periodSeconds: number;
  readonly type: TokenType;
  /** Parent token id, or null for orphans. */
  parentId: string | null;
  readonly entityId: string;
  /** The lease, or null for non-expiring (root) tokens. */
  lease: TokenLease | null;
  /** Role name for role-created tokens. */
  readonly role?: string;
  /** Login tokens: the role's `token_max_ttl` in seconds, applied again on renewal (0/absent = none). */
  readonly maxTtlSeconds?: number;
  /** Login tokens: router path of the issuing auth mount (`auth/approle/`); its tuned TTLs apply on renewal. */
  readonly authMountPath?: string;
}

/** Fields given when creating a token (id/accessor are generated unless `id` is given). */
export type NewToken = Omit<TokenEntry, 'id' | 'accessor'> & { readonly id?: string };

/** Called after a token was revoked. */
export type RevokeListener = (entry: TokenEntry) => void;

/** In-memory token store driven by the test clock. */
export class TokenStore {
  private readonly byId = new Map<string, TokenEntry>();
  private readonly byAccessor = new Map<string, TokenEntry>();
  private readonly listeners = new Set<RevokeListener>();

  constructor(private readonly clock: TestClock) {}

  /**
   * Stores a new token.
   * @throws VaultError 400 when a custom id is already used
   */
  insert(input: NewToken): TokenEntry {
    const id = input.id ?? (input.type === 'batch' ? newBatchTokenId() : newServiceTokenId());
    if (this.byId.has(id)) throw badRequest('cannot create a token with a duplicate ID');
    const entry: TokenEntry = { ...input, id, accessor: newAccessor() };
    this.byId.set(id, entry);
    this.byAccessor.set(entry.accessor, entry);
    return entry;
  }

  /** A live token by id (expired tokens are revoked first and not returned). */
  get(id: string): TokenEntry | undefined {
    this.sweep();
    return this.byId.get(id);
  }

  /** A token by id without expiry processing (used for logging). */
  peek(id: string): TokenEntry | undefined {
    return this.byId.get(id);
  }

  /** A live token by accessor. */
  getByAccessor(accessor: string): TokenEntry | undefined {
    this.sweep();
    return this.byAccessor.get(accessor);
  }

  /** All live tokens. */
  all(): TokenEntry[] {
    this.sweep();
    return [...this.byId.values()];
  }

  /** Whether the token's lease has expired at the current clock time. */
  isExpired(entry: TokenEntry): boolean {
    return entry.lease !== null && this.clock.now() >= entry.lease.expireTimeMs;
  }

  /** Revokes every expired token together with its descendants. */
  sweep(): void {
    if (!this.anyExpired()) return;
    for (const entry of [...this.byId.values()]) {
      if (this.byId.has(entry.id) && this.isExpired(entry)) this.revokeTree(entry.id);
    }
  }

  /** Whether some token has expired (most sweeps find none: no copy of the table then). */
  private anyExpired(): boolean {
    for (const entry of this.byId.values()) {
      if (this.isExpired(entry)) return true;
    }
    return false;
  }

  /**
   * Consumes one use of a limited-use token.
   * @returns true when that was the last use (the caller revokes the token after the request)
   */
  use(entry: TokenEntry): boolean {
    if (entry.numUses <= 0) return false;
    entry.numUses = entry.numUses === 1 ? -1 : entry.numUses - 1;
    return entry.numUses === -1;
  }

  /** Revokes a token and all its descendants (idempotent). */
  revokeTree(id: string): void {
    const entry = this.byId.get(id);
    if (!entry) return;
    for (const child of this.childrenOf(id)) this.revokeTree(child.id);
    this.remove(entry);
  }

  /** Revokes a token only; its children become orphans. */
  revokeOrphan(id: string): void {
    const entry = this.byId.get(id);
    if (!entry) return;
    for (const child of this.childrenOf(id)) child.parentId = null;
    this.remove(entry);
  }

  /** Registers a revocation listener; returns its remover. */
  onRevoke(listener: RevokeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Remaining TTL in **seconds** as `lookup` reports it (0 for non-expiring tokens). */
  remainingTtlSeconds(entry: TokenEntry): number {
    if (!entry.lease) return 0;
    return Math.max(0, Math.round((entry.lease.expireTimeMs - this.clock.now()) / 1000));
  }

  private childrenOf(id: string): TokenEntry[] {
    return [...this.byId.values()].filter((candidate) => candidate.parentId === id);
  }

  private remove(entry: TokenEntry): void {
    this.byId.delete(entry.id);
    this.byAccessor.delete(entry.accessor);
    for (const listener of this.listeners) listener(entry);
  }
}
