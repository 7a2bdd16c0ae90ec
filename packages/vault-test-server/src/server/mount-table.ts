/**
 * The mount table: backends keyed by path prefix, resolved by longest prefix like Vault's
 * router. Secret engines (`secret/`, `team/a/kv/`) and auth methods (`auth/token/`) live in
 * the same table; `table` tells them apart.
 */
import type { Backend, BackendContext, BackendFactory } from './backend.js';
import { newMountAccessor, newUuid } from './ids.js';

/** Which table a mount belongs to (`sys/mounts` or `sys/auth`). */
export type MountTableKind = 'secret' | 'auth';

/** Tunable mount settings. TTLs in **seconds**; 0 means "use the system value". */
export interface MountConfig {
  defaultLeaseTtl: number;
  maxLeaseTtl: number;
  forceNoCache: boolean;
}

/** A mount entry without its backend instance (what a backend factory receives). */
export interface MountDescriptor {
  readonly table: MountTableKind;
  /** Full router path with a trailing slash: `secret/`, `team/a/kv/`, `auth/token/`. */
  readonly path: string;
  /** Engine type as shown by Vault (`kv`, `cubbyhole`, `system`, `token`...). */
  readonly type: string;
  description: string;
  /** Mount accessor, e.g. `kv_1f2e3d4c`. */
  readonly accessor: string;
  readonly uuid: string;
  /** Engine options (`{"version":"2"}` for KV v2), or null. Values are strings. */
  options: Record<string, string> | null;
  readonly config: MountConfig;
  readonly local: boolean;
  readonly sealWrap: boolean;
  readonly externalEntropyAccess: boolean;
  /** `running_plugin_version`, e.g. `v0.19.0+builtin`. */
  readonly runningVersion: string;
}

/** A mounted backend. */
export interface MountEntry extends MountDescriptor {
  readonly backend: Backend;
}

/** What is needed to create a mount (see {@link MountTable.mount}). */
export interface MountSpec {
  readonly table: MountTableKind;
  /** Full router path with a trailing slash. */
  readonly path: string;
  readonly type: string;
  readonly description: string;
  readonly runningVersion: string;
  readonly factory: BackendFactory;
  readonly options?: Record<string, string> | null;
  readonly config?: Partial<MountConfig>;
  readonly local?: boolean;
  readonly sealWrap?: boolean;
  readonly externalEntropyAccess?: boolean;
}

/** The result of routing a path. */
export interface MountMatch {
  readonly entry: MountEntry;
  /** The path relative to the mount. */
  readonly subPath: string;
}

/** Normalises a user-given mount path: no leading `/`, exactly one trailing `/`. */
export function sanitizeMountPath(path: string): string {
  let clean = path.trim().replace(/^\/+/, '');
  clean = clean.replace(/\/+$/, '');
  return clean === '' ? '' : `${clean}/`;
}

/** Mount table with longest-prefix resolution. */
export class MountTable {
  private readonly entries = new Map<string, MountEntry>();

  /**
   * Creates a mount entry (new accessor and uuid), builds its backend with the spec's factory
   * and adds it. The caller checks conflicts first (see {@link conflict}).
   */
  mount(spec: MountSpec, context: BackendContext): MountEntry {
    const descriptor: MountDescriptor = {
      table: spec.table,
      path: spec.path,
      type: spec.type,
      description: spec.description,
      accessor: newMountAccessor(spec.type, spec.table),
      uuid: newUuid(),
      options: spec.options ?? null,
      config: {
        defaultLeaseTtl: spec.config?.defaultLeaseTtl ?? 0,
        maxLeaseTtl: spec.config?.maxLeaseTtl ?? 0,
        forceNoCache: spec.config?.forceNoCache ?? false,
      },
      local: spec.local ?? false,
      sealWrap: spec.sealWrap ?? false,
      externalEntropyAccess: spec.externalEntropyAccess ?? false,
      runningVersion: spec.runningVersion,
    };
    const entry: MountEntry = Object.assign(descriptor, { backend: spec.factory(context, descriptor) });
    this.add(entry);
    return entry;
  }

  /** Adds a mount. The caller checks conflicts first (see {@link conflict}). */
  add(entry: MountEntry): void {
    this.entries.set(entry.path, entry);
  }

  /** Removes the mount at exactly `path` (router path with trailing slash). */
  remove(path: string): MountEntry | undefined {
    const entry = this.entries.get(path);
    if (entry) this.entries.delete(path);
    return entry;
  }

  /**
   * Moves the mount at exactly `from` to `to` (router paths with a trailing slash), keeping its
   * backend, accessor and uuid, like `sys/remount`. The caller checks conflicts first.
   */
  move(from: string, to: string): MountEntry | undefined {
    const entry = this.entries.get(from);
    if (!entry) return undefined;
    this.entries.delete(from);
    // The path is read-only for everyone but the table itself.
    (entry as { path: string }).path = to;
    this.entries.set(to, entry);
    return entry;
  }

  /** The mount at exactly `path`. */
  get(path: string): MountEntry | undefined {
    return this.entries.get(path);
  }

  /** All mounts of a table (or all), sorted by path. */
  list(table?: MountTableKind): MountEntry[] {
    return [...this.entries.values()]
      .filter((entry) => table === undefined || entry.table === table)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * Longest-prefix match. Like Vault, `foo` also matches a mount at `foo/`.
   */
  match(path: string): MountMatch | undefined {
    const direct = this.longestPrefix(path);
    if (direct) return { entry: direct, subPath: path.slice(direct.path.length) };
    if (!path.endsWith('/')) {
      const withSlash = `${path}/`;
      const entry = this.longestPrefix(withSlash);
      if (entry) return { entry, subPath: withSlash.slice(entry.path.length) };
    }
    return undefined;
  }

  /** The existing mount path that conflicts with mounting at `path` (one is a prefix of the other). */
  conflict(path: string): string | undefined {
    for (const existing of this.entries.keys()) {
      if (existing.startsWith(path) || path.startsWith(existing)) return existing;
    }
    return undefined;
  }

  private longestPrefix(path: string): MountEntry | undefined {
    let best: MountEntry | undefined;
    for (const entry of this.entries.values()) {
      if (path.startsWith(entry.path) && (!best || entry.path.length > best.path.length)) best = entry;
    }
    return best;
  }
}

/**
 * Vault's per-mount description map (`mountInfo` in `vault/logical_system.go`), as returned by
 * `sys/mounts`, `sys/auth` and `sys/internal/ui/mounts/:path`. TTLs in **seconds**.
 */
export function mountInfo(entry: MountDescriptor): Record<string, unknown> {
  const config: Record<string, unknown> = {
    default_lease_ttl: entry.config.defaultLeaseTtl,
    force_no_cache: entry.config.forceNoCache,
    max_lease_ttl: entry.config.maxLeaseTtl,
  };
  if (entry.table === 'auth') config['token_type'] = 'default-service';
  return {
    accessor: entry.accessor,
    config,
    deprecation_status: 'supported',
    description: entry.description,
    external_entropy_access: entry.externalEntropyAccess,
    local: entry.local,
    options: entry.options ? { ...entry.options } : null,
    plugin_version: '',
    running_plugin_version: entry.runningVersion,
    running_sha256: '',
    seal_wrap: entry.sealWrap,
    type: entry.type,
    uuid: entry.uuid,
  };
}
