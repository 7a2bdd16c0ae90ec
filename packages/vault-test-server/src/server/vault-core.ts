/**
 * The server core: owns the clock, token store, policy store and mount table, and runs the
 * logical request pipeline like Vault's `HandleRequest`:
 * sealed? → route (longest mount prefix) → authenticate the token (unless the backend marks the
 * path unauthenticated) → existence check (create vs update) → ACL → consume a token use →
 * backend → envelope (nil read/list → 404, nil write → 204).
 */
import { Acl } from './acl.js';
import type { BackendContext, BackendFactory, ServerSettings } from './backend.js';
import { BackendRegistry } from './backend-registry.js';
import { registerBuiltinBackends } from './builtin-backends.js';
import { CubbyholeBackend } from './cubbyhole.backend.js';
import {
  buildEnvelope,
  emptyResult,
  envelopeResult,
  errorResult,
  injectDataAtTopLevel,
  jsonResult,
  type EnvelopeFields,
  type HttpResult,
} from './envelope.js';
import { aclDenied, badRequest, multierror, VaultError } from './errors.js';
import type { HealthState } from './health.js';
import { LeaseManager } from './lease-manager.js';
import { newUuid } from './ids.js';
import type { DataResponse, LogicalRequest, LogicalResponse } from './logical.js';
import { MountTable, sanitizeMountPath, type MountDescriptor, type MountEntry, type MountTableKind } from './mount-table.js';
import { FrameworkBackend, type PathDefinition } from './path-router.js';
import { PolicyStore } from './policy-store.js';
import { SystemBackend, type EnableMountRequest, type MountOperations } from './system.backend.js';
import type { TestClock } from './test-clock.js';
import { TokenBackend } from './token.backend.js';
import { TokenStore, type TokenEntry } from './token-store.js';
import { UnsealKeys } from './unseal-keys.js';
import { isWrappingToken, parseWrapTtl, ResponseWrapping } from './wrapping.js';
import { RateLimitQuotas } from './rate-limit-quotas.js';

/** Vault release lines the server can imitate. */
export type VaultVersion = '1.16' | '1.17';

const VERSION_STRINGS: Readonly<Record<VaultVersion, { version: string; buildDate: string }>> = {
  '1.16': { version: '1.16.3', buildDate: '2024-05-29T14:28:42Z' },
  '1.17': { version: '1.17.6', buildDate: '2024-09-24T19:48:40Z' },
};

/** 768h, Vault's default system default/max lease TTL, in seconds. */
export const SYSTEM_MAX_TTL_SECONDS = 2_764_800;

/** Mount paths that users cannot mount at or below (secret table). */
const PROTECTED_MOUNTS = ['audit/', 'auth/', 'sys/', 'cubbyhole/', 'identity/'];

/** Options of {@link VaultCore}. */
export interface VaultCoreOptions {
  readonly clock: TestClock;
  readonly vaultVersion: VaultVersion;
  readonly rootToken: string;
  /** Mount `secret/` as KV v2 like `vault server -dev`. */
  readonly devMounts: boolean;
}

/** A backend with no paths (placeholder for `identity/`). */
class EmptyBackend extends FrameworkBackend {
  protected readonly paths: readonly PathDefinition[] = [];
}

/** The state and request pipeline of one test server. */
export class VaultCore implements BackendContext, MountOperations {
  readonly clock: TestClock;
  readonly settings: ServerSettings;
  readonly tokens: TokenStore;
  /** Leases of leased secrets; its reaper runs on clock changes and before every request. */
  readonly leases: LeaseManager;
  /** Response wrapping (`X-Vault-Wrap-TTL`, `sys/wrapping/*`). */
  readonly wrapping: ResponseWrapping;
  /** Rate-limit quotas (`sys/quotas/rate-limit/*`): a request over its quota answers 429. */
  readonly quotas: RateLimitQuotas;
  readonly policies = new PolicyStore();
  readonly mounts = new MountTable();
  /** Mountable backend types; register more here (see `builtin-backends.ts`). */
  readonly registry = new BackendRegistry();
  /** The root token entry. */
  readonly rootToken: TokenEntry;
  /** The `auth/token/` backend (token lookups/auth blocks for future auth methods). */
  readonly tokenBackend: TokenBackend;
  /** Seal state: every logical request answers 503 while true. */
  sealed = false;
  /** The unseal key, its shares and the unseal progress (`sys/unseal`, `sys/rekey`, `sys/generate-root`). */
  readonly unsealKeys = new UnsealKeys();
  /** HA standby flags (reported by `sys/health`; request forwarding is not emulated yet). */
  standby = false;
  performanceStandby = false;
  /** When the barrier key was "installed" (server start), in **ms**; reported by `sys/key-status`. */
  readonly keyInstallTimeMs: number;
  /** Successful writes handled so far (`sys/key-status` `encryptions`). */
  barrierEncryptions = 0;
  readonly clusterName = `vault-cluster-${newUuid().slice(0, 8)}`;
  readonly clusterId = newUuid();

  private readonly buildDate: string;
  /**
   * Namespace each token was created in (canonical `a/b/`; absent = root). Namespaces are a
   * Vault Enterprise feature: the server only records them and enforces the one rule clients
   * rely on, that a token works in its own namespace and below it, not in a parent or sibling.
   */
  private readonly tokenNamespaces = new Map<string, string>();

  constructor(options: VaultCoreOptions) {
    this.clock = options.clock;
    this.keyInstallTimeMs = options.clock.now();
    const version = VERSION_STRINGS[options.vaultVersion];
    this.buildDate = version.buildDate;
    this.settings = {
      vaultVersion: options.vaultVersion,
      versionString: version.version,
      defaultLeaseTtlSeconds: SYSTEM_MAX_TTL_SECONDS,
      maxLeaseTtlSeconds: SYSTEM_MAX_TTL_SECONDS,
    };
    this.tokens = new TokenStore(this.clock);
    this.leases = new LeaseManager(this);
    this.wrapping = new ResponseWrapping(this);
    this.quotas = new RateLimitQuotas(() => this.clock.now());
    registerBuiltinBackends(this.registry);

    const runningVersion = `v${version.version}+builtin.vault`;
    const internal = (table: MountTableKind, path: string, type: string, description: string, factory: BackendFactory, local = false) =>
      this.mounts.mount({ table, path, type, description, runningVersion, factory, local }, this);
    internal('secret', 'cubbyhole/', 'cubbyhole', 'per-token private secret storage', (ctx) => new CubbyholeBackend(ctx), true);
    internal('secret', 'identity/', 'identity', 'identity store', () => new EmptyBackend());
    internal('secret', 'sys/', 'system', 'system endpoints used for control, policy and debugging', (ctx) => new SystemBackend(ctx, this));
    const tokenBackend = internal(
      'auth',
      'auth/token/',
      'token',
      'token based credentials',
      (ctx, mount) => new TokenBackend(ctx, mount),
    ).backend;
    if (!(tokenBackend instanceof TokenBackend)) throw new Error('token backend not mounted');
    this.tokenBackend = tokenBackend;
    this.rootToken = tokenBackend.createRootToken(options.rootToken);
    if (options.devMounts) {
      this.enableMount({ table: 'secret', path: 'secret', type: 'kv', description: 'key/value secret storage', options: { version: '2' } });
    }
  }

  // ----- BackendContext -------------------------------------------------------------------

  aclFor(token: TokenEntry): Acl {
    if (isWrappingToken(token)) return this.wrapping.acl;
    return this.policies.aclFor(token.policies);
  }

  authenticate(clientToken: string | undefined): TokenEntry {
    if (!clientToken) throw new VaultError(403, ['permission denied']);
    const token = this.tokens.get(clientToken);
    if (!token) {
      throw new VaultError(403, [
        this.settings.vaultVersion === '1.16' ? 'permission denied' : multierror('permission denied', 'invalid token'),
      ]);
    }
    return token;
  }

  mountDefaultTtl(mount: MountDescriptor): number {
    return mount.config.defaultLeaseTtl > 0 ? mount.config.defaultLeaseTtl : this.settings.defaultLeaseTtlSeconds;
  }

  mountMaxTtl(mount: MountDescriptor): number {
    return mount.config.maxLeaseTtl > 0 ? mount.config.maxLeaseTtl : this.settings.maxLeaseTtlSeconds;
  }

  // ----- MountOperations ------------------------------------------------------------------

  enableMount(request: EnableMountRequest): void {
    const path = sanitizeMountPath(request.path);
    if (path === '') throw badRequest('path cannot be blank');
    const routerPath = request.table === 'auth' ? `auth/${path}` : path;
    if (request.table === 'secret' && PROTECTED_MOUNTS.some((p) => path.startsWith(p))) {
      throw badRequest(`cannot mount ${JSON.stringify(path)}`);
    }
    const conflict = this.mounts.conflict(routerPath);
    if (conflict !== undefined) {
      const shown = request.table === 'auth' ? conflict.replace(/^auth\//, '') : conflict;
      throw badRequest(`path is already in use at ${shown}`);
    }
    const resolved = this.registry.resolve(request.type, request.table);
    if (!resolved) throw badRequest(`plugin not found in the catalog: ${request.type}`);
    const { registration, forcedOptions } = resolved;
    const merged = { ...(request.options ?? {}), ...(forcedOptions ?? {}) };
    const options = request.options || forcedOptions ? merged : null;
    this.mounts.mount(
      {
        table: request.table,
        path: routerPath,
        type: registration.type,
        description: request.description || registration.defaultDescription || '',
        runningVersion: registration.runningVersion ?? `v${this.settings.versionString}+builtin.vault`,
        factory: registration.factory,
        options,
        ...(request.config ? { config: request.config } : {}),
        local: request.local ?? false,
        sealWrap: request.sealWrap ?? false,
        externalEntropyAccess: request.externalEntropyAccess ?? false,
      },
      this,
    );
  }

  disableMount(table: MountTableKind, rawPath: string): void {
    const path = sanitizeMountPath(rawPath);
    const routerPath = table === 'auth' ? `auth/${path}` : path;
    const entry = this.mounts.get(routerPath);
    if (!entry || entry.table !== table) return;
    if (['sys/', 'cubbyhole/', 'identity/', 'auth/token/'].includes(entry.path)) {
      throw badRequest(`cannot unmount ${JSON.stringify(path)}`);
    }
    this.mounts.remove(routerPath);
    entry.backend.cleanup?.();
  }

  // ----- request pipeline -----------------------------------------------------------------

  /** Handles a logical request and renders the HTTP answer. */
  async handle(req: LogicalRequest): Promise<HttpResult> {
    // Rate-limit quotas come first, as in Vault's HTTP handler (a sealed Vault answers 503 instead).
    const quota = this.sealed ? undefined : this.quotas.take(req.path);
    if (quota?.refused) {
      const refused = errorResult(429, quota.errors);
      return { ...refused, headers: { ...refused.headers, ...quota.headers } };
    }
    const result = await this.handleUnlimited(req);
    return quota && Object.keys(quota.headers).length > 0 ? { ...result, headers: { ...result.headers, ...quota.headers } } : result;
  }

  private async handleUnlimited(req: LogicalRequest): Promise<HttpResult> {
    try {
      const wrapTtl = parseWrapTtl(req.headers);
      if (this.sealed) throw new VaultError(503, ['Vault is sealed']);
      this.tokens.sweep();
      this.wrapping.preflight(req);
      // LeaseManager.tick(), without the await when no background work runs.
      this.leases.reap();
      if (this.leases.busy) await this.leases.settle();
      const match = this.mounts.match(req.path);
      if (match) {
        req.mount = match.entry;
        req.subPath = match.subPath;
      }
      const backend = match?.entry.backend;
      let exhausted: TokenEntry | undefined;
      if (backend?.isUnauthenticated?.(req)) {
        req.token = req.clientToken ? this.tokens.get(req.clientToken) : undefined;
      } else {
        const token = this.authenticate(req.clientToken);
        const tokenNamespace = this.tokenNamespaces.get(token.id) ?? '';
        if (!(req.namespace ?? '').startsWith(tokenNamespace)) throw new VaultError(403, ['permission denied']);
        req.token = token;
        if (backend && (req.operation === 'update' || req.operation === 'create')) {
          req.operation = backend.exists?.(req) === false ? 'create' : 'update';
        }
        if (!this.aclFor(token).allows(req.path, req.operation)) throw aclDenied();
        if (this.tokens.use(token)) exhausted = token;
      }
      try {
        if (!match || !backend) {
          throw new VaultError(404, [`no handler for route ${JSON.stringify(req.path)}. route entry not found.`]);
        }
        const response = await backend.handle(req);
        if (req.operation !== 'read' && req.operation !== 'list') this.barrierEncryptions += 1;
        if (this.leases.busy) await this.leases.settle();
        if (response?.kind === 'data' && response.auth && req.namespace)
          this.tokenNamespaces.set(response.auth.client_token, req.namespace);
        return this.wrapping.maybeWrap(req, response, this.render(req, match.entry, response), wrapTtl);
      } finally {
        if (exhausted) this.tokens.revokeTree(exhausted.id);
      }
    } catch (error: unknown) {
      return renderError(error);
    }
  }

  /** State for `sys/health` and `sys/seal-status`. */
  healthState(): HealthState {
    return {
      initialized: true,
      sealed: this.sealed,
      sealThreshold: this.unsealKeys.config.threshold,
      sealShares: this.unsealKeys.config.shares,
      unsealProgress: this.unsealKeys.unsealProgress,
      unsealNonce: this.unsealKeys.unsealNonce,
      standby: this.standby,
      performanceStandby: this.performanceStandby,
      version: this.settings.versionString,
      buildDate: this.buildDate,
      clusterName: this.clusterName,
      clusterId: this.clusterId,
      nowMs: this.clock.now(),
    };
  }

  private render(req: LogicalRequest, entry: MountEntry, response: LogicalResponse | null): HttpResult {
    if (response === null) {
      return req.operation === 'read' || req.operation === 'list' ? errorResult(404) : emptyResult(204);
    }
    switch (response.kind) {
      case 'empty':
        return emptyResult(response.status);
      case 'raw':
        return {
          status: response.status,
          headers: { 'Content-Type': 'application/json', ...response.headers },
          body: response.body,
          ...(response.bytes ? { bytes: response.bytes } : {}),
        };
      case 'data': {
        if (req.operation === 'list' && isEmptyList(response)) return errorResult(404);
        const fields: EnvelopeFields = {
          requestId: req.id,
          leaseId: response.lease?.leaseId,
          renewable: response.lease?.renewable,
          leaseDuration: response.lease?.durationSeconds,
          data: response.data,
          warnings: response.warnings,
          auth: response.auth,
          mountType: response.mountType ?? entry.type,
        };
        if (!response.injectDataAtTopLevel) return envelopeResult(response.status ?? 200, fields);
        return jsonResult(response.status ?? 200, injectDataAtTopLevel(buildEnvelope(fields)));
      }
    }
  }
}

/** Vault's empty-list rule (`RespondErrorCommon`): no keys and nothing else → 404. */
function isEmptyList(response: DataResponse): boolean {
  const hasWarnings = (response.warnings?.length ?? 0) > 0;
  const data = response.data;
  if (!data || Object.keys(data).length === 0) return !hasWarnings;
  const keys = data['keys'];
  if (keys === undefined || keys === null) return false;
  return Array.isArray(keys) && keys.length === 0;
}

function renderError(error: unknown): HttpResult {
  if (error instanceof VaultError) return errorResult(error.status, error.errors);
  const message = error instanceof Error ? error.message : String(error);
  return errorResult(500, [multierror(message)]);
}
