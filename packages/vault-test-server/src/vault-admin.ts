/**
 * `VaultAdmin`: a thin admin client that prepares a Vault through Vault's own HTTP API, so the
 * same test setup runs against the `VaultTestServer` or a real Vault (`VAULT_ADDR` + a root
 * token). Uses `node:http`/`node:https` without keep-alive, so it leaves no timer or socket behind
 * (the global `fetch` keeps timers that interfere with fake-timer tests).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type {
  AwsCredentials,
  AwsRoleFields,
  AwsRootConfigFields,
  DatabaseConfigFields,
  DatabaseCredentials,
  DatabaseRoleFields,
  DatabaseStaticCredentials,
  DatabaseStaticRoleFields,
  LeasedSecret,
  LeaseLookup,
  LeaseRenewalResult,
  PkiRoleFields,
  PkiRootFields,
  PkiRootInfo,
  TransitKeyConfigFields,
  TransitKeyFields,
  TransitKeyInfo,
} from './vault-admin-secrets.js';

/** Options of {@link VaultAdmin}. */
export interface VaultAdminOptions {
  /** Vault address, e.g. `http://127.0.0.1:8200` (a trailing `/` is ignored). */
  readonly address: string;
  /** A root (or sufficiently privileged) token. */
  readonly token: string;
  /** Enterprise namespace sent as `X-Vault-Namespace`. */
  readonly namespace?: string;
  /** For `https://`: PEM of the CA(s) to trust instead of Node's default roots (e.g. `VaultTestServer.caCertPem`). */
  readonly ca?: string;
  /**
   * For `https://`: the name Vault's certificate is verified against (and sent as SNI when it is a
   * DNS name) instead of the address's host, like `VAULT_TLS_SERVER_NAME`.
   */
  readonly tlsServerName?: string;
  /** For `https://` listeners that require one: the client certificate (PEM) presented. */
  readonly clientCert?: string;
  /** Private key (PEM) of `clientCert`. */
  readonly clientKey?: string;
}

/** Fields of a rate-limit quota (`sys/quotas/rate-limit/:name`). Durations as Go duration strings or **seconds**. */
export interface RateLimitQuotaFields {
  /** Requests allowed per `interval`. */
  readonly rate: number;
  /** Where it applies: `''` (global), a mount (`secret/`), a request path, or a prefix ending in `*`. */
  readonly path?: string;
  /** The window, e.g. `1s` (default) or seconds. */
  readonly interval?: string | number;
  /** After a refusal, refuse everything under the quota this long. */
  readonly block_interval?: string | number;
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

/** Settings given when enabling an auth method (`POST sys/auth/:path`). TTLs as Go durations or **seconds**. */
export interface AuthMethodSettings {
  readonly description?: string;
  readonly config?: {
    readonly default_lease_ttl?: string | number;
    readonly max_lease_ttl?: string | number;
  };
  readonly local?: boolean;
}

/** The `token_*` fields shared by AppRole roles, userpass users, Kubernetes and JWT roles. Durations as Go durations or **seconds**. */
export interface TokenRoleFields {
  readonly token_ttl?: string | number;
  readonly token_max_ttl?: string | number;
  readonly token_explicit_max_ttl?: string | number;
  readonly token_period?: string | number;
  readonly token_policies?: readonly string[];
  /** `default` follows the mount (service). */
  readonly token_type?: 'default' | 'service' | 'batch';
  readonly token_num_uses?: number;
  readonly token_no_default_policy?: boolean;
  readonly token_bound_cidrs?: readonly string[];
  /** Legacy alias of `token_policies`. */
  readonly policies?: readonly string[];
}

/** Fields of `auth/<mount>/role/:name` of the AppRole method. */
export interface AppRoleFields extends TokenRoleFields {
  /** Default true. */
  readonly bind_secret_id?: boolean;
  /** 0 = unlimited. */
  readonly secret_id_num_uses?: number;
  /** Go duration or **seconds**; 0 = secret IDs never expire. */
  readonly secret_id_ttl?: string | number;
  readonly secret_id_bound_cidrs?: readonly string[];
  /** Custom role ID (default: a generated UUID). */
  readonly role_id?: string;
}

/** Options of {@link VaultAdmin.generateSecretId}. */
export interface GenerateSecretIdOptions {
  /** Response-wrap the answer (`X-Vault-Wrap-TTL`); the wrapping token is returned instead of the secret ID. */
  readonly wrapTtl?: string | number;
  /** Secret-ID metadata, copied into the login token's metadata. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Go duration or **seconds** (at most the role's `secret_id_ttl`). */
  readonly ttl?: string | number;
  /** At most the role's `secret_id_num_uses`. */
  readonly num_uses?: number;
}

/** Fields of `auth/<mount>/users/:username` of the userpass method. */
export interface UserpassUserFields extends TokenRoleFields {
  /** Required when creating the user. */
  readonly password?: string;
}

/** Fields of `auth/<mount>/certs/:name` of the TLS certificate method. */
export interface CertRoleFields extends TokenRoleFields {
  /** PEM of the CA (or the pinned client certificate) a login's client certificate must chain to. */
  readonly certificate: string;
  /** Globs the client certificate's common name must match (any when empty). */
  readonly allowed_common_names?: readonly string[];
  readonly display_name?: string;
}

/** `auth/<mount>/config` of the Kubernetes method. */
export interface KubernetesAuthConfig {
  readonly kubernetes_host: string;
  readonly kubernetes_ca_cert?: string;
  readonly token_reviewer_jwt?: string;
  /** PEM public keys; when set, service-account JWT signatures are verified with them. */
  readonly pem_keys?: readonly string[];
  readonly issuer?: string;
  readonly disable_iss_validation?: boolean;
  readonly disable_local_ca_jwt?: boolean;
}

/** Fields of `auth/<mount>/role/:name` of the Kubernetes method (`*` allowed in the bound lists). */
export interface KubernetesRoleFields extends TokenRoleFields {
  readonly bound_service_account_names: readonly string[];
  readonly bound_service_account_namespaces: readonly string[];
  readonly audience?: string;
  readonly alias_name_source?: 'serviceaccount_uid' | 'serviceaccount_name';
}

/** `auth/<mount>/config` of the JWT/OIDC method (the test server supports `jwt_validation_pubkeys`). */
export interface JwtAuthConfig {
  readonly jwt_validation_pubkeys?: readonly string[];
  readonly bound_issuer?: string;
  readonly default_role?: string;
  readonly jwt_supported_algs?: readonly string[];
  readonly oidc_discovery_url?: string;
  readonly jwks_url?: string;
}

/** Fields of `auth/<mount>/role/:name` of the JWT/OIDC method. */
export interface JwtRoleFields extends TokenRoleFields {
  /** {@link VaultAdmin.writeJwtRole} defaults this to `jwt` (Vault's default is `oidc`). */
  readonly role_type?: 'jwt' | 'oidc';
  readonly user_claim: string;
  readonly user_claim_json_pointer?: boolean;
  readonly bound_audiences?: readonly string[];
  readonly bound_subject?: string;
  readonly bound_claims?: Readonly<Record<string, string | readonly string[]>>;
  readonly bound_claims_type?: 'string' | 'glob';
  /** Claim (or JSON pointer) → token metadata key. */
  readonly claim_mappings?: Readonly<Record<string, string>>;
  readonly groups_claim?: string;
  readonly allowed_redirect_uris?: readonly string[];
  /** Go duration or **seconds**. */
  readonly clock_skew_leeway?: string | number;
  readonly expiration_leeway?: string | number;
  readonly not_before_leeway?: string | number;
}

/** Per-request options of {@link VaultAdmin.request}. */
export interface AdminRequestOptions {
  /** Extra headers (e.g. `X-Vault-Wrap-TTL`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Token to send instead of the admin token (`''` sends none). */
  readonly token?: string;
}

/** The wrap-only envelope's `wrap_info` (https://developer.hashicorp.com/vault/docs/concepts/response-wrapping). `ttl` in **seconds**. */
export interface WrapInfo {
  readonly token: string;
  readonly accessor: string;
  readonly ttl: number;
  readonly creation_time: string;
  readonly creation_path: string;
  readonly wrapped_accessor?: string;
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
  async request<T = unknown>(method: string, path: string, body?: unknown, options: AdminRequestOptions = {}): Promise<T | undefined> {
    const cleanPath = trimSlashes(path);
    const token = options.token ?? this.options.token;
    const headers: Record<string, string> = {
      ...(token !== '' ? { 'X-Vault-Token': token } : {}),
      'X-Vault-Request': 'true',
      ...options.headers,
    };
    if (this.options.namespace) headers['X-Vault-Namespace'] = this.options.namespace;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await sendHttp(
      `${this.address}/v1/${cleanPath}`,
      method,
      headers,
      body === undefined ? undefined : JSON.stringify(body),
      this.options,
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

  // ----- quotas -----------------------------------------------------------------------------

  /**
   * Creates or replaces a rate-limit quota (`POST sys/quotas/rate-limit/:name`,
   * https://developer.hashicorp.com/vault/api-docs/system/rate-limit-quotas): at most `rate`
   * requests per `interval` (seconds, default 1) to `path` (empty = every path; a mount such as
   * `secret/`; a request path; a prefix ending in `*`).
   */
  async writeRateLimitQuota(name: string, fields: RateLimitQuotaFields): Promise<void> {
    await this.request('POST', `sys/quotas/rate-limit/${encodePath(name)}`, fields);
  }

  /** Deletes a rate-limit quota (`DELETE sys/quotas/rate-limit/:name`). */
  async deleteRateLimitQuota(name: string): Promise<void> {
    await this.request('DELETE', `sys/quotas/rate-limit/${encodePath(name)}`);
  }

  /** `POST sys/quotas/config`: with `enable_rate_limit_response_headers`, a 429 carries `Retry-After` and `X-Ratelimit-*`. */
  async writeQuotaConfig(fields: { readonly enable_rate_limit_response_headers?: boolean }): Promise<void> {
    await this.request('POST', 'sys/quotas/config', fields);
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

  // ----- auth methods ---------------------------------------------------------------------

  /** Enables an auth method (`POST sys/auth/:path`), e.g. `enableAuthMethod('approle', 'approle')`; the path may contain `/`. */
  async enableAuthMethod(path: string, type: string, settings: AuthMethodSettings = {}): Promise<void> {
    await this.request('POST', `sys/auth/${encodePath(path)}`, { type, ...settings });
  }

  /** Disables an auth method (`DELETE sys/auth/:path`); its tokens are revoked. */
  async disableAuthMethod(path: string): Promise<void> {
    await this.request('DELETE', `sys/auth/${encodePath(path)}`);
  }

  /** Creates or updates an AppRole role (`POST auth/<mount>/role/:name`). */
  async writeAppRole(mount: string, name: string, fields: AppRoleFields = {}): Promise<void> {
    await this.request('POST', `auth/${encodePath(mount)}/role/${encodePath(name)}`, fields);
  }

  /** Reads a role's role ID (`GET auth/<mount>/role/:name/role-id`). */
  async readRoleId(mount: string, name: string): Promise<string> {
    const path = `auth/${encodePath(mount)}/role/${encodePath(name)}/role-id`;
    const body = await this.request<Envelope<{ role_id: string }>>('GET', path);
    if (!body?.data) throw new VaultAdminError('GET', path, 200, ['response has no data']);
    return body.data.role_id;
  }

  /**
   * Generates a secret ID (`POST auth/<mount>/role/:name/secret-id`) and returns it — or, with
   * `wrapTtl`, the response-wrapping token that unwraps to it (`POST sys/wrapping/unwrap`).
   */
  async generateSecretId(mount: string, name: string, options: GenerateSecretIdOptions = {}): Promise<string> {
    const path = `auth/${encodePath(mount)}/role/${encodePath(name)}/secret-id`;
    const body: Record<string, unknown> = {};
    if (options.metadata !== undefined) body['metadata'] = JSON.stringify(options.metadata);
    if (options.ttl !== undefined) body['ttl'] = options.ttl;
    if (options.num_uses !== undefined) body['num_uses'] = options.num_uses;
    const headers = options.wrapTtl !== undefined ? { 'X-Vault-Wrap-TTL': String(options.wrapTtl) } : undefined;
    const answer = await this.request<Envelope<{ secret_id: string } | null> & { wrap_info: WrapInfo | null }>('POST', path, body, {
      ...(headers ? { headers } : {}),
    });
    if (options.wrapTtl !== undefined) {
      if (!answer?.wrap_info) throw new VaultAdminError('POST', path, 200, ['response has no wrap_info']);
      return answer.wrap_info.token;
    }
    if (!answer?.data) throw new VaultAdminError('POST', path, 200, ['response has no data']);
    return answer.data.secret_id;
  }

  /** Creates or updates a userpass user (`POST auth/<mount>/users/:username`). */
  async writeUserpassUser(mount: string, username: string, fields: UserpassUserFields): Promise<void> {
    await this.request('POST', `auth/${encodePath(mount)}/users/${encodePath(username)}`, fields);
  }

  /** Creates or updates a certificate role of the cert method (`POST auth/<mount>/certs/:name`). */
  async writeCertRole(mount: string, name: string, fields: CertRoleFields): Promise<void> {
    await this.request('POST', `auth/${encodePath(mount)}/certs/${encodePath(name)}`, fields);
  }

  /** Configures the Kubernetes method (`POST auth/<mount>/config`). */
  async writeKubernetesConfig(mount: string, config: KubernetesAuthConfig): Promise<void> {
    await this.request('POST', `auth/${encodePath(mount)}/config`, config);
  }

  /** Creates or updates a Kubernetes role (`POST auth/<mount>/role/:name`). */
  async writeKubernetesRole(mount: string, name: string, fields: KubernetesRoleFields): Promise<void> {
    await this.request('POST', `auth/${encodePath(mount)}/role/${encodePath(name)}`, fields);
  }

  /** Configures the JWT/OIDC method (`POST auth/<mount>/config`). */
  async writeJwtConfig(mount: string, config: JwtAuthConfig): Promise<void> {
    await this.request('POST', `auth/${encodePath(mount)}/config`, config);
  }

  /** Creates or updates a JWT role (`POST auth/<mount>/role/:name`); `role_type` defaults to `jwt`. */
  async writeJwtRole(mount: string, name: string, fields: JwtRoleFields): Promise<void> {
    await this.request('POST', `auth/${encodePath(mount)}/role/${encodePath(name)}`, { role_type: 'jwt', ...fields });
  }

  /**
   * Unwraps a response-wrapping token (`POST sys/wrapping/unwrap` with the wrapping token as
   * `X-Vault-Token`) and returns the original response envelope.
   */
  async unwrap<T = Record<string, unknown>>(
    wrappingToken: string,
  ): Promise<{ data: T | null; auth: TokenAuthInfo | null; warnings: string[] | null }> {
    const body = await this.request<Envelope<T | null>>('POST', 'sys/wrapping/unwrap', undefined, { token: wrappingToken });
    if (!body) throw new VaultAdminError('POST', 'sys/wrapping/unwrap', 204, ['response has no body']);
    return { data: body.data, auth: body.auth, warnings: body.warnings };
  }

  // ----- leases and the database, AWS and PKI engines -------------------------------------

  /** Configures a database connection (`POST <mount>/config/:name`; plugin defaults to `postgresql-database-plugin`). */
  async writeDatabaseConfig(mount: string, name: string, fields: DatabaseConfigFields): Promise<void> {
    await this.request('POST', `${encodePath(mount)}/config/${encodePath(name)}`, { plugin_name: 'postgresql-database-plugin', ...fields });
  }

  /** Writes a dynamic database role (`POST <mount>/roles/:name`). */
  async writeDatabaseRole(mount: string, name: string, fields: DatabaseRoleFields): Promise<void> {
    await this.request('POST', `${encodePath(mount)}/roles/${encodePath(name)}`, fields);
  }

  /** Writes a static database role (`POST <mount>/static-roles/:name`); creating one rotates the user's password. */
  async writeDatabaseStaticRole(mount: string, name: string, fields: DatabaseStaticRoleFields): Promise<void> {
    await this.request('POST', `${encodePath(mount)}/static-roles/${encodePath(name)}`, fields);
  }

  /** Rotates a static role's password now (`POST <mount>/rotate-role/:name`). */
  async rotateDatabaseRole(mount: string, name: string): Promise<void> {
    await this.request('POST', `${encodePath(mount)}/rotate-role/${encodePath(name)}`);
  }

  /** Generates dynamic database credentials (`GET <mount>/creds/:role`) with their lease. */
  async readDatabaseCredentials(mount: string, role: string): Promise<LeasedSecret<DatabaseCredentials>> {
    return this.readLeasedSecret<DatabaseCredentials>('GET', `${encodePath(mount)}/creds/${encodePath(role)}`);
  }

  /** Reads a static role's current credentials (`GET <mount>/static-creds/:role`). */
  async readDatabaseStaticCredentials(mount: string, role: string): Promise<DatabaseStaticCredentials> {
    const body = await this.request<Envelope<DatabaseStaticCredentials>>('GET', `${encodePath(mount)}/static-creds/${encodePath(role)}`);
    if (!body?.data) throw new VaultAdminError('GET', `${mount}/static-creds/${role}`, 200, ['response has no data']);
    return body.data;
  }

  /** Writes `<mount>/config/root` of an AWS engine (the test server never calls AWS). */
  async writeAwsRootConfig(mount: string, fields: AwsRootConfigFields): Promise<void> {
    await this.request('POST', `${encodePath(mount)}/config/root`, fields);
  }

  /** Writes `<mount>/config/lease` (IAM user lease TTLs, Go durations such as `"1h"`). */
  async writeAwsLeaseConfig(mount: string, lease: string, leaseMax: string): Promise<void> {
    await this.request('POST', `${encodePath(mount)}/config/lease`, { lease, lease_max: leaseMax });
  }

  /** Writes an AWS role (`POST <mount>/roles/:name`). */
  async writeAwsRole(mount: string, name: string, fields: AwsRoleFields): Promise<void> {
    await this.request('POST', `${encodePath(mount)}/roles/${encodePath(name)}`, fields);
  }

  /** Generates AWS credentials (`POST <mount>/creds/:role`, or `sts/:role` with `sts: true`); `ttl` for STS types. */
  async readAwsCredentials(
    mount: string,
    role: string,
    options: { readonly sts?: boolean; readonly ttl?: string | number; readonly role_arn?: string } = {},
  ): Promise<LeasedSecret<AwsCredentials>> {
    const { sts, ...body } = options;
    return this.readLeasedSecret<AwsCredentials>('POST', `${encodePath(mount)}/${sts ? 'sts' : 'creds'}/${encodePath(role)}`, body);
  }

  /** Generates a self-signed root CA (`POST <mount>/root/generate/internal`, or `exported` to get the key). */
  async generatePkiRoot(mount: string, fields: PkiRootFields, options: { readonly exported?: boolean } = {}): Promise<PkiRootInfo> {
    const path = `${encodePath(mount)}/root/generate/${options.exported ? 'exported' : 'internal'}`;
    const body = await this.request<Envelope<PkiRootInfo>>('POST', path, fields);
    if (!body?.data) throw new VaultAdminError('POST', path, 200, ['response has no data']);
    return body.data;
  }

  /** Writes a PKI role (`POST <mount>/roles/:name`). */
  async writePkiRole(mount: string, name: string, fields: PkiRoleFields): Promise<void> {
    await this.request('POST', `${encodePath(mount)}/roles/${encodePath(name)}`, fields);
  }

  /** Creates a transit key (`POST <mount>/keys/:name`); an existing key is left as it is. */
  async createTransitKey(mount: string, name: string, fields: TransitKeyFields = {}): Promise<void> {
    await this.request('POST', `${encodePath(mount)}/keys/${encodePath(name)}`, fields);
  }

  /** Reads a transit key's settings and versions (`GET <mount>/keys/:name`), never its key material. */
  async readTransitKey(mount: string, name: string): Promise<TransitKeyInfo> {
    const path = `${encodePath(mount)}/keys/${encodePath(name)}`;
    const body = await this.request<Envelope<TransitKeyInfo>>('GET', path);
    if (!body?.data) throw new VaultAdminError('GET', path, 200, ['response has no data']);
    return body.data;
  }

  /** Adds a key version (`POST <mount>/keys/:name/rotate`). */
  async rotateTransitKey(mount: string, name: string): Promise<void> {
    await this.request('POST', `${encodePath(mount)}/keys/${encodePath(name)}/rotate`);
  }

  /** Tunes a transit key (`POST <mount>/keys/:name/config`): minimum versions, `deletion_allowed`... */
  async configureTransitKey(mount: string, name: string, fields: TransitKeyConfigFields): Promise<void> {
    await this.request('POST', `${encodePath(mount)}/keys/${encodePath(name)}/config`, fields);
  }

  /** Deletes a transit key (`DELETE <mount>/keys/:name`); Vault refuses unless `deletion_allowed` was set. */
  async deleteTransitKey(mount: string, name: string): Promise<void> {
    await this.request('DELETE', `${encodePath(mount)}/keys/${encodePath(name)}`);
  }

  /** Looks a lease up (`PUT sys/leases/lookup`). */
  async lookupLease(leaseId: string): Promise<LeaseLookup> {
    const body = await this.request<Envelope<LeaseLookup>>('PUT', 'sys/leases/lookup', { lease_id: leaseId });
    if (!body?.data) throw new VaultAdminError('PUT', 'sys/leases/lookup', 200, ['response has no data']);
    return body.data;
  }

  /** Renews a lease (`PUT sys/leases/renew`); `increment` as a Go duration or **seconds**. */
  async renewLease(leaseId: string, increment?: string | number): Promise<LeaseRenewalResult> {
    const body = await this.request<LeaseRenewalResult>('PUT', 'sys/leases/renew', {
      lease_id: leaseId,
      ...(increment !== undefined ? { increment } : {}),
    });
    if (!body) throw new VaultAdminError('PUT', 'sys/leases/renew', 204, ['response has no body']);
    return { lease_id: body.lease_id, lease_duration: body.lease_duration, renewable: body.renewable, warnings: body.warnings };
  }

  /** Revokes a lease (`PUT sys/leases/revoke`); `sync` (default true here) waits for the engine. No error for unknown leases. */
  async revokeLease(leaseId: string, options: { readonly sync?: boolean } = {}): Promise<void> {
    await this.request('PUT', 'sys/leases/revoke', { lease_id: leaseId, sync: options.sync ?? true });
  }

  /** Revokes every lease under a prefix (`PUT sys/leases/revoke-prefix/:prefix`, needs sudo). */
  async revokeLeasePrefix(prefix: string, options: { readonly sync?: boolean } = {}): Promise<void> {
    await this.request('PUT', `sys/leases/revoke-prefix/${encodePath(prefix)}`, { sync: options.sync ?? true });
  }

  /** Lease keys under a prefix (`LIST sys/leases/lookup/:prefix/`, needs sudo); `[]` when none. */
  async listLeases(prefix: string): Promise<string[]> {
    try {
      const path = trimSlashes(prefix) === '' ? 'sys/leases/lookup/?list=true' : `sys/leases/lookup/${encodePath(prefix)}/?list=true`;
      const body = await this.request<Envelope<{ keys: string[] }>>('GET', path);
      return body?.data.keys ?? [];
    } catch (error: unknown) {
      if (error instanceof VaultAdminError && error.status === 404) return [];
      throw error;
    }
  }

  private async readLeasedSecret<T>(method: string, path: string, body?: unknown): Promise<LeasedSecret<T>> {
    const answer = await this.request<LeasedSecret<T>>(method, path, body);
    if (!answer?.data) throw new VaultAdminError(method, path, 200, ['response has no data']);
    return {
      lease_id: answer.lease_id,
      lease_duration: answer.lease_duration,
      renewable: answer.renewable,
      data: answer.data,
      warnings: answer.warnings,
    };
  }
}

/** One HTTP request with node's client; resolves with the status and the whole body as text. */
function sendHttp(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  tls: Pick<VaultAdminOptions, 'ca' | 'tlsServerName' | 'clientCert' | 'clientKey'> = {},
): Promise<{ status: number; text: () => Promise<string> }> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  const serverName = tls.tlsServerName;
  const tlsOptions = !secure
    ? {}
    : {
        ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
        ...(tls.clientCert !== undefined && tls.clientKey !== undefined ? { cert: tls.clientCert, key: tls.clientKey } : {}),
        ...(serverName !== undefined
          ? {
              ...(isIP(serverName) === 0 ? { servername: serverName } : {}),
              checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(serverName, cert),
            }
          : {}),
      };
  return new Promise((resolve, reject) => {
    const req = send(target, { method, headers: { ...headers, Connection: 'close' }, agent: false, ...tlsOptions }, (res) => {
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
