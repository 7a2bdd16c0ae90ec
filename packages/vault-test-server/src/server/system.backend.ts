/**
 * The `sys/` backend: mount management (`sys/mounts`, `sys/auth`, tune, `sys/remount`), ACL
 * policies (`sys/policies/acl` and the older `sys/policy`), `sys/capabilities-self`,
 * `sys/internal/ui/mounts` (KV version detection,
 * https://developer.hashicorp.com/vault/api-docs/system/internal-ui-mounts), leases, wrapping,
 * audit devices, `sys/key-status`, `sys/rekey/backup` and rate-limit quotas (`sys/quotas/*`). `sys/health`, `sys/seal-status`,
 * `sys/init`, `sys/seal`, `sys/unseal`, `sys/leader`, `sys/rekey/*` and `sys/generate-root/*` are
 * raw HTTP handlers (see `health.ts` and `operator-endpoints.ts`).
 */
import type { BackendContext } from './backend.js';
import { aclDenied, badRequest, VaultError } from './errors.js';
import { boolField, durationField, isPlainObject, stringField, stringMapField, stringSliceField } from './fields.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import { mountInfo, sanitizeMountPath, type MountConfig, type MountTableKind } from './mount-table.js';
import { FrameworkBackend, type PathDefinition, type PathParams } from './path-router.js';
import { auditPaths } from './system-audit.js';
import { leasePaths } from './system-leases.js';
import { toolsPaths } from './system-tools.js';
import { legacyPolicyPaths } from './system-policy-legacy.js';
import { remountPaths } from './system-remount.js';
import { rateLimitQuotaPaths, type RateLimitQuotas } from './rate-limit-quotas.js';
import { formatRfc3339FromMillis } from './time-format.js';
import { wrappingPaths } from './wrapping.js';

/** A request to enable a mount. TTLs in **seconds**. */
export interface EnableMountRequest {
  readonly table: MountTableKind;
  /** Path as given by the user (`team/a/kv`, `/secret2/`); sanitised by the core. */
  readonly path: string;
  readonly type: string;
  readonly description?: string;
  readonly options?: Record<string, string> | null;
  readonly config?: Partial<MountConfig>;
  readonly local?: boolean;
  readonly sealWrap?: boolean;
  readonly externalEntropyAccess?: boolean;
}

/** The barrier keyring as `sys/key-status` reports it. */
export interface KeyringInfo {
  /** When the (only) encryption key was installed, in **ms** since the epoch (server start). */
  readonly keyInstallTimeMs: number;
  /** Writes the server has handled, standing in for Vault's estimated encryption count. */
  readonly barrierEncryptions: number;
}

/** Mount administration offered by the core to the system backend. */
export interface MountOperations {
  /** @throws VaultError 400 on conflicts, protected paths or unknown types */
  enableMount(request: EnableMountRequest): void;
  /** Disables a mount (no error when absent). @throws VaultError 400 for protected mounts */
  disableMount(table: MountTableKind, path: string): void;
}

/** Backend of the `sys/` mount. */
export class SystemBackend extends FrameworkBackend {
  protected readonly paths: readonly PathDefinition[] = [
    { pattern: /^mounts$/, operations: { read: () => this.listMounts('secret') } },
    {
      pattern: /^mounts\/(?<path>.+)\/tune$/s,
      operations: { read: (_r, p) => this.readTune('secret', p), update: (r, p) => this.writeTune('secret', r, p) },
    },
    {
      pattern: /^mounts\/(?<path>.+)$/s,
      operations: {
        read: (_r, p) => this.readMount('secret', p),
        update: (r, p) => this.enable('secret', r, p),
        delete: (_r, p) => this.disable('secret', p),
      },
    },
    { pattern: /^auth$/, operations: { read: () => this.listMounts('auth') } },
    // `auth/*` is a root path of Vault's system backend: everything below `sys/auth/` needs sudo.
    {
      pattern: /^auth\/(?<path>.+)\/tune$/s,
      operations: {
        read: (r, p) => this.sudo(r, () => this.readTune('auth', p)),
        update: (r, p) => this.sudo(r, () => this.writeTune('auth', r, p)),
      },
    },
    {
      pattern: /^auth\/(?<path>.+)$/s,
      operations: {
        read: (r, p) => this.sudo(r, () => this.readMount('auth', p)),
        update: (r, p) => this.sudo(r, () => this.enable('auth', r, p)),
        delete: (r, p) => this.sudo(r, () => this.disable('auth', p)),
      },
    },
    { pattern: /^policies\/acl\/?$/, operations: { list: () => respondData({ keys: this.ctx.policies.list() }) } },
    {
      pattern: /^policies\/acl\/(?<name>.+)$/s,
      operations: {
        read: (_r, p) => this.readPolicy(p),
        update: (r, p) => {
          this.ctx.policies.set(p['name'] ?? '', stringField(r.data, 'policy'));
          return null;
        },
        delete: (_r, p) => {
          this.ctx.policies.delete(p['name'] ?? '');
          return null;
        },
      },
    },
    { pattern: /^capabilities-self$/, operations: { update: (r) => this.capabilitiesSelf(r) } },
    { pattern: /^internal\/ui\/mounts\/?$/, operations: { read: (r) => this.uiMountList(r) }, unauthenticated: true },
    {
      pattern: /^internal\/ui\/mounts\/(?<path>.+)$/s,
      operations: { read: (r, p) => this.uiMount(r, p) },
      unauthenticated: true,
    },
    ...leasePaths(() => this.ctx),
    ...wrappingPaths(() => this.ctx.wrapping),
    ...toolsPaths(),
    ...legacyPolicyPaths(() => this.ctx),
    ...auditPaths(() => this.ctx),
    ...remountPaths(() => this.ctx),
    ...rateLimitQuotaPaths(() => this.ops.quotas),
    { pattern: /^key-status$/, operations: { read: () => this.keyStatus() } },
    {
      pattern: /^rekey\/backup$/,
      operations: {
        // The test server never stores PGP-encrypted backups (`pgp_keys` is not supported).
        read: () => {
          throw badRequest('no backed-up keys found');
        },
        delete: () => null,
      },
    },
  ];

  constructor(
    private readonly ctx: BackendContext,
    private readonly ops: MountOperations & KeyringInfo & { readonly quotas: RateLimitQuotas },
  ) {
    super();
  }

  /** `GET sys/key-status` (https://developer.hashicorp.com/vault/api-docs/system/key-status): one key, term 1. */
  private keyStatus(): DataResponse {
    return respondData(
      {
        encryptions: this.ops.barrierEncryptions,
        install_time: formatRfc3339FromMillis(this.ops.keyInstallTimeMs),
        term: 1,
      },
      { injectDataAtTopLevel: true },
    );
  }

  /** Runs `handler` for a token with `sudo` on the request path (Vault's root-protected paths); 403 otherwise. */
  private sudo<T>(req: LogicalRequest, handler: () => T): T {
    const token = req.token ?? this.ctx.authenticate(req.clientToken);
    if (!this.ctx.aclFor(token).isSudo(req.path)) throw aclDenied();
    return handler();
  }

  private routerPath(table: MountTableKind, params: PathParams): string {
    const path = sanitizeMountPath(params['path'] ?? '');
    return table === 'auth' ? `auth/${path}` : path;
  }

  private listMounts(table: MountTableKind): DataResponse {
    const data: Record<string, unknown> = {};
    for (const entry of this.ctx.mounts.list(table)) {
      const key = table === 'auth' ? entry.path.slice('auth/'.length) : entry.path;
      data[key] = mountInfo(entry);
    }
    return respondData(data, { injectDataAtTopLevel: true });
  }

  private readMount(table: MountTableKind, params: PathParams): DataResponse {
    const entry = this.ctx.mounts.get(this.routerPath(table, params));
    if (!entry || entry.table !== table) {
      const path = sanitizeMountPath(params['path'] ?? '');
      throw badRequest(table === 'auth' ? `No auth engine at ${path}` : `No secret engine mount at ${path}`);
    }
    return respondData(mountInfo(entry));
  }

  private enable(table: MountTableKind, req: LogicalRequest, params: PathParams): null {
    const type = stringField(req.data, 'type');
    if (type === '') throw badRequest('backend type must be specified as a string');
    const configRaw = req.data['config'];
    const config: Partial<MountConfig> = {};
    if (isPlainObject(configRaw)) {
      const ttl = (field: string): number | undefined => (configRaw[field] === 'system' ? 0 : durationField(configRaw, field));
      const defaultTtl = ttl('default_lease_ttl');
      const maxTtl = ttl('max_lease_ttl');
      if (defaultTtl !== undefined) config.defaultLeaseTtl = defaultTtl;
      if (maxTtl !== undefined) config.maxLeaseTtl = maxTtl;
      const noCache = boolField(configRaw, 'force_no_cache');
      if (noCache !== undefined) config.forceNoCache = noCache;
    }
    this.ops.enableMount({
      table,
      path: params['path'] ?? '',
      type,
      description: stringField(req.data, 'description'),
      options: stringMapField(req.data, 'options') ?? null,
      config,
      local: boolField(req.data, 'local', false),
      sealWrap: boolField(req.data, 'seal_wrap', false),
      externalEntropyAccess: boolField(req.data, 'external_entropy_access', false),
    });
    return null;
  }

  private disable(table: MountTableKind, params: PathParams): null {
    this.ops.disableMount(table, params['path'] ?? '');
    return null;
  }

  private readTune(table: MountTableKind, params: PathParams): DataResponse {
    const entry = this.ctx.mounts.get(this.routerPath(table, params));
    if (!entry || entry.table !== table) {
      throw badRequest(`cannot fetch sysview for path ${JSON.stringify(sanitizeMountPath(params['path'] ?? ''))}`);
    }
    const data: Record<string, unknown> = {
      default_lease_ttl: this.ctx.mountDefaultTtl(entry),
      description: entry.description,
      force_no_cache: entry.config.forceNoCache,
      max_lease_ttl: this.ctx.mountMaxTtl(entry),
    };
    if (entry.options) data['options'] = { ...entry.options };
    return respondData(data);
  }

  private writeTune(table: MountTableKind, req: LogicalRequest, params: PathParams): null {
    const entry = this.ctx.mounts.get(this.routerPath(table, params));
    if (!entry || entry.table !== table) {
      throw badRequest(`cannot fetch sysview for path ${JSON.stringify(sanitizeMountPath(params['path'] ?? ''))}`);
    }
    const ttl = (field: string): number | undefined => (req.data[field] === 'system' ? 0 : durationField(req.data, field));
    const defaultTtl = ttl('default_lease_ttl');
    const maxTtl = ttl('max_lease_ttl');
    if (defaultTtl !== undefined) entry.config.defaultLeaseTtl = defaultTtl;
    if (maxTtl !== undefined) entry.config.maxLeaseTtl = maxTtl;
    if (typeof req.data['description'] === 'string') entry.description = req.data['description'];
    const options = stringMapField(req.data, 'options');
    if (options) {
      const current = entry.options?.['version'] ?? '';
      const wanted = options['version'];
      if (entry.type === 'kv' && wanted !== undefined && wanted !== current && !(current === '' && wanted === '1')) {
        throw badRequest('changing the KV version of a mount is not supported by the Vault test server');
      }
      entry.options = { ...(entry.options ?? {}), ...options };
    }
    return null;
  }

  private readPolicy(params: PathParams): DataResponse | null {
    const policy = this.ctx.policies.get(params['name'] ?? '');
    return policy ? respondData({ name: policy.name, policy: policy.raw }) : null;
  }

  private capabilitiesSelf(req: LogicalRequest): DataResponse {
    const token = this.ctx.authenticate(req.clientToken);
    const paths = stringSliceField(req.data, 'paths');
    const single = stringField(req.data, 'path');
    if (single !== '') paths.push(single);
    if (paths.length === 0) throw badRequest('paths must be supplied');
    const acl = this.ctx.aclFor(token);
    const data: Record<string, unknown> = {};
    for (const path of paths) data[path] = acl.capabilities(path.replace(/^\/+/, ''));
    if (paths.length === 1) data['capabilities'] = data[paths[0] ?? ''];
    return respondData(data, { injectDataAtTopLevel: true });
  }

  /** `GET sys/internal/ui/mounts`: mounts the token may see, split into `auth` and `secret`. */
  private uiMountList(req: LogicalRequest): DataResponse {
    const token = req.clientToken ? this.ctx.tokens.get(req.clientToken) : undefined;
    const acl = token ? this.ctx.aclFor(token) : undefined;
    const secret: Record<string, unknown> = {};
    const auth: Record<string, unknown> = {};
    for (const entry of this.ctx.mounts.list()) {
      if (!acl || !acl.hasMountAccess(entry.path)) continue;
      if (entry.table === 'auth') auth[entry.path.slice('auth/'.length)] = mountInfo(entry);
      else secret[entry.path] = mountInfo(entry);
    }
    return respondData({ auth, secret });
  }

  /**
   * `GET /v1/sys/internal/ui/mounts/:path` (https://developer.hashicorp.com/vault/api-docs/system/internal-ui-mounts): the
   * mount entry serving `path`.
   */
  private uiMount(req: LogicalRequest, params: PathParams): DataResponse {
    const path = sanitizeMountPath(params['path'] ?? '');
    const denied = new VaultError(403, [
      `preflight capability check returned 403, please ensure client's policies grant access to path ${JSON.stringify(path)}`,
    ]);
    const match = this.ctx.mounts.match(path);
    if (!match) throw denied;
    const token = this.ctx.authenticate(req.clientToken);
    if (!this.ctx.aclFor(token).hasMountAccess(match.entry.path)) throw denied;
    return respondData({ ...mountInfo(match.entry), path: match.entry.path });
  }
}
