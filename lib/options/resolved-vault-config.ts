import type { AuthMethod } from '../contracts/auth-method.js';
import type { SecretsError } from '../errors/secrets.error.js';
import type { SecretEngine } from '../contracts/secret-engine.js';
import type { OnRotateCallback } from '../contracts/on-rotate-callback.js';
import type { FallbackJsonOptions } from './fallback-json-options.js';
import type { ResolvedDefaultsOf } from './option-types.js';
import type { OPTIONS_SCHEMA } from './options.schema.js';

/**
 * The options that have a default in `OPTIONS_SCHEMA`, as resolved: their types derive from the
 * schema (`requestTimeoutMs: number`, `kvVersion: 1 | 2 | 'auto'`, `cache: { ttlMs: number, ... }`),
 * so they are declared once. `fallbackEnv` resolves to the prefix or `false`. Durations in milliseconds.
 */
export type ResolvedDefaultedOptions = Omit<ResolvedDefaultsOf<typeof OPTIONS_SCHEMA>, 'fallbackEnv'> & {
  /** Env fallback prefix (e.g. `SECRETS_`), or `false` when off. */
  readonly fallbackEnv: string | false;
};

/**
 * Options after defaults, environment variables and validation. Frozen. It holds no token: the
 * token lives only inside `authMethod` (in a private field), so no inspection of this object shows it.
 * Its fields are checked at compile time against `OPTIONS_SCHEMA` (`options-schema.checks.ts`): every
 * option lands here (`token` and `auth` as `authMethod`) and every default fits its field.
 */
export interface ResolvedVaultConfig extends ResolvedDefaultedOptions {
  /** Vault's base address without a trailing slash, e.g. `http://127.0.0.1:8200`. */
  readonly address: string;
  /** Enterprise namespace of the secrets, canonical (`team-a/app/`), sent as `X-Vault-Namespace`; undefined for the root namespace. */
  readonly namespace?: string;
  /** Namespace the auth method logs in to (and the token lives in), canonical; `auth.namespace`, else `namespace`. */
  readonly authNamespace?: string;
  /** PEM text of the trusted CAs, loaded at boot from `caCert` / `VAULT_CACERT` and every file of `caPath` / `VAULT_CAPATH`. */
  readonly caCert?: string;
  /** PEM text of the client certificate (`clientCert` / `VAULT_CLIENT_CERT`). */
  readonly clientCert?: string;
  /** PEM text of the client certificate's private key (`clientKey` / `VAULT_CLIENT_KEY`). Non-enumerable: never inspected or serialised. */
  readonly clientKey?: string;
  /** Name verified against Vault's certificate and sent as SNI (`tlsServerName` / `VAULT_TLS_SERVER_NAME`). */
  readonly tlsServerName?: string;
  /** Explicit KV mount when configured, normalised. */
  readonly secretsMount?: string;
  /** Named KV locations (`paths` option), normalised: name → path such as `secret/data/shared`. */
  readonly paths: Readonly<Record<string, string>>;
  readonly fallbackJson?: FallbackJsonOptions;
  /** How the token is obtained (built from `auth`, `token`, `VAULT_TOKEN` or `~/.vault-token`). */
  readonly authMethod: AuthMethod;
  /** Custom engines (non-enumerable). */
  readonly engines: readonly SecretEngine<unknown, never>[];
  readonly onRotate?: OnRotateCallback;
  /** KV value generators for `rotateSecret` (non-enumerable). */
  readonly rotation: Readonly<Record<string, () => Record<string, unknown> | Promise<Record<string, unknown>>>>;
  readonly onTokenRenewalFailed?: (error: SecretsError) => void | Promise<void>;
  /** Configuration that works but is risky (e.g. plain `http://` to a remote host); logged as warnings at boot. */
  readonly warnings: readonly string[];
}
