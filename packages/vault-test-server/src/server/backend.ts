/**
 * The contract between the server core and its backends (secrets engines and auth methods).
 *
 * A backend is mounted at a path prefix (`secret/`, `team/a/kv/`, `auth/token/`); the core
 * strips the prefix, authenticates, checks the ACL and hands the request to
 * {@link Backend.handle}. New engines (database, aws, pki) and auth methods (approle, userpass,
 * kubernetes, jwt) implement this interface — usually by extending `FrameworkBackend` — and
 * are registered by type name in the `BackendRegistry` (see `builtin-backends.ts`).
 */
import type { Acl } from './acl.js';
import type { LeaseManager } from './lease-manager.js';
import type { ResponseWrapping } from './wrapping.js';
import type { TestClock } from './test-clock.js';
import type { LogicalRequest, LogicalResponse } from './logical.js';
import type { MountDescriptor, MountTable } from './mount-table.js';
import type { PolicyStore } from './policy-store.js';
import type { TokenEntry, TokenStore } from './token-store.js';

/** A mounted backend instance (one per mount). */
export interface Backend {
  /** Handles a routed request. Return `null` for Go's nil response (404 on read/list, 204 otherwise); throw `VaultError` for errors. */
  handle(req: LogicalRequest): LogicalResponse | null | Promise<LogicalResponse | null>;
  /**
   * Existence check used to choose between the `create` and `update` ACL capability for
   * POST/PUT. `undefined` means the path has no existence check (always `update`).
   */
  exists?(req: LogicalRequest): boolean | undefined;
  /** True when the path may be called without a token (login endpoints). */
  isUnauthenticated?(req: LogicalRequest): boolean;
  /** Called once when the mount is disabled. */
  cleanup?(): void;
}

/** Server-wide settings visible to backends. */
export interface ServerSettings {
  /** `'1.16'` or `'1.17'`: selects the 403 texts (`permission denied` / `invalid token`) of that Vault version. */
  readonly vaultVersion: '1.16' | '1.17';
  /** Full version string reported by `sys/health` (e.g. `1.17.6`). */
  readonly versionString: string;
  /** System default lease TTL in **seconds** (768h = 2764800). */
  readonly defaultLeaseTtlSeconds: number;
  /** System max lease TTL in **seconds** (768h = 2764800). */
  readonly maxLeaseTtlSeconds: number;
}

/** What the core offers to every backend. */
export interface BackendContext {
  readonly clock: TestClock;
  readonly settings: ServerSettings;
  readonly tokens: TokenStore;
  readonly policies: PolicyStore;
  readonly mounts: MountTable;
  /** Leases of leased secrets (register, renew, revoke; expiry by the clock). */
  readonly leases: LeaseManager;
  /** Response wrapping state (`sys/wrapping/*`). */
  readonly wrapping: ResponseWrapping;
  /** The ACL of a token (root ACL for root tokens). */
  aclFor(token: TokenEntry): Acl;
  /** Resolves a client token or throws Vault's 403 (`permission denied` or `invalid token`). */
  authenticate(clientToken: string | undefined): TokenEntry;
  /** Effective default lease TTL of a mount in **seconds** (mount tune value or system default). */
  mountDefaultTtl(mount: MountDescriptor): number;
  /** Effective max lease TTL of a mount in **seconds**. */
  mountMaxTtl(mount: MountDescriptor): number;
}

/** Creates the backend of a mount. `mount` is the live mount entry (its options may be tuned later). */
export type BackendFactory = (context: BackendContext, mount: MountDescriptor) => Backend;
