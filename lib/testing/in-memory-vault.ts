import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { TokenSource } from '../contracts/token-source.js';
import type { VaultRequest, VaultResponse } from '../contracts/vault-request.js';
import type { VaultTransport } from '../transport/vault-transport.js';
import { mapVaultStatus } from '../transport/map-vault-error.js';
import { VaultRequestError } from '../errors/vault-request.error.js';

/** Secrets to start with: key (relative to `secretsPath`, or a lease key such as `database/creds/app`) → value. */
export type InMemorySecrets = Record<string, Record<string, unknown>>;

interface Version {
  data: Record<string, unknown>;
  createdTime: string;
}

/**
 * Dynamic-secret paths the in-memory Vault serves from `secrets`: `database|aws|pki` (the engines'
 * default mounts) followed by `creds|static-creds|sts|issue/<role>`, e.g. `database/creds/app`.
 * Any other key (even `payments/creds/stripe`) is a KV key.
 */
const LEASED_PATH = /^(database|aws|pki)\/(creds|static-creds|sts|issue)\/(.+)$/;

/** Lease TTL the in-memory Vault gives dynamic secrets, in seconds. */
export const IN_MEMORY_LEASE_SECONDS = 3600;

/**
 * An in-memory stand-in for Vault's HTTP API, enough for the module's read paths: KV v2 under
 * one mount (`data/`, `metadata/`, LIST, check-and-set writes), token lookup, dynamic secrets
 * served from fixed values with a renewable lease, `sys/leases/renew|revoke`. No HTTP, no timers.
 * Used by `SecretsTestingModule`; you normally drive it through `rotate()` and `set()`.
 */
export class InMemoryVault implements VaultTransport {
  readonly address = 'in-memory://vault';
  readonly #mount: string;
  /** Folder inside the mount that app keys are relative to ('' for the mount root). */
  readonly #base: string;
  readonly #kv = new Map<string, Version[]>();
  readonly #deleted = new Set<string>();
  readonly #leased = new Map<string, Record<string, unknown>>();
  readonly #revoked: string[] = [];

  /**
   * @param secrets - initial values; keys of the form `<mount>/creds/<role>` (and `static-creds`,
   *   `sts`, `issue`) are served as dynamic secrets, every other key as a KV v2 secret.
   * @param secretsPath - the module's `secretsPath` (`secret`, `secret/data/app` or `secret/app`);
   *   KV keys are stored under it, so they are the same keys the app reads. Default `secret`.
   */
  constructor(secrets: InMemorySecrets = {}, secretsPath = 'secret') {
    const [mount = 'secret', ...rest] = secretsPath.split('/').filter((s) => s !== '');
    this.#mount = mount;
    this.#base = (rest[0] === 'data' ? rest.slice(1) : rest).join('/');
    for (const [key, value] of Object.entries(secrets)) this.set(key, value);
  }

  /** Whether `key` is served as a dynamic (leased) secret rather than KV. */
  isLeased(key: string): boolean {
    return LEASED_PATH.test(key);
  }

  /** Sets a value: a new KV version, or the next credentials of a dynamic secret. */
  set(key: string, value: Record<string, unknown>): void {
    if (LEASED_PATH.test(key)) {
      this.#leased.set(key, structuredClone(value));
      return;
    }
    this.#put(this.#base === '' ? key : `${this.#base}/${key}`, value);
  }

  #put(path: string, value: Record<string, unknown>): void {
    const versions = this.#kv.get(path) ?? [];
    versions.push({ data: structuredClone(value), createdTime: new Date().toISOString() });
    this.#kv.set(path, versions);
    this.#deleted.delete(path);
  }

  /** Soft-deletes the latest KV version of `key` (relative to `secretsPath`). */
  delete(key: string): void {
    this.#deleted.add(this.#base === '' ? key : `${this.#base}/${key}`);
  }

  /** Lease ids revoked so far (to assert that old credentials were given back). */
  get revokedLeases(): readonly string[] {
    return [...this.#revoked];
  }

  useTokenSource(_tokens: TokenSource): void {}

  close(): void {}

  /** Answers one request like Vault would (see the class comment for what is served). */
  request<TBody = unknown>(req: VaultRequest): Promise<VaultResponse<TBody>> {
    const [status, body] = this.#answer(req);
    if ((status >= 200 && status < 300) || req.acceptStatus?.includes(status)) {
      return Promise.resolve({ status, body: body as TBody | undefined, headers: {} });
    }
    return Promise.reject(mapVaultStatus(status, body, req.path));
  }

  #answer(req: VaultRequest): [number, unknown] {
    const path = req.path.split('/').map(decodeURIComponent).join('/');
    if (path === 'auth/token/lookup-self') return [200, envelope({ accessor: 'in-memory', policies: ['root'], ttl: 0, type: 'service' })];
    if (path === 'sys/leases/renew')
      return [200, { ...envelope(null), lease_id: leaseIdOf(req.body), renewable: true, lease_duration: IN_MEMORY_LEASE_SECONDS }];
    if (path === 'sys/leases/revoke') {
      this.#revoked.push(leaseIdOf(req.body));
      return [204, undefined];
    }
    const prefix = `${this.#mount}/`;
    if (path.startsWith(`${prefix}data/`)) return this.#kvData(req, path.slice(prefix.length + 5));
    if (path.startsWith(`${prefix}metadata/`) || path === `${prefix}metadata`)
      return this.#kvMetadata(req, path.slice(prefix.length + 9).replace(/\/$/, ''));
    const leased = this.#leased.get(path);
    if (leased) {
      const lease =
        LEASED_PATH.exec(path)![2] === 'static-creds'
          ? {}
          : { lease_id: `${path}/${randomBytes(12).toString('hex')}`, renewable: true, lease_duration: IN_MEMORY_LEASE_SECONDS };
      return [200, { ...envelope(structuredClone(leased)), ...lease }];
    }
    return [404, { errors: [] }];
  }

  #kvData(req: VaultRequest, key: string): [number, unknown] {
    const versions = this.#kv.get(key) ?? [];
    if (req.method === 'POST' || req.method === 'PUT') {
      const body = req.body as { options?: { cas?: number }; data?: Record<string, unknown> } | undefined;
      const cas = body?.options?.cas;
      if (cas !== undefined && cas !== versions.length)
        return [400, { errors: ['check-and-set parameter did not match the current version'] }];
      if (!body?.data) return [400, { errors: ['no data provided'] }];
      this.#put(key, body.data);
      return [200, envelope({ version: this.#kv.get(key)!.length })];
    }
    const wanted = Number(req.query?.version ?? 0) || versions.length;
    const version = versions[wanted - 1];
    if (!version) return [404, { errors: [] }];
    const deleted = wanted === versions.length && this.#deleted.has(key);
    const metadata = {
      created_time: version.createdTime,
      custom_metadata: null,
      deletion_time: deleted ? version.createdTime : '',
      destroyed: false,
      version: wanted,
    };
    if (deleted) return [404, envelope({ data: null, metadata })];
    return [200, envelope({ data: structuredClone(version.data), metadata })];
  }

  #kvMetadata(req: VaultRequest, key: string): [number, unknown] {
    if (req.method === 'LIST') {
      const folder = key === '' ? '' : `${key}/`;
      const keys = new Set<string>();
      for (const name of this.#kv.keys()) {
        if (!name.startsWith(folder)) continue;
        const rest = name.slice(folder.length);
        keys.add(rest.includes('/') ? `${rest.split('/')[0]}/` : rest);
      }
      return keys.size === 0 ? [404, { errors: [] }] : [200, envelope({ keys: [...keys].sort() })];
    }
    const versions = this.#kv.get(key);
    if (!versions) return [404, { errors: [] }];
    const entries = Object.fromEntries(
      versions.map((v, i) => [
        String(i + 1),
        {
          created_time: v.createdTime,
          deletion_time: i + 1 === versions.length && this.#deleted.has(key) ? v.createdTime : '',
          destroyed: false,
        },
      ]),
    );
    return [
      200,
      envelope({
        current_version: versions.length,
        oldest_version: 1,
        created_time: versions[0]!.createdTime,
        updated_time: versions.at(-1)!.createdTime,
        custom_metadata: null,
        max_versions: 0,
        cas_required: false,
        delete_version_after: '0s',
        versions: entries,
      }),
    ];
  }

  toJSON(): Record<string, unknown> {
    return { kvKeys: [...this.#kv.keys()], leasedKeys: [...this.#leased.keys()] };
  }

  [inspect.custom](): string {
    return `InMemoryVault ${inspect(this.toJSON())}`;
  }
}

function envelope(data: unknown): Record<string, unknown> {
  return {
    request_id: 'in-memory',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
    mount_type: 'kv',
  };
}

function leaseIdOf(body: unknown): string {
  const id = (body as { lease_id?: unknown } | undefined)?.lease_id;
  if (typeof id !== 'string') throw new VaultRequestError(['lease_id must be specified']);
  return id;
}
