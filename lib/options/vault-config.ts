// No `reflect-metadata` here: SecretsManager must load without it (class-transformer's `@Type` needs
// it, so nested option objects are built with `@Transform`, which does not).
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsObject,
  Allow,
  IsArray,
  IsNotEmpty,
  IsOptional,
  IsString,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import type { AuthMethod } from '../contracts/auth-method.js';
import type { AuthOptions } from './auth-options.js';
import type { SecretsError } from '../errors/secrets.error.js';
import type { SecretEngine } from '../contracts/secret-engine.js';
import type { OnRotateCallback } from '../contracts/on-rotate-callback.js';
import { CacheOptions } from './cache-options.js';
import { TelemetryOptions } from './telemetry-options.js';
import { LeaseOptions } from './lease-options.js';
import { WatchOptions } from './watch-options.js';
import { FallbackJsonOptions } from './fallback-json-options.js';
import { OPTIONS_SCHEMA } from './options.schema.js';
import { applySchemaChecks } from './schema-checks.js';

/** Which KV engine version the secrets mount runs: 1, 2, or `'auto'` (asked once per mount with `GET sys/internal/ui/mounts/:path`). */
export type KvVersion = 1 | 2 | 'auto';

function IsStringOrFallbackObject(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringOrFallbackObject',
      validator: {
        validate: (value: unknown) =>
          (typeof value === 'string' && value.length > 0) || (typeof value === 'object' && value !== null && !Array.isArray(value)),
      },
    },
    options,
  );
}

/** Builds a nested option object as an instance of `cls` (so class-validator checks it); anything else is left for validation to refuse. */
function nestedOptions(cls: new () => object): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? plainToInstance(cls, value, { exposeDefaultValues: false })
      : value,
  );
}

/**
 * Options of {@link SecretsModule} and {@link SecretsManager}. Pass a plain object of this
 * shape (or an instance). Every field is validated at boot; all problems are reported together
 * in one `InvalidOptionsError` (code `SECRETS_INVALID_OPTIONS`).
 *
 * Missing fields default from Vault's CLI environment variables: `address` ← `VAULT_ADDR`,
 * `token` ← `VAULT_TOKEN`, `namespace` ← `VAULT_NAMESPACE`, `caCert` ← `VAULT_CACERT`,
 * `caPath` ← `VAULT_CAPATH`, `clientCert` ← `VAULT_CLIENT_CERT`, `clientKey` ← `VAULT_CLIENT_KEY`,
 * `tlsServerName` ← `VAULT_TLS_SERVER_NAME`, `verifySsl` ← not `VAULT_SKIP_VERIFY`.
 *
 * The options, their defaults, doc lines, bounds and types are declared in `OPTIONS_SCHEMA`
 * (`options.schema.ts`): the checks of whole-number, boolean and literal options are generated from
 * it (`applySchemaChecks`); the others keep their decorators here. Adding an option: add it to the
 * schema and here (and, when it has no default, to `ResolvedVaultConfig`), then run `npm run docs:options`.
 */
export class VaultConfig {
  /** Vault's address, e.g. `https://vault.example.com:8200`. Default: `VAULT_ADDR`. */
  @IsOptional()
  @IsString({ message: 'address must be a URL string such as https://vault.example.com:8200 (or set VAULT_ADDR)' })
  address?: string;

  /** A Vault token. Default: `VAULT_TOKEN`. Never logged. */
  @IsOptional()
  @IsString({ message: 'token must be a string (or set VAULT_TOKEN)' })
  @IsNotEmpty({ message: 'token must not be empty (or set VAULT_TOKEN)' })
  token?: string;

  /**
   * Where the app's secrets live: `<mount>/<path>`. For KV v2, `secret/data/app` and
   * `secret/app` mean the same thing (mount `secret`, path `app`). Keys passed to
   * `fetchSecret` are relative to it. Default: `secret` (the whole `secret/` mount).
   */
  @IsOptional()
  @IsString({ message: 'secretsPath must be a string such as "secret/data/app"' })
  @IsNotEmpty({ message: 'secretsPath must not be empty; use e.g. "secret/data/app"' })
  secretsPath?: string;

  /**
   * The KV mount when it contains `/` (e.g. `team/a/kv`) and `secretsPath` has no `data/`
   * segment to show where the mount ends. Not needed with `kvVersion: 'auto'`.
   */
  @IsOptional()
  @IsString({ message: 'secretsMount must be a mount path string such as "team/a/kv"' })
  @IsNotEmpty({ message: 'secretsMount must not be empty' })
  secretsMount?: string;

  /**
   * More KV locations, by name, beside `secretsPath` (which stays the default): with
   * `paths: { shared: 'secret/data/shared' }`, `fetchSecret('shared:kafka')` reads
   * `secret/data/shared/kafka`, and `list('shared:')` lists that folder. Names are letters,
   * digits, `_` and `-`. Default: none.
   */
  @IsOptional()
  @IsObject({ message: 'paths must be an object such as { shared: "secret/data/shared" }' })
  paths?: Record<string, string>;

  /** Verify Vault's TLS certificate. Default `true` (`false` when `VAULT_SKIP_VERIFY` is true). Development only. */
  verifySsl?: boolean;

  /** CA certificate that signed Vault's certificate: PEM text or a file path. Default: `VAULT_CACERT`. */
  @IsOptional()
  @IsString({ message: 'caCert must be PEM text or a path to a PEM file (or set VAULT_CACERT)' })
  @IsNotEmpty({ message: 'caCert must not be empty' })
  caCert?: string;

  /**
   * A directory of CA certificates (PEM files) that may have signed Vault's certificate, e.g. a
   * root and an intermediate. Every file must hold PEM certificates; all are trusted, together
   * with `caCert`. Default: `VAULT_CAPATH`.
   */
  @IsOptional()
  @IsString({ message: 'caPath must be the path of a directory of PEM CA files (or set VAULT_CAPATH)' })
  @IsNotEmpty({ message: 'caPath must not be empty' })
  caPath?: string;

  /**
   * Client certificate presented to Vault (mTLS listeners, the `cert` auth method): PEM text or a
   * file path; may include the intermediate chain. Needs `clientKey`. Default: `VAULT_CLIENT_CERT`.
   */
  @IsOptional()
  @IsString({ message: 'clientCert must be PEM text or a path to a PEM file (or set VAULT_CLIENT_CERT)' })
  @IsNotEmpty({ message: 'clientCert must not be empty' })
  clientCert?: string;

  /** Private key of `clientCert`: PEM text or a file path (unencrypted). Never logged or inspectable. Default: `VAULT_CLIENT_KEY`. */
  @IsOptional()
  @IsString({ message: 'clientKey must be PEM text or a path to a PEM file (or set VAULT_CLIENT_KEY)' })
  @IsNotEmpty({ message: 'clientKey must not be empty' })
  clientKey?: string;

  /**
   * Name checked against Vault's certificate and sent as SNI, when it differs from the host of
   * `address` (e.g. connecting by IP to a certificate issued for `vault.internal`). Default: `VAULT_TLS_SERVER_NAME`.
   */
  @IsOptional()
  @IsString({ message: 'tlsServerName must be a host name such as "vault.internal" (or set VAULT_TLS_SERVER_NAME)' })
  @IsNotEmpty({ message: 'tlsServerName must not be empty' })
  tlsServerName?: string;

  /**
   * Vault Enterprise namespace of the secrets, sent as `X-Vault-Namespace` on every request. Normalised as Vault does
   * (`/team-a` → `team-a/`; `root` or `/` = the root namespace). Printable ASCII only, without
   * whitespace, `?`, `#` or `%`: anything else fails at boot. Default: `VAULT_NAMESPACE`.
   */
  @IsOptional()
  @IsString({ message: 'namespace must be a string such as "team-a/" (or set VAULT_NAMESPACE)' })
  namespace?: string;

  /** KV engine version of the secrets mount. Default `2`. */
  kvVersion?: KvVersion;

  /** Local fallback file used when Vault is unavailable: a path, or `{ path, keyEnv?, keyFile? }` for an encrypted file. */
  @IsOptional()
  @IsStringOrFallbackObject({ message: 'fallbackJson must be a file path or { path, keyEnv?, keyFile? }' })
  fallbackJson?: string | FallbackJsonOptions;

  /** Whole-request timeout for every Vault call, in milliseconds. Default 10000. */
  requestTimeoutMs?: number;

  /**
   * Time allowed to open a connection to Vault (TCP connect plus TLS handshake), in milliseconds,
   * separate from (and usually much shorter than) `requestTimeoutMs`: an address that swallows
   * packets fails fast with `VaultUnavailableError`. At most `requestTimeoutMs` (a longer value fails
   * at boot). Default 3000, or `requestTimeoutMs` when that is shorter.
   */
  connectTimeoutMs?: number;

  /**
   * Most HTTP requests to Vault in flight at once, shared by reads, logins, lease calls and the
   * change watcher; more wait in a queue where logins and token/lease renewals go first. Default 32.
   */
  maxConcurrentRequests?: number;

  /** Retries of an idempotent call (GET, LIST) after a transient error (network, 5xx, 429, 412), with backoff. Default 2; 0 turns retries off. */
  maxRetries?: number;

  /** How many KV reads `getAllSecrets()` runs at once. Default 32. */
  bulkConcurrency?: number;

  /**
   * How the module obtains its token: `{ method: 'approle' | 'kubernetes' | 'jwt' | 'userpass' | 'token', ... }`
   * or your own {@link AuthMethod}. Without it, `token` / `VAULT_TOKEN` / `~/.vault-token` is used.
   * Checked at boot (every problem listed).
   */
  @Allow()
  auth?: AuthOptions | AuthMethod;

  /** Renew the token in the background and log in again before it expires. Default `true`. */
  renewToken?: boolean;

  /**
   * Called once when the token can be neither renewed nor replaced (after the error is logged and
   * `secrets.token.renewal-failed` is emitted), so the app can alert or shut down.
   */
  @IsOptional()
  @ValidateBy(
    { name: 'isFunction', validator: { validate: (v: unknown) => typeof v === 'function' } },
    { message: 'onTokenRenewalFailed must be a function (error) => void' },
  )
  onTokenRenewalFailed?: (error: SecretsError) => void | Promise<void>;

  /** Your own secrets engines, read with `SecretsService.fetchFrom(name, path, options)`. */
  @IsOptional()
  @ValidateBy(
    { name: 'isArray', validator: { validate: (v: unknown) => Array.isArray(v) } },
    { message: 'engines must be an array of SecretEngine objects ({ name, fetch })' },
  )
  engines?: SecretEngine<unknown, never>[];

  /** Keeping leases alive: overlap before expiry, handler timeout, shutdown revocation timeout (milliseconds). */
  @IsOptional()
  @ValidateNested()
  @nestedOptions(LeaseOptions)
  leases?: LeaseOptions;

  /** Called for every rotation with the key, the new secret and the {@link SecretRotatedEvent}. */
  @IsOptional()
  @ValidateBy(
    { name: 'isFunction', validator: { validate: (v: unknown) => typeof v === 'function' } },
    { message: 'onRotate must be a function (key, secret, event) => void' },
  )
  onRotate?: OnRotateCallback;

  /** KV change detection: poll metadata of the keys the app reads (and `watch.keys`) every `intervalMs`. */
  @IsOptional()
  @ValidateNested()
  @nestedOptions(WatchOptions)
  watch?: WatchOptions;

  /**
   * Value generators for `rotateSecret(key)` on KV keys: `{ 'api-key': () => ({ value: randomUUID() }) }`.
   * The new value is written as a new version with check-and-set on the current one (KV v2).
   */
  @IsOptional()
  @ValidateBy(
    {
      name: 'isGeneratorMap',
      validator: {
        validate: (v: unknown) => typeof v === 'object' && v !== null && Object.values(v).every((f) => typeof f === 'function'),
      },
    },
    { message: 'rotation must map keys to functions returning the new value, e.g. { "api-key": () => ({ value: "..." }) }' },
  )
  rotation?: Record<string, () => Record<string, unknown> | Promise<Record<string, unknown>>>;

  /**
   * Environment-variable fallback when Vault is unavailable: `true` (default) reads `SECRETS_<KEY>`
   * (JSON) and `SECRETS_<KEY>__<field>`; a string sets another prefix; `false` turns it off.
   */
  @IsOptional()
  @ValidateBy(
    {
      name: 'isBooleanOrPrefix',
      validator: { validate: (v: unknown) => typeof v === 'boolean' || (typeof v === 'string' && /^[A-Z][A-Z0-9_]*$/.test(v)) },
    },
    { message: 'fallbackEnv must be true, false or an upper-case prefix such as "APP_SECRETS_"' },
  )
  fallbackEnv?: boolean | string;

  /**
   * Keys that may also be served from a fallback when Vault answers 403 or 404 for them (opt-in;
   * by default only outages fall back). E.g. `['feature-flags']`.
   */
  @IsOptional()
  @IsArray({ message: 'fallbackKeys must be an array of keys such as ["feature-flags"]' })
  @IsString({ each: true, message: 'fallbackKeys must contain only strings' })
  fallbackKeys?: string[];

  /** How old a last good value may be and still be served when Vault is unavailable, in milliseconds. Default 86400000 (24 h); 0 turns it off. */
  maxStalenessMs?: number;

  /**
   * Fail the boot when Vault is unreachable and a key of `watch.keys` cannot be served from a
   * fallback. Default `false`: the boot continues and reads use the fallbacks.
   */
  failFast?: boolean;

  /** In-memory cache settings. */
  @IsOptional()
  @ValidateNested()
  @nestedOptions(CacheOptions)
  cache?: CacheOptions;

  /** What metrics, spans and diagnostics channels may show (key names only when opted in). */
  @IsOptional()
  @ValidateNested()
  @nestedOptions(TelemetryOptions)
  telemetry?: TelemetryOptions;
}

export { FallbackJsonOptions };

// Type, bounds and messages of the whole-number, boolean and literal options come from the schema.
applySchemaChecks(VaultConfig, OPTIONS_SCHEMA);
