import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import type { TokenInfo } from '../auth/token.manager.js';
import type { AwsFetchOptions } from '../engines/aws.engine.js';
import type { AwsCredentials, DatabaseCredentials, StaticDatabaseCredentials } from '../engines/credentials.js';
import type { KvSecret } from '../engines/kv-engine.js';
import type { CertificateData, PkiIssueOptions } from '../engines/pki.engine.js';
import type { RotationReason } from '../events/secret-rotated.event.js';
import type { FetchSecretOptions, SecretDescription } from './secrets-core.js';
import type { SecretsStatus } from './secrets-status.js';
import type { SchemaOutput, SecretSchema } from './schema/secret-schema.js';
import { validateSecret } from './schema/validate-secret.js';
import type { VaultHealth } from '../transport/vault-health.js';
import { sendRawRequest, type RawVaultRequest, type RawVaultResponse } from './raw-request.js';
import { TransitEngine } from '../engines/transit.engine.js';
import { eventBusFrom, type EventEmitter2Like } from '../events/secrets-event-bus.js';
import { TimerScheduler } from '../timing/task-scheduler.js';
import { resolveVaultConfig } from './resolve-vault-config.js';
import type { VaultConfig } from '../options/vault-config.js';
import type { OnRotateCallback } from '../contracts/on-rotate-callback.js';
import { SecretsCore } from './secrets-core.js';
import type { Clock } from '../timing/clock.js';
import { ConsoleLogger } from '../util/console-logger.js';
import type { SecretsLogger } from '../util/secrets-logger.js';

/** Options of {@link SecretsManager} beyond the Vault settings. */
export interface SecretsManagerOptions {
  /** Called for every rotation (key, new secret, event). Same as `VaultConfig.onRotate`. */
  onRotate?: OnRotateCallback;
  /** Where logs go (`console`, pino, Nest's `Logger` all fit); default warnings and errors to `console.warn` / `console.error`. */
  logger?: SecretsLogger;
  /** Time source (tests). */
  clock?: Clock;
  /** Environment to read `VAULT_*` from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The module without NestJS, for scripts and workers: the same parts (client, token manager,
 * cache, engines, leases, watcher, rotation) wired by hand.
 *
 * ```ts
 * import { SecretsManager } from 'nestjs-vault-secrets/manager'; // loads no @nestjs/* package
 * const secrets = await new SecretsManager({ address, secretsPath: 'secret/app' }, { onRotate }).start();
 * try {
 *   const db = await secrets.fetchSecret('database');
 * } finally {
 *   await secrets.close(); // revokes leases, stops timers and closes sockets
 * }
 * ```
 * In TypeScript or on Node 24+, `await using secrets = await new SecretsManager(...).start()` closes it
 * when the block ends (plain JavaScript on Node 20 and 22 cannot parse `await using`).
 * Events (`secrets.rotated`, `secrets.token.renewal-failed`, ...) are available with `on(name, listener)`.
 *
 * @throws InvalidOptionsError from the constructor when the options are invalid (every problem listed).
 */
export class SecretsManager implements AsyncDisposable {
  /** @internal */
  protected readonly core: SecretsCore;
  readonly #emitter = new EventEmitter();
  #started: Promise<void> | undefined;

  constructor(vaultConfig: VaultConfig, options?: SecretsManagerOptions);
  /**
   * @internal For `SecretsService`: the core built by the Nest layer (its logger, scheduler and
   * event bus), given this manager's emitter so that `on()` works there too.
   */
  constructor(buildCore: (emitter: EventEmitter2Like) => SecretsCore);
  constructor(vaultConfig: VaultConfig | ((emitter: EventEmitter2Like) => SecretsCore), options: SecretsManagerOptions = {}) {
    if (typeof vaultConfig === 'function') {
      this.core = vaultConfig(this.#emitter);
      return;
    }
    const logger = options.logger ?? new ConsoleLogger('SecretsManager');
    const events = eventBusFrom(this.#emitter, (event, error) =>
      logger.error?.(`A listener of ${event} failed: ${error instanceof Error ? error.message : String(error)}`),
    );
    const withCallback = options.onRotate ? { ...vaultConfig, onRotate: options.onRotate } : vaultConfig;
    this.core = new SecretsCore(resolveVaultConfig(withCallback, options.env), {
      clock: options.clock,
      logger,
      scheduler: new TimerScheduler(),
      events,
    });
  }

  /**
   * Whether the module gets answers from Vault: `state` (`starting`, `ready`, `degraded`), the
   * `reason` when degraded and `nextAttemptAt` (ms since the epoch), the keys served from
   * fallbacks, token expiry and lease counts, and `login` (`state` `held` or `locked`, `retryAt` in
   * ms since the epoch, `refusedLogins`, Vault's `reason`) while logins are held to stay clear of
   * Vault's user lockout. Never a value, a token or a credential.
   */
  status(): SecretsStatus {
    return this.core.status();
  }

  /**
   * Calls `GET sys/health` (unauthenticated): reachable, sealed, standby, DR secondary, version.
   * Never throws. `timeoutMs` in milliseconds; `maxAgeMs` reuses an answer up to that old
   * (milliseconds, default 0: always call). A node found not serving degrades the module.
   */
  probeHealth(timeoutMs?: number, maxAgeMs?: number): Promise<VaultHealth> {
    return this.core.probeHealth(timeoutMs, maxAgeMs);
  }

  /** Keys of the leased or expiring secrets the module keeps alive (e.g. `database/creds/app`). */
  leaseKeys(): string[] {
    return this.core.leases.keys();
  }

  /** The Vault path a leased key is fetched from (e.g. `database/creds/app` for the key `db`), if it is managed. */
  leasePath(key: string): string | undefined {
    return this.core.leases.pathOf(key);
  }

  /** Expiry times (milliseconds since the epoch) of the leased secrets the module keeps alive. */
  leaseExpiries(): number[] {
    return this.core.leaseExpiries();
  }

  /** @internal Issue (or last renewal) and expiry times of the managed leases, in ms since the epoch (the health indicator). */
  leaseWindows(): Array<{ issuedAt: number; expiresAt: number }> {
    return this.core.leases
      .keys()
      .map((key) => this.core.leases.get(key))
      .flatMap((lease) => (lease?.expiresAt === undefined ? [] : [{ issuedAt: lease.issuedAt, expiresAt: lease.expiresAt }]));
  }

  /** What is known about the module's current token (accessor, policies, expiry in ms since the epoch), never the token itself. */
  tokenInfo(): TokenInfo | undefined {
    return this.core.tokens.info();
  }

  /**
   * Reads the KV secret at `key`, relative to `secretsPath` (KV v2: `GET <mount>/data/<path>`;
   * KV v1: `GET <mount>/<path>`). Served from the cache while fresh (`cache.ttlMs`); concurrent
   * cold reads of one key share one request.
   *
   * @param key - relative path such as `database` or `kafka/producer`; `name:key` reads from a
   *   location named in the `paths` option (e.g. `shared:kafka`).
   * @param options.version - a KV v2 version to read (cached separately from the latest).
   * @param options.refresh - bypass a fresh cache entry.
   * @param options.schema - a class-validator DTO class or a Standard Schema object (zod, valibot,
   *   arktype): the result is validated and typed from it (a DTO instance or the schema's output).
   * @returns the inner key/value map, deep-frozen (mutating it throws).
   * @throws SecretValidationError (`SECRETS_INVALID_SECRET`) when the data does not match `schema`,
   *   listing every failing field and constraint, never a value. InvalidSecretKeyError, SecretNotFoundError (`reason`: missing, deleted, destroyed),
   *   PermissionDeniedError, InvalidTokenError, VaultUnavailableError, VaultSealedError.
   */
  fetchSecret<S extends SecretSchema>(key: string, options: FetchSecretOptions & { schema: S }): Promise<SchemaOutput<S>>;
  fetchSecret<T = Record<string, string>>(key: string, options?: FetchSecretOptions): Promise<T>;
  fetchSecret(key: string, options?: FetchSecretOptions & { schema?: SecretSchema }): Promise<unknown> {
    // The warm path takes no async frame of its own: a fresh cached value answers in one resolved promise.
    if (options === undefined || (options.schema === undefined && options.refresh !== true && options.version === undefined)) {
      let data: object | undefined;
      try {
        data = this.core.peekWarm(key);
      } catch (error) {
        return Promise.reject(error as Error);
      }
      if (data !== undefined) return Promise.resolve(data);
    }
    return this.#fetchSecret(key, options ?? {});
  }

  #fetchSecret(key: string, options: FetchSecretOptions & { schema?: SecretSchema }): Promise<unknown> {
    // No schema (a cold read, a refresh, a version): the core's answer as it is, no frame of our own.
    if (options.schema === undefined) return this.core.fetchSecret<unknown>(key, options);
    const { schema, ...read } = options;
    return this.core.fetchSecret<unknown>(key, read).then((data) => validateSecret(key, data, schema));
  }

  /** Like {@link fetchSecret}, plus the KV v2 version number, creation time and custom metadata. */
  fetchSecretWithMetadata(key: string, options?: FetchSecretOptions): Promise<KvSecret> {
    return this.core.readKv(key, options);
  }

  /**
   * Loads every key under `secretsPath`, recursing into folders (`LIST <mount>/metadata/<folder>/`
   * then one read per key, `bulkConcurrency` at a time). Fills the cache.
   *
   * @returns `{ [key]: data }` with keys relative to `secretsPath`, sorted.
   * @throws PermissionDeniedError, VaultUnavailableError (deleted keys are skipped, not thrown);
   *   MalformedResponseError naming the folder when folders nest more than 32 levels deep (a LIST
   *   cycle); UnsupportedOperationError when more than 100 000 entries are listed.
   */
  getAllSecrets(): Promise<Record<string, Record<string, unknown>>> {
    return this.core.getAllSecrets();
  }

  /**
   * Keys and folders directly under a folder, without values (KV v2 `LIST <mount>/metadata/<folder>/`;
   * KV v1 `LIST <mount>/<folder>/`), sorted; folders end with `/`.
   * @param prefix - a folder relative to `secretsPath` (`''` = its root, `kafka` or `kafka/`), or
   *   `name:` / `name:folder` for a location named in `paths`.
   * @throws InvalidSecretKeyError, PermissionDeniedError, VaultUnavailableError.
   */
  list(prefix?: string): Promise<string[]> {
    return this.core.list(prefix);
  }

  /**
   * Versions and metadata of a key, without its value (`GET <mount>/metadata/<path>`, KV v2).
   * @throws InvalidSecretKeyError, SecretNotFoundError, PermissionDeniedError, VaultUnavailableError.
   */
  describeSecret(key: string): Promise<SecretDescription> {
    return this.core.describeSecret(key);
  }

  /**
   * Dynamic database credentials (`GET <mount>/creds/<role>`), kept valid while the app runs:
   * the lease is renewed (`PUT sys/leases/renew`), replaced before its max TTL (announced as a
   * rotation of `database/creds/<role>`, so `@OnSecretRotated` handlers can swap pools) and
   * revoked on shutdown. Durations in seconds; `expiresAt` in milliseconds since the epoch.
   * @throws PermissionDeniedError, VaultRequestError (`unknown role`), VaultUnavailableError.
   */
  fetchDynamicDbCreds(role: string, options?: { mount?: string; key?: string }): Promise<DatabaseCredentials> {
    return this.core.leased.fetchDynamicDbCreds(role, options);
  }

  /** Static-role credentials (`GET <mount>/static-creds/<role>`), re-read when Vault rotates them. */
  fetchStaticDbCreds(role: string, options?: { mount?: string; key?: string }): Promise<StaticDatabaseCredentials> {
    return this.core.leased.fetchStaticDbCreds(role, options);
  }

  /**
   * AWS credentials: `type: 'creds'` (`POST <mount>/creds/<role>`, IAM user, renewable lease) or
   * `'sts'` (`POST <mount>/sts/<role>`, not renewable, fetched again at about two thirds of the TTL).
   * `ttl` in seconds; `propagationDelayMs` holds new IAM keys before switching to them.
   */
  fetchAwsCreds(role: string, options?: AwsFetchOptions & { key?: string; propagationDelayMs?: number }): Promise<AwsCredentials> {
    return this.core.leased.fetchAwsCreds(role, options);
  }

  /**
   * A certificate from `POST <mount>/issue/<role>` (PEM strings, `expiresAt` in ms since the
   * epoch), issued again before it expires; `ttl` in seconds.
   * @throws VaultRequestError when Vault refuses (e.g. common name not allowed by the role).
   */
  issueCertificate(role: string, options: PkiIssueOptions & { key?: string }): Promise<CertificateData> {
    return this.core.leased.issueCertificate(role, options);
  }

  /**
   * Reads through any engine, built in or registered in `VaultConfig.engines`; leased or expiring
   * results are kept alive like database credentials. `key` names it in rotation events
   * (default `<engine>:<path>`).
   * @throws UnsupportedOperationError for an unknown engine.
   */
  async fetchFrom<T = Record<string, unknown>>(engine: string, path: string, options?: Record<string, unknown>, key?: string): Promise<T> {
    return (await this.core.leased.fetchFrom<T>(engine, path, options, key)).data;
  }

  /**
   * Rotates now: a leased secret gets a new lease, handlers are notified, then the old lease is
   * revoked; a KV key is re-read bypassing the cache and announced.
   * @returns the new secret.
   */
  rotateSecret<T = Record<string, unknown>>(key: string, reason?: RotationReason): Promise<T> {
    return this.core.rotateSecret<T>(key, reason);
  }

  /** Drops cached entries for `key` (every version), or all entries when no key is given. */
  invalidate(key?: string): void {
    this.core.invalidate(key);
  }

  /**
   * An authenticated call to any Vault endpoint (`/v1/<path>`) through the module's transport:
   * managed token, namespace, timeout, circuit breaker, the supervisor (refused at once, nothing
   * sent, while the module is degraded), retries for `GET`/`LIST` only, typed errors; never cached. See the README section "Raw requests".
   *
   * ```ts
   * const { data } = await secrets.request<{ keys: string[] }>({ method: 'LIST', path: 'transit/keys' });
   * ```
   * @returns Vault's status and parsed envelope (`data` is `body.data`).
   * @throws InvalidRequestError before sending for a bad method, path, body or query; otherwise
   *   the transport's typed errors (SecretNotFoundError, PermissionDeniedError, VaultRequestError,
   *   VaultUnavailableError...). A write (any method but `GET`/`LIST`) drops the cached KV
   *   entries of the path it wrote, whether or not it succeeded.
   */
  async request<TData = Record<string, unknown>>(request: RawVaultRequest): Promise<RawVaultResponse<TData>> {
    try {
      return await sendRawRequest<TData>(this.core.requester, request);
    } finally {
      const method = typeof request?.method === 'string' ? request.method.toUpperCase() : 'GET';
      if (method !== 'GET' && method !== 'LIST' && typeof request.path === 'string') await this.core.invalidateWritten(request.path);
    }
  }

  /**
   * The transit engine mounted at `mount` (default `transit`): encrypt, decrypt, rewrap, sign,
   * verify, hmac and batches, with Buffers in and out. See {@link TransitEngine}.
   * @throws InvalidRequestError for a malformed mount path.
   */
  transit(mount = 'transit'): TransitEngine {
    return new TransitEngine(this.core.requester, mount);
  }

  /**
   * Logs in (or looks up the token), starts renewal and change detection, and delivers events.
   * @returns this manager, for `await using m = await new SecretsManager(...).start()`.
   * @throws the login error when Vault refused it (an unreachable Vault is logged and retried on reads).
   */
  async start(): Promise<this> {
    this.#started ??= this.core.start().then(() => this.core.orchestrator.ready());
    await this.#started;
    return this;
  }

  /** Listens to a module event (`SecretsEvents.*`, or `secrets.rotated:<key>`). */
  on(event: string, listener: (payload: unknown) => unknown): this {
    this.#emitter.on(event, listener);
    return this;
  }

  /** Removes a listener added with {@link on}. */
  off(event: string, listener: (payload: unknown) => unknown): this {
    this.#emitter.off(event, listener);
    return this;
  }

  /** Revokes leases (bounded), stops renewals and polling, clears every timer and closes sockets. */
  async stop(): Promise<void> {
    await this.core.close();
    this.#emitter.removeAllListeners();
  }

  /** Same as {@link stop}. */
  close(): Promise<void> {
    return this.stop();
  }

  /** `await using` support: same as {@link stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  toJSON(): Record<string, unknown> {
    return { service: this.constructor.name, ...this.core.toJSON() };
  }

  [inspect.custom](): string {
    return `${this.constructor.name} { ${inspect(this.core)} }`;
  }
}
