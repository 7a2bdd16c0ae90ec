/**
 * The registration point for mountable backend types. `sys/mounts/:path` and `sys/auth/:path`
 * look types up here; later work adds engines/auth methods with one `register` call (see
 * `builtin-backends.ts`), without touching the router or the core.
 */
import type { BackendFactory } from './backend.js';
import type { MountTableKind } from './mount-table.js';

/** A mountable backend type. */
export interface BackendRegistration {
  /** Type name as given to `sys/mounts` / `sys/auth` (`kv`, `database`, `approle`...). */
  readonly type: string;
  /** `secret` for `sys/mounts`, `auth` for `sys/auth`. */
  readonly table: MountTableKind;
  /** Creates the backend of one mount. */
  readonly factory: BackendFactory;
  /** `running_plugin_version` shown in mount listings (default `v<version>+builtin.vault`). */
  readonly runningVersion?: string;
  /** Alias type names mapped to forced options, e.g. `kv-v2` → `{version: "2"}`. */
  readonly aliases?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Default mount description when none is given. */
  readonly defaultDescription?: string;
}

/** The result of resolving a (possibly aliased) type name. */
export interface ResolvedRegistration {
  readonly registration: BackendRegistration;
  /** Options forced by an alias (merged over the request's options). */
  readonly forcedOptions: Readonly<Record<string, string>> | undefined;
}

/** Registry of mountable backend types. */
export class BackendRegistry {
  private readonly registrations = new Map<string, BackendRegistration>();

  /** Registers (or replaces) a backend type for a table. */
  register(registration: BackendRegistration): void {
    this.registrations.set(`${registration.table}:${registration.type}`, registration);
  }

  /** Resolves a type name or alias for a table. */
  resolve(type: string, table: MountTableKind): ResolvedRegistration | undefined {
    const direct = this.registrations.get(`${table}:${type}`);
    if (direct) return { registration: direct, forcedOptions: undefined };
    for (const registration of this.registrations.values()) {
      const forced = registration.table === table ? registration.aliases?.[type] : undefined;
      if (forced) return { registration, forcedOptions: forced };
    }
    return undefined;
  }

  /** Registered type names of a table. */
  types(table: MountTableKind): string[] {
    return [...this.registrations.values()].filter((r) => r.table === table).map((r) => r.type);
  }
}
