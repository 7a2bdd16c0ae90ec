/**
 * `VaultAdmin`: a thin admin client that prepares a Vault through Vault's own HTTP API, so the
 * same test setup runs against the `VaultTestServer` or a real Vault (`VAULT_ADDR` + a root
 * token). Uses `node:http`/`node:https` without keep-alive, so it leaves no timer or socket behind
 * (the global `fetch` keeps timers that interfere with fake-timer tests).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Options of {@link VaultAdmin}. */
export interface VaultAdminOptions {
  /** Vault address, e.g. `http://127.0.0.1:8200` (a trailing `/` is ignored). */
  readonly address: string;
  /** A root (or sufficiently privileged) token. */
  readonly token: string;
  /** Enterprise namespace sent as `X-Vault-Namespace`. */
  readonly namespace?: string;
}

/** Error thrown on a non-2xx answer: carries the status and Vault's `errors`. */
export class VaultAdminError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    /** HTTP status code. */
    readonly status: number,
    /** Vault's `errors` array (empty when the body had none). */
    readonly errors: readonly string[],
  ) {
    super(`Vault ${method} /v1/${path} failed with status ${status}${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`);
    this.name = 'VaultAdminError';
  }
}

/** Mount tuning given when enabling a secrets engine. TTLs as Go durations (`"1h"`) or **seconds**. */
export interface SecretsEngineSettings {
  readonly description?: string;
  readonly config?: {
    readonly default_lease_ttl?: string | number;
    readonly max_lease_ttl?: string | number;
    readonly force_no_cache?: boolean;
  };
  readonly local?: boolean;
  readonly seal_wrap?: boolean;
}

/** Options of {@link VaultAdmin.createToken} (Vault's `auth/token/create` parameters). */
export interface CreateTokenOptions {
  readonly policies?: readonly string[];
  /** TTL as a Go duration (`"1h"`) or **seconds**. */
  readonly ttl?: string | number;
  /** Explicit max TTL as a Go duration or **seconds**. */
  readonly explicit_max_ttl?: string | number;
  /** Period as a Go duration or **seconds** (periodic token). */
  readonly period?: string | number;
  readonly type?: 'service' | 'batch';
  readonly num_uses?: number;
  readonly renewable?: boolean;
  readonly no_parent?: boolean;
  readonly no_default_policy?: boolean;
  readonly display_name?: string;
  readonly meta?: Readonly<Record<string, string>>;
  /** Custom token id (needs root/sudo). */
  readonly id?: string;
}

/** The `auth` block Vault returns for a new token. `lease_duration` in **seconds**. */
export interface TokenAuthInfo {
  readonly client_token: string;
  readonly accessor: string;
  readonly policies: string[] | null;
  readonly token_policies?: string[];
  readonly identity_policies?: string[];
  readonly metadata: Record<string, string> | null;
  readonly lease_duration: number;
  readonly renewable: boolean;
  readonly entity_id: string;
  readonly token_type: 'service' | 'batch';
  readonly orphan: boolean;
  readonly mfa_requirement: null;
  readonly num_uses: number;
}

/** Version metadata returned by a KV v2 write. Times are RFC 3339 strings. */
export interface KvVersionMetadata {
  readonly created_time: string;
  readonly custom_metadata: Record<string, string> | null;
  /** `""` unless a deletion is recorded or scheduled. */
  readonly deletion_time: string;
  readonly destroyed: boolean;
  readonly version: number;
}

/** Key-level metadata settings of KV v2 (`<mount>/metadata/:path`). */
export interface KvMetadataSettings {
  readonly custom_metadata?: Readonly<Record<string, string>>;
  /** 0 = engine default. */
  readonly max_versions?: number;
  readonly cas_required?: boolean;
  /** Go duration (`"720h"`) or **seconds**; 0 clears it. */
  readonly delete_version_after?: string | number;
}

/** One entry of `GET sys/mounts` (TTLs in **seconds**). */
export interface MountInfo {
  readonly type: string;
  readonly description: string;
  readonly accessor: string;
  readonly options: Record<string, string> | null;
  readonly config: { readonly default_lease_ttl: number; readonly max_lease_ttl: number; readonly force_no_cache: boolean };
  readonly local: boolean;
  readonly seal_wrap: boolean;
  readonly uuid: string;
}

interface Envelope<T> {
  readonly data: T;
  readonly auth: TokenAuthInfo | null;
  readonly warnings: string[] | null;
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+/, '').replace(/\/+$/, '');
}

function encodePath(path: string): string {
  return trimSlashes(path)
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/** Admin client bound to an address and a root token. */
export class VaultAdmin {
  private readonly address: string;
  private readonly options: VaultAdminOptions;

  /**
   * @param address Vault address (`http://127.0.0.1:8200`), or all options as one object
   * @param token root token (when `address` is a string)
   * @param extra further options (namespace)
   */
  constructor(address: string, token: string, extra?: Omit<VaultAdminOptions, 'address' | 'token'>);
  constructor(options: VaultAdminOptions);
  constructor(addressOrOptions: string | VaultAdminOptions, token?: string, extra?: Omit<VaultAdminOptions, 'address' | 'token'>) {
    this.options = typeof addressOrOptions === 'string' ? { ...extra, address: addressOrOptions, token: token ?? '' } : addressOrOptions;
    this.address = this.options.address.replace(/\/+$/, '');
  }

  /**
   * Sends one request to `/v1/<path>` and returns the parsed JSON body (undefined for an empty
   * body, e.g. 204).
   * @throws VaultAdminError on a non-2xx answer
   */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T | undefined> {
    const cleanPath = trimSlashes(path);
    const headers: Record<string, string> = { 'X-Vault-Token': this.options.token, 'X-Vault-Request': 'true' };
    if (this.options.namespace) headers['X-Vault-Namespace'] = this.options.namespace;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await sendHttp(
      `${this.address}/v1/${cleanPath}`,
      method,
      headers,
      body === undefined ? undefined : JSON.stringify(body),
    );
    const text = await response.text();
    let parsed: unknown;
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (response.status < 200 || response.status >= 300) {
      const errors =
        typeof parsed === 'object' && parsed !== null && Array.isArray((parsed as { errors?: unknown }).errors)
          ? (parsed as { errors: unknown[] }).errors.map(String)
          : text.trim() !== ''
            ? [text.trim()]
            : [];
      throw new VaultAdminError(method, cleanPath, response.status, errors);
    }
    return parsed as T | undefined;
  }

  // ----- secrets engines ------------------------------------------------------------------

  /**
   * Enables a secrets engine (`POST sys/mounts/:path`), e.g.
   * `enableSecretsEngine('kv2', 'kv', { version: '2' })`.
   * @param options engine options (`{version: '2'}` for KV v2)
   */
  async enableSecretsEngine(
    path: string,
    type: string,
    options?: Readonly<Record<string, string>>,
    settings: SecretsEngineSettings = {},
  ): Promise<void> {
    await this.request('POST', `sys/mounts/${encodePath(path)}`, { type, ...(options ? { options } : {}), ...settings });
  }

  /** Disables a secrets engine (`DELETE sys/mounts/:path`; no error when absent). */
  async disableSecretsEngine(path: string): Promise<void> {
    await this.request('DELETE', `sys/mounts/${encodePath(path)}`);
  }

  /** Lists secrets engines (`GET sys/mounts`), keyed by path with a trailing `/`. */
  async listSecretsEngines(): Promise<Record<string, MountInfo>> {
    const body = await this.request<Envelope<Record<string, MountInfo>>>('GET', 'sys/mounts');
    return body?.data ?? {};
  }

  // ----- policies and tokens --------------------------------------------------------------

  /** Creates or replaces an ACL policy (`PUT sys/policies/acl/:name`). */
  async writePolicy(name: string, hcl: string): Promise<void> {
    await this.request('PUT', `sys/policies/acl/${encodePath(name)}`, { policy: hcl });
  }

  /** Deletes an ACL policy (`DELETE sys/policies/acl/:name`). */
  async deletePolicy(name: string): Promise<void> {
    await this.request('DELETE', `sys/policies/acl/${encodePath(name)}`);
  }

  /** Creates a token (`POST auth/token/create`) and returns its `auth` block. */
  async createToken(options: CreateTokenOptions = {}): Promise<TokenAuthInfo> {
    const body = await this.request<Envelope<null>>('POST', 'auth/token/create', options);
    if (!body?.auth) throw new VaultAdminError('POST', 'auth/token/create', 200, ['response has no auth block']);
    return body.auth;
  }

  /** Revokes a token and its children (`POST auth/token/revoke`). */
  async revokeToken(token: string): Promise<void> {
    await this.request('POST', 'auth/token/revoke', { token });
  }

  // ----- KV v2 ----------------------------------------------------------------------------

  /** Writes a KV v2 secret (`POST <mount>/data/:path`); `cas` for check-and-set. */
  async kvPut(
    mount: string,
    path: string,
    data: Readonly<Record<string, unknown>>,
    options: { readonly cas?: number } = {},
  ): Promise<KvVersionMetadata> {
    const body = await this.request<Envelope<KvVersionMetadata>>('POST', `${encodePath(mount)}/data/${encodePath(path)}`, {
      data,
      ...(options.cas !== undefined ? { options: { cas: options.cas } } : {}),
    });
    if (!body?.data) throw new VaultAdminError('POST', `${mount}/data/${path}`, 200, ['response has no data']);
    return body.data;
  }

  /** Soft-deletes the latest version (`DELETE <mount>/data/:path`). */
  async kvDeleteLatest(mount: string, path: string): Promise<void> {
    await this.request('DELETE', `${encodePath(mount)}/data/${encodePath(path)}`);
  }

  /** Soft-deletes versions (`POST <mount>/delete/:path`). */
  async kvDeleteVersions(mount: string, path: string, versions: readonly number[]): Promise<void> {
    await this.request('POST', `${encodePath(mount)}/delete/${encodePath(path)}`, { versions });
  }

  /** Restores soft-deleted versions (`POST <mount>/undelete/:path`). */
  async kvUndelete(mount: string, path: string, versions: readonly number[]): Promise<void> {
    await this.request('POST', `${encodePath(mount)}/undelete/${encodePath(path)}`, { versions });
  }

  /** Permanently destroys versions (`PUT <mount>/destroy/:path`). */
  async kvDestroy(mount: string, path: string, versions: readonly number[]): Promise<void> {
    await this.request('PUT', `${encodePath(mount)}/destroy/${encodePath(path)}`, { versions });
  }

  /** Writes key metadata (`POST <mount>/metadata/:path`). */
  async kvWriteMetadata(mount: string, path: string, settings: KvMetadataSettings): Promise<void> {
    await this.request('POST', `${encodePath(mount)}/metadata/${encodePath(path)}`, settings);
  }

  /** Deletes a key with all versions and metadata (`DELETE <mount>/metadata/:path`). */
  async kvDeleteMetadata(mount: string, path: string): Promise<void> {
    await this.request('DELETE', `${encodePath(mount)}/metadata/${encodePath(path)}`);
  }

  /** Writes the engine configuration (`POST <mount>/config`). */
  async kvWriteConfig(
    mount: string,
    config: { readonly max_versions?: number; readonly cas_required?: boolean; readonly delete_version_after?: string | number },
  ): Promise<void> {
    await this.request('POST', `${encodePath(mount)}/config`, config);
  }

  // ----- KV v1 ----------------------------------------------------------------------------

  /** Writes a KV v1 secret (`POST <mount>/:path`), replacing the whole value. */
  async kvV1Put(mount: string, path: string, data: Readonly<Record<string, unknown>>): Promise<void> {
    await this.request('POST', `${encodePath(mount)}/${encodePath(path)}`, data);
  }

  /** Deletes a KV v1 secret (`DELETE <mount>/:path`). */
  async kvV1Delete(mount: string, path: string): Promise<void> {
    await this.request('DELETE', `${encodePath(mount)}/${encodePath(path)}`);
  }
}

/** One HTTP request with node's client; resolves with the status and the whole body as text. */
function sendHttp(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<{ status: number; text: () => Promise<string> }> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method, headers: { ...headers, Connection: 'close' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text: () => Promise.resolve(text) });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
