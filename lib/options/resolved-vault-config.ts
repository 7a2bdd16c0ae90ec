import type { AuthMethod } from '../contracts/auth-method.js';
import type { SecretsError } from '../errors/secrets.error.js';
import type { SecretEngine } from '../contracts/secret-engine.js';
import type { OnRotateCallback } from '../contracts/on-rotate-callback.js';
import type { FallbackJsonOptions } from './fallback-json-options.js';
import type { KvVersion } from './vault-config.js';

/**
 * Options after defaults, environment variables and validation. Frozen. It holds no token: the
 * token lives only inside `authMethod` (in a private field), so no inspection of this object shows it.
 * Its fields are checked at compile time against `OPTIONS_SCHEMA` (`options-schema.checks.ts`): every
 * option lands here (`token` and `auth` as `authMethod`) and every default fits its field.
 */
export interface ResolvedVaultConfig {
  /** Vault's base address without a trailing slash, e.g. `http://127.0.0.1:8200`. */
  readonly address: string;
  /** Enterprise namespace of the secrets, canonical (`team-a/app/`), sent as `X-Vault-Namespace`; undefined for the root namespace. */
  readonly namespace?: string;
  /** Namespace the auth method logs in to (and the token lives in), canonical; `auth.namespace`, else `namespace`. */
  readonly authNamespace?: string;
  readonly verifySsl: boolean;
  /** PEM text of the trusted CAs, loaded at boot from `caCert` / `VAULT_CACERT` and every file of `caPath` / `VAULT_CAPATH`. */
  readonly caCert?: string;
  /** PEM text of the client certificate (`clientCert` / `VAULT_CLIENT_CERT`). */
  readonly clientCert?: string;
  /** PEM text of the client certificate's private key (`clientKey` / `VAULT_CLIENT_KEY`). Non-enumerable: never inspected or serialised. */
  readonly clientKey?: string;
  /** Name verified against Vault's certificate and sent as SNI (`tlsServerName` / `VAULT_TLS_SERVER_NAME`). */
  readonly tlsServerName?: string;
  readonly kvVersion: KvVersion;
  /** Normalised secrets path, no leading or trailing `/`, e.g. `secret/data/app`. */
  readonly secretsPath: string;
  /** Explicit KV mount when configured, normalised. */
  readonly secretsMount?: string;
  /** Named KV locations (`paths` option), normalised: name → path such as `secret/data/shared`. */
  readonly paths: Readonly<Record<string, string>>;
  readonly fallbackJson?: FallbackJsonOptions;
  /** Env fallback prefix (e.g. `SECRETS_`), or `false` when off. */
  readonly fallbackEnv: string | false;
  /** Milliseconds a last good value may be served during an outage (0 = never). */
  readonly maxStalenessMs: number;
  readonly failFast: boolean;
  /** Keys that also fall back on 403/404. */
  readonly fallbackKeys: readonly string[];
  /** Whole-request timeout in milliseconds. */
  readonly requestTimeoutMs: number;
  /** Time allowed to open a connection (TCP and TLS handshake), in milliseconds. */
  readonly connectTimeoutMs: number;
  /** Most HTTP requests to Vault in flight at once (reads, logins, lease calls, watcher); the rest wait in a queue. */
  readonly maxConcurrentRequests: number;
  readonly bulkConcurrency: number;
  /** Retries of idempotent calls after a transient error. */
  readonly maxRetries: number;
  readonly cache: { readonly ttlMs: number; readonly maxEntries: number };
  /** What telemetry may show: KV key names only when `includeKeyNames`. */
  readonly telemetry: { readonly includeKeyNames: boolean };
  /** How the token is obtained (built from `auth`, `token`, `VAULT_TOKEN` or `~/.vault-token`). */
  readonly authMethod: AuthMethod;
  readonly renewToken: boolean;
  /** Custom engines (non-enumerable). */
  readonly engines: readonly SecretEngine<unknown, never>[];
  /** Lease timings in milliseconds. */
  readonly leases: { readonly overlapMs: number; readonly handlerTimeoutMs: number; readonly shutdownTimeoutMs: number };
  readonly onRotate?: OnRotateCallback;
  /** KV change detection. `intervalMs` in milliseconds. */
  readonly watch: { readonly enabled: boolean; readonly keys: readonly string[]; readonly intervalMs: number; readonly events: boolean };
  /** KV value generators for `rotateSecret` (non-enumerable). */
  readonly rotation: Readonly<Record<string, () => Record<string, unknown> | Promise<Record<string, unknown>>>>;
  readonly onTokenRenewalFailed?: (error: SecretsError) => void | Promise<void>;
  /** Configuration that works but is risky (e.g. plain `http://` to a remote host); logged as warnings at boot. */
  readonly warnings: readonly string[];
}
