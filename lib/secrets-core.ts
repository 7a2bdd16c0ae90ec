import { inspect, isDeepStrictEqual } from 'node:util';
import { Logger, type LoggerService } from '@nestjs/common';
import { TokenManager, type TokenInfo } from './auth/token.manager.js';
import { noopEventBus, type SecretsEventBus } from './events/secrets-event-bus.js';
import { TimerScheduler, type TaskScheduler } from './leases/task-scheduler.js';
import { VaultUnavailableError } from './errors/vault-unavailable.error.js';
import { UnsupportedOperationError } from './errors/unsupported-operation.error.js';
import { EngineRegistry } from './engines/engine.registry.js';
import type { AwsCredentials, DatabaseCredentials, StaticDatabaseCredentials } from './engines/credentials.js';
import type { AwsCredentialsData, AwsFetchOptions } from './engines/aws.engine.js';
import type { DatabaseCredentialsData } from './engines/database.engine.js';
import type { CertificateData, PkiIssueOptions } from './engines/pki.engine.js';
import type { EngineContext, EngineSecret } from './engines/secret-engine.js';
import { LeaseManager, type ManagedSecretSpec, type ManagedSecretState } from './leases/lease.manager.js';
import { RotationOrchestrator } from './rotation/rotation.orchestrator.js';
import { KvChangeWatcher } from './rotation/kv-change.watcher.js';
import { KvEventSubscriber } from './rotation/kv-event.subscriber.js';
import { KvV2Engine } from './engines/kv-v2.engine.js';
import { createHmac, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { AgentAuthMethod } from './auth/agent.auth.js';
import { EnvFallbackSource } from './fallback/env.fallback.js';
import { FallbackChain } from './fallback/fallback-chain.js';
import type { FallbackSource } from './fallback/fallback-source.js';
import { FallbackUsedEvent, VaultAvailabilityEvent } from './fallback/fallback-used.event.js';
import { openFallbackFile } from './fallback/open-fallback-file.js';
import { SecretsEvents } from './secrets.constants.js';
import type { SecretsStatus } from './secrets-status.js';
import { probeVaultHealth, type VaultHealth } from './health/vault-health.js';
import { SecretRotatedEvent, type RotationReason } from './rotation/secret-rotated.event.js';
import { buildTlsSettings } from './transport/tls-settings.js';
import { deepFreeze } from './util/deep-freeze.js';
import { SecretCache } from './cache/secret-cache.js';
import { SecretKeyParser } from './kv/secret-key.parser.js';
import { pathProblem, splitSecretKey } from './transport/vault-path.js';
import { MalformedResponseError } from './errors/malformed-response.error.js';
import { PermissionDeniedError } from './errors/permission-denied.error.js';
import { VaultClient } from './transport/vault-client.js';
import { RequestLimiter } from './transport/request-limiter.js';
import type { VaultTransport } from './transport/vault-transport.js';
import type { KvLocation, KvSecret } from './engines/kv-engine.js';
import { KvLocator } from './engines/kv-locator.js';
import { InvalidSecretKeyError } from './errors/invalid-secret-key.error.js';
import { SecretNotFoundError } from './errors/secret-not-found.error.js';
import type { ResolvedVaultConfig } from './options/resolved-vault-config.js';
import { systemClock, type Clock } from './util/clock.js';

/** Per-call options of `fetchSecret`. */
export interface FetchSecretOptions {
  /** A KV v2 version to read instead of the latest. Cached separately from "latest". */
  version?: number;
  /** Skip a fresh cache entry and read from Vault (the result refreshes the cache). */
  refresh?: boolean;
  /** @internal Never serve a fallback: throw the Vault error (change detection and rotation must see Vault's value). */
  noFallback?: boolean;
}

/** What `describeSecret` tells about a key: versions and metadata, never a value. Times are RFC 3339 strings. */
export interface SecretDescription {
  /** The key as given, relative to `secretsPath`. */
  key: string;
  /** The KV mount, e.g. `secret`. */
  mount: string;
  /** The path inside the mount, e.g. `app/database`. */
  path: string;
  kvVersion: 1 | 2;
  /** Latest version number (KV v2). */
  currentVersion?: number;
  /** Oldest version still kept (KV v2). */
  oldestVersion?: number;
  /** When the key was first written (KV v2). */
  createdTime?: string;
  /** When the latest version was written (KV v2). */
  updatedTime?: string;
  /** Key-level custom metadata (KV v2). */
  customMetadata?: Record<string, string> | null;
  /** Per version: creation and deletion times, destroyed flag (KV v2). */
  versions?: Record<number, { createdTime: string; deletionTime: string; destroyed: boolean }>;
}

/** Collaborators that can be swapped: tests inject a clock, a logger and a jitter source; Nest injects its SchedulerRegistry-backed scheduler and EventEmitter2. */
export interface SecretsCoreDeps {
  clock?: Clock;
  logger?: LoggerService;
  scheduler?: TaskScheduler;
  events?: SecretsEventBus;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Replaces the HTTP client (the in-memory Vault of `SecretsTestingModule`). */
  transport?: VaultTransport;
}

/**
 * The read path shared by the NestJS `SecretsService` and the framework-free `SecretsManager`:
 * key → KV location → cache (single-flight) → KV engine → `VaultClient`.
 * Never logs or stringifies a value.
 */
export class SecretsCore {
  readonly config: ResolvedVaultConfig;
  readonly client: VaultTransport;
  readonly clock: Clock;
  readonly logger: LoggerService;
  readonly scheduler: TaskScheduler;
  readonly events: SecretsEventBus;
  readonly tokens: TokenManager;
  readonly engines: EngineRegistry;
  readonly orchestrator: RotationOrchestrator;
  readonly leases: LeaseManager;
  readonly watcher: KvChangeWatcher;
  readonly #events: KvEventSubscriber | undefined;
  readonly #locator: KvLocator;
  /** Locators of the named `paths` (`shared:kafka` → the `shared` path). */
  readonly #paths = new Map<string, KvLocator>();
  /** Last value read from Vault per key, kept past the cache TTL for stale-if-error. */
  readonly #lastGood: LRUCache<string, { secret: KvSecret; at: number }>;
  #fallback: FallbackChain;
  /** Keys currently served from a fallback → the data served and its source. */
  readonly #degraded = new Map<string, { data: Record<string, unknown>; source: string }>();
  #vault: 'up' | 'down' | 'unknown' = 'unknown';
  readonly #agentMode: boolean;
  readonly #cache: SecretCache<KvSecret>;
  readonly #keys = new SecretKeyParser();

  constructor(config: ResolvedVaultConfig, deps: SecretsCoreDeps = {}) {
    this.config = config;
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? new Logger('SecretsModule');
    this.scheduler = deps.scheduler ?? new TimerScheduler();
    this.events = deps.events ?? noopEventBus;
    this.client = deps.transport ?? new VaultClient(config, { getToken: () => Promise.resolve(undefined) });
    this.tokens = new TokenManager({
      client: this.client,
      method: config.authMethod,
      clock: this.clock,
      scheduler: this.scheduler,
      events: this.events,
      logger: this.logger,
      onTokenRenewalFailed: config.onTokenRenewalFailed,
      renew: config.renewToken,
      random: deps.random,
      // Auth in its own namespace (e.g. the parent of the secrets' one): the token lives there.
      namespace: config.authNamespace === config.namespace ? undefined : (config.authNamespace ?? ''),
    });
    // Agent mode: the Vault Agent adds its own token; the module sends none and renews nothing.
    this.#agentMode = config.authMethod instanceof AgentAuthMethod;
    this.client.useTokenSource(this.#agentMode ? { getToken: () => Promise.resolve(undefined) } : this.tokens);
    this.engines = new EngineRegistry(config.engines);
    this.orchestrator = new RotationOrchestrator(this.events, this.logger, config.onRotate, config.leases.handlerTimeoutMs);
    this.leases = new LeaseManager({
      client: this.client,
      clock: this.clock,
      scheduler: this.scheduler,
      events: this.events,
      orchestrator: this.orchestrator,
      logger: this.logger,
      options: { overlapMs: config.leases.overlapMs, shutdownTimeoutMs: config.leases.shutdownTimeoutMs },
      random: deps.random,
    });
    this.watcher = new KvChangeWatcher(
      {
        currentVersion: (key) => this.#currentVersion(key),
        onChanged: async (key, previous) => {
          await this.#announceKv(key, previous, await this.readKv(key, { refresh: true, noFallback: true }), 'version-changed');
        },
        forget: (key) => this.invalidate(key),
      },
      this.scheduler,
      this.events,
      this.logger,
      this.clock,
      { intervalMs: config.watch.intervalMs, concurrency: config.bulkConcurrency },
      deps.random,
    );
    for (const key of config.watch.keys) this.watcher.track(key);
    this.#events =
      config.watch.enabled && config.watch.events
        ? new KvEventSubscriber({
            address: config.address,
            namespace: config.namespace,
            tls: buildTlsSettings(config),
            token: () => this.#subscriptionToken(),
            keyOf: (dataPath) => this.#keyOfDataPath(dataPath),
            onChange: (key) => void this.watcher.checkNow(key),
            scheduler: this.scheduler,
            logger: this.logger,
          })
        : undefined;
    // Leases belong to the token that created them: after a re-login they die with the old token.
    this.tokens.onReLogin(() => this.leases.reacquireAll('token-changed'));
    this.#locator = new KvLocator(config, this.client);
    for (const [name, path] of Object.entries(config.paths ?? {})) {
      this.#paths.set(name, new KvLocator({ ...config, secretsPath: path, secretsMount: undefined }, this.client));
    }
    this.#lastGood = new LRUCache({ max: config.cache.maxEntries });
    this.#fallback = new FallbackChain(this.#envSources(), {
      onError: (f) => this.logger.warn?.(`Fallback source ${f.source} failed for "${f.key}": ${f.error.message}`),
    });
    this.#cache = new SecretCache<KvSecret>({ ttlMs: config.cache.ttlMs, maxEntries: config.cache.maxEntries, clock: this.clock });
  }

  /**
   * Reads a KV secret relative to `secretsPath` (`GET <mount>/data/<path>` for KV v2,
   * `GET <mount>/<path>` for KV v1), through the cache.
   *
   * @returns the inner key/value map (deep-frozen), never Vault's envelope.
   * @throws InvalidSecretKeyError before any request for a malformed key or version;
   *   SecretNotFoundError (missing, deleted or destroyed); PermissionDeniedError;
   *   VaultUnavailableError / VaultSealedError; UnsupportedOperationError for a version on KV v1.
   */
  async fetchSecret<T = Record<string, string>>(key: string, options?: FetchSecretOptions): Promise<T> {
    // Warm path: a memoised key and a fresh cache entry answer at once, allocating nothing.
    if (options?.refresh !== true && options?.version === undefined) {
      const hit = this.#cache.peek(this.#keys.parse(key).latestCacheKey);
      if (hit !== undefined) return hit.data as T;
    }
    return (await this.readKv(key, options)).data as T;
  }

  /** Like {@link fetchSecret} but returns the whole {@link KvSecret} (data plus version metadata). */
  async readKv(key: string, options: FetchSecretOptions = {}): Promise<KvSecret> {
    const { locator, segments, cachePrefix } = this.#route(key);
    const { version } = options;
    if (version !== undefined && (!Number.isSafeInteger(version) || version < 1)) {
      throw new InvalidSecretKeyError(key, `it must be a whole number ≥ 1, got ${String(version)}`, 'version');
    }
    const cacheKey = `${cachePrefix}@${version ?? 'latest'}`;
    try {
      return await this.#cache.get(
        cacheKey,
        async () => {
          const { location, engine } = await locator.locate(segments);
          const secret = await engine.read(location, key, version);
          if (version === undefined) await this.#readFromVault(key, secret);
          return secret;
        },
        options.refresh === true,
      );
    } catch (error) {
      if (version !== undefined || options.noFallback) throw error;
      if (error instanceof VaultUnavailableError) return this.#serveFallback(key, error);
      // 403/404 are answers, not outages: they fall back only for keys the app opted in.
      if ((error instanceof SecretNotFoundError || error instanceof PermissionDeniedError) && this.config.fallbackKeys.includes(key)) {
        return this.#serveFallback(key, error);
      }
      throw error;
    }
  }

  /** After a successful read: remember it as last good, note Vault is up, and announce a change from what a fallback served. */
  async #readFromVault(key: string, secret: KvSecret): Promise<void> {
    this.#lastGood.set(key, { secret, at: this.clock.now() });
    if (this.config.watch.enabled) this.watcher.track(key, watchToken(secret));
    this.#markVault(true);
    const served = this.#degraded.get(key);
    if (!served) return;
    this.#degraded.delete(key);
    if (!isDeepStrictEqual({ ...served.data }, { ...secret.data })) {
      void this.#announceKv(key, undefined, secret, 'recovered');
    }
  }

  /**
   * Vault is unavailable: serve the last good value (up to `maxStalenessMs` old), else the env
   * variables, else the fallback file; emit `secrets.fallback.used`.
   * @throws the Vault error when no fallback has the key.
   */
  async #serveFallback(key: string, error: VaultUnavailableError | SecretNotFoundError | PermissionDeniedError): Promise<KvSecret> {
    if (error instanceof VaultUnavailableError) this.#markVault(false, error.code);
    let hit: { secret: KvSecret; source: string } | undefined;
    const last = this.#lastGood.get(key);
    if (last && this.config.maxStalenessMs > 0 && this.clock.now() - last.at <= this.config.maxStalenessMs) {
      hit = { secret: last.secret, source: 'stale-cache' };
    } else {
      const loaded = await this.#fallback.load(key);
      if (loaded) hit = { secret: { data: deepFreeze(loaded.data) }, source: loaded.source };
    }
    if (!hit) throw error;
    if (this.#degraded.get(key)?.source !== hit.source) {
      this.logger.warn?.(`Vault is unavailable (${error.code}); serving "${key}" from ${hit.source}`);
    }
    this.#degraded.set(key, { data: hit.secret.data, source: hit.source });
    this.#emitSafely(SecretsEvents.FallbackUsed, new FallbackUsedEvent(key, hit.source, error.code, this.clock.now()));
    return hit.secret;
  }

  #markVault(up: boolean, cause?: string): void {
    const next = up ? 'up' : 'down';
    if (this.#vault === next) return;
    const previous = this.#vault;
    this.#vault = next;
    if (up && previous === 'down') {
      this.logger.log?.('Vault is available again');
      this.#emitSafely(SecretsEvents.VaultRecovered, new VaultAvailabilityEvent(true, this.clock.now()));
    } else if (!up) {
      this.#emitSafely(SecretsEvents.VaultUnavailable, new VaultAvailabilityEvent(false, this.clock.now(), cause));
    }
  }

  #emitSafely(event: string, payload: object): void {
    try {
      this.events.emit(event, payload);
    } catch (error) {
      this.logger.error?.(`A listener of ${event} threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #envSources(): FallbackSource[] {
    return this.config.fallbackEnv === false ? [] : [new EnvFallbackSource(process.env, this.config.fallbackEnv)];
  }

  /** `GET sys/health`: reachable, sealed, standby, version. Never throws. */
  probeHealth(timeoutMs?: number): Promise<VaultHealth> {
    return probeVaultHealth(this.client, timeoutMs);
  }

  /** Expiry times (ms since the epoch) of the leased secrets under management. */
  leaseExpiries(): number[] {
    return this.leases
      .keys()
      .map((k) => this.leases.get(k)?.expiresAt)
      .filter((t): t is number => t !== undefined);
  }

  /**
   * Whether the module serves from Vault or is degraded on fallbacks, plus token and lease
   * timing. Never includes a value or a token.
   */
  status(): SecretsStatus {
    const token = this.tokens.info();
    const expiries = this.leaseExpiries();
    return {
      vault: this.#vault,
      degraded: this.#degraded.size > 0,
      fallbackKeys: Object.fromEntries([...this.#degraded.entries()].map(([k, v]) => [k, v.source])),
      token: token ? { accessor: token.accessor, expiresAt: token.expiresAt, renewable: token.renewable } : undefined,
      leases: {
        count: expiries.length,
        nextExpiry: expiries.length > 0 ? Math.min(...expiries) : undefined,
        notices: this.leases.notices(),
      },
    };
  }

  /** The latest version of a KV key (v2 metadata), or a fingerprint of its value (v1). @throws SecretNotFoundError when the latest version is gone. */
  async #currentVersion(key: string): Promise<string | number> {
    const { locator, segments } = this.#route(key);
    const { location, engine } = await locator.locate(segments);
    const metadata = await engine.readMetadata(location, key);
    if (!metadata) return fingerprint((await engine.read(location, key)).data);
    const latest = metadata.versions[metadata.currentVersion];
    if (latest?.destroyed) throw new SecretNotFoundError(key, 'destroyed', { version: metadata.currentVersion });
    if (latest?.deletionTime && Date.parse(latest.deletionTime) <= this.clock.now()) {
      throw new SecretNotFoundError(key, 'deleted', { version: metadata.currentVersion });
    }
    // The creation time tells a re-created key apart from the old one at the same version number.
    return `${metadata.currentVersion}@${latest?.createdTime ?? ''}`;
  }

  async #announceKv(key: string, previous: string | number | undefined, next: KvSecret, reason: RotationReason): Promise<void> {
    await this.orchestrator.announce(
      new SecretRotatedEvent(
        {
          key,
          engine: 'kv',
          path: `${this.config.secretsPath}/${key}`,
          reason,
          previousVersion: publicVersion(previous),
          currentVersion: next.version,
          at: this.clock.now(),
        },
        next.data,
      ),
    );
  }

  /**
   * Reads every key under `secretsPath`, recursing into folders: `LIST` each folder, then one
   * read per key (through the cache), at most `bulkConcurrency` requests at once. Keys whose
   * latest version is deleted or destroyed are left out.
   *
   * @returns a map from key (relative to `secretsPath`, e.g. `kafka/producer`) to its data.
   * @throws PermissionDeniedError, VaultUnavailableError and other read errors (the first one met).
   */
  async getAllSecrets(): Promise<Record<string, Record<string, unknown>>> {
    const base = await this.#locator.base();
    const limiter = new RequestLimiter(this.config.bulkConcurrency);
    const limit = <T>(task: () => Promise<T>): Promise<T> => limiter.run(task);
    const result = new Map<string, Record<string, unknown>>();
    const walk = async (folder: string[]): Promise<void> => {
      const location: KvLocation = { mount: base.mount, path: [...base.base, ...folder] };
      const keys = await limit(() => base.engine.list(location));
      await Promise.all(
        keys.map(async (entry) => {
          const name = entry.endsWith('/') ? entry.slice(0, -1) : entry;
          const problem = name.includes('/') ? 'contains "/"' : pathProblem(name);
          if (problem) {
            throw new MalformedResponseError(`LIST of "${[...base.base, ...folder].join('/')}" returned an entry that ${problem}`, {});
          }
          if (entry.endsWith('/')) return walk([...folder, name]);
          const key = [...folder, entry].join('/');
          try {
            result.set(key, await limit(() => this.fetchSecret<Record<string, unknown>>(key)));
          } catch (error) {
            if (!(error instanceof SecretNotFoundError)) throw error;
          }
        }),
      );
    };
    await walk([]);
    return Object.fromEntries([...result.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /**
   * Describes a key without reading its value: KV v2 metadata (`GET <mount>/metadata/<path>`).
   * On KV v1, which keeps no metadata, only the location is returned.
   *
   * @throws InvalidSecretKeyError; SecretNotFoundError; PermissionDeniedError; VaultUnavailableError.
   */
  async describeSecret(key: string): Promise<SecretDescription> {
    const { locator, segments } = this.#route(key);
    const { location, engine } = await locator.locate(segments);
    const description: SecretDescription = {
      key,
      mount: location.mount.join('/'),
      path: location.path.join('/'),
      kvVersion: engine.version,
    };
    const metadata = await engine.readMetadata(location, key);
    if (!metadata) return description;
    return {
      ...description,
      currentVersion: metadata.currentVersion,
      oldestVersion: metadata.oldestVersion,
      createdTime: metadata.createdTime,
      updatedTime: metadata.updatedTime,
      customMetadata: metadata.customMetadata,
      versions: metadata.versions,
    };
  }

  /**
   * Reads from any registered engine (built-in `database`, `aws`, `pki`, or your own) and keeps
   * the result alive when it has a lease or an expiry. `key` names it for rotation events;
   * default `<engine>:<path>`.
   * @throws UnsupportedOperationError for an unknown engine; the engine's errors otherwise.
   */
  async fetchFrom<T = Record<string, unknown>>(
    engineName: string,
    path: string,
    options?: Record<string, unknown>,
    key?: string,
  ): Promise<ManagedSecretState<T>> {
    return this.managed<T>({
      key: key ?? `${engineName}:${path}`,
      engine: engineName,
      path,
      fetch: this.#engineFetch<T>(engineName, path, options),
    });
  }

  /** A fetch function for `path` on the named engine. @throws UnsupportedOperationError for an unknown engine. */
  #engineFetch<T>(engineName: string, path: string, options?: unknown): () => Promise<EngineSecret<T>> {
    const engine = this.engines.get(engineName);
    if (!engine)
      throw new UnsupportedOperationError(`No secrets engine named "${engineName}"; registered: ${this.engines.names().join(', ')}`);
    const fetch = engine.fetch as (context: EngineContext, path: string, options?: unknown) => Promise<EngineSecret<T>>;
    return () => fetch({ client: this.client, clock: this.clock }, path, options);
  }

  /** Puts a secret under the lease manager (or returns the managed one). */
  managed<T>(spec: ManagedSecretSpec<T>): Promise<ManagedSecretState<T>> {
    return this.leases.acquire(spec);
  }

  /**
   * Dynamic database credentials from `GET <mount>/creds/<role>`, kept valid for as long as the
   * app runs: renewed, replaced before max TTL (announced as a rotation of `key`), revoked on shutdown.
   * Returns the current credentials (the same ones until they rotate).
   *
   * @param options.mount - database engine mount, default `database`.
   * @param options.key - rotation key, default `<mount>/creds/<role>`.
   */
  async fetchDynamicDbCreds(role: string, options: { mount?: string; key?: string } = {}): Promise<DatabaseCredentials> {
    const mount = options.mount ?? 'database';
    const state = await this.managed<DatabaseCredentialsData>({
      key: options.key ?? `${mount}/creds/${role}`,
      engine: 'database',
      path: `${mount}/creds/${role}`,
      fetch: this.#engineFetch<DatabaseCredentialsData>('database', role, { mount, kind: 'dynamic' }),
    });
    if (!state.leaseId || state.expiresAt === undefined)
      throw new UnsupportedOperationError(`"${mount}/creds/${role}" returned no lease; is it a dynamic role?`);
    return {
      ...state.data,
      leaseId: state.leaseId,
      leaseDuration: state.leaseDuration,
      renewable: state.renewable,
      expiresAt: state.expiresAt,
    };
  }

  /**
   * Static-role credentials from `GET <mount>/static-creds/<role>`, read again when Vault rotates
   * them (`ttl` seconds later, plus a small skew); a changed password is announced as a rotation of `key`.
   */
  async fetchStaticDbCreds(role: string, options: { mount?: string; key?: string } = {}): Promise<StaticDatabaseCredentials> {
    const mount = options.mount ?? 'database';
    const state = await this.managed<DatabaseCredentialsData>({
      key: options.key ?? `${mount}/static-creds/${role}`,
      engine: 'database',
      path: `${mount}/static-creds/${role}`,
      fetch: this.#engineFetch<DatabaseCredentialsData>('database', role, { mount, kind: 'static' }),
    });
    return {
      username: state.data.username,
      password: state.data.password,
      lastVaultRotation: typeof state.version === 'string' ? state.version : undefined,
      refreshAt: state.refreshAt,
    };
  }

  /**
   * AWS credentials from `POST <mount>/creds/<role>` (IAM user, renewable lease) or
   * `<mount>/sts/<role>` (STS, not renewable: fetched again at about two thirds of their TTL).
   * `propagationDelayMs` holds new keys that long before they are used (IAM is eventually
   * consistent), at start-up as at every replacement; `issuedAt` says when Vault issued them.
   */
  async fetchAwsCreds(
    role: string,
    options: AwsFetchOptions & { key?: string; propagationDelayMs?: number } = {},
  ): Promise<AwsCredentials> {
    const { key, propagationDelayMs, ...fetchOptions } = options;
    const mount = fetchOptions.mount ?? 'aws';
    const type = fetchOptions.type ?? 'creds';
    const state = await this.managed<AwsCredentialsData>({
      key: key ?? `${mount}/${type}/${role}`,
      engine: 'aws',
      path: `${mount}/${type}/${role}`,
      holdMs: propagationDelayMs,
      fetch: this.#engineFetch<AwsCredentialsData>('aws', role, fetchOptions),
    });
    return {
      ...state.data,
      leaseId: state.leaseId,
      leaseDuration: state.leaseDuration,
      renewable: state.renewable,
      issuedAt: state.issuedAt,
      expiresAt: state.expiresAt,
    };
  }

  /**
   * A certificate from `POST <mount>/issue/<role>`, issued again before it expires (announced as
   * `certificate-reissued`). A refusal at renewal time is logged and the current certificate stays in use.
   */
  async issueCertificate(role: string, options: PkiIssueOptions & { key?: string }): Promise<CertificateData> {
    const { key, ...issueOptions } = options;
    const mount = issueOptions.mount ?? 'pki';
    const state = await this.managed<CertificateData>({
      key: key ?? `${mount}/issue/${role}/${issueOptions.commonName}`,
      engine: 'pki',
      path: `${mount}/issue/${role}`,
      replaceReason: 'certificate-reissued',
      fetch: this.#engineFetch<CertificateData>('pki', role, issueOptions),
    });
    return state.data;
  }

  /**
   * Rotates a secret now. A leased secret (by its key): new lease, handlers notified, old lease
   * revoked. A KV key: re-read bypassing the cache, announced as a `manual` rotation.
   */
  async rotateSecret<T = Record<string, unknown>>(key: string, reason: RotationReason = 'manual'): Promise<T> {
    if (this.leases.get(key)) return (await this.leases.rotate<T>(key, reason)).data;
    const { locator, segments, cachePrefix } = this.#route(key);
    const previous = this.#cache.peek(`${cachePrefix}@latest`);
    const generator = this.config.rotation[key];
    if (generator) {
      const { location, engine } = await locator.locate(segments);
      if (!(engine instanceof KvV2Engine))
        throw new UnsupportedOperationError(`rotateSecret("${key}") with a generator needs KV v2 (check-and-set)`);
      const metadata = await engine.readMetadata(location, key).catch((error: unknown) => {
        if (error instanceof SecretNotFoundError) return undefined;
        throw error;
      });
      await engine.write(location, key, await generator(), metadata?.currentVersion ?? 0);
    }
    const next = await this.readKv(key, { refresh: true, noFallback: true });
    if (this.config.watch.enabled) this.watcher.track(key, watchToken(next));
    await this.#announceKv(key, previous?.version, next, reason);
    return next.data as T;
  }

  /** Drops cached entries: one key (all its versions) or, without a key, everything. */
  invalidate(key?: string): void {
    if (key === undefined) return this.#cache.clear();
    const prefix = `${this.#route(key).cachePrefix}@`;
    for (const cacheKey of this.#cache.keys()) if (cacheKey.startsWith(prefix)) this.#cache.delete(cacheKey);
  }

  /**
   * Where a key lives: `name:rest` with `name` one of the `paths` → that location; any other key
   * → relative to `secretsPath`.
   * @throws InvalidSecretKeyError for a malformed key.
   */
  #route(key: string): { locator: KvLocator; segments: string[]; cachePrefix: string } {
    const colon = typeof key === 'string' ? key.indexOf(':') : -1;
    const named = colon > 0 ? this.#paths.get(key.slice(0, colon)) : undefined;
    if (named) {
      const segments = splitSecretKey(key.slice(colon + 1));
      return { locator: named, segments, cachePrefix: `${key.slice(0, colon)}:${segments.join('/')}` };
    }
    const segments = splitSecretKey(key);
    return { locator: this.#locator, segments, cachePrefix: segments.join('/') };
  }

  /**
   * Keys and folders directly under a folder, without values (KV v2 `LIST <mount>/metadata/<folder>/`,
   * KV v1 `LIST <mount>/<folder>/`). `prefix` is relative to `secretsPath` (`''` = its root), or
   * `name:` / `name:folder` for a named path. Folders end with `/`. A missing folder lists nothing.
   * @throws InvalidSecretKeyError, PermissionDeniedError, VaultUnavailableError.
   */
  async list(prefix = ''): Promise<string[]> {
    const colon = prefix.indexOf(':');
    const name = colon > 0 ? prefix.slice(0, colon) : undefined;
    const named = name === undefined ? undefined : this.#paths.get(name);
    const locator = named ?? this.#locator;
    const folder = (named ? prefix.slice(colon + 1) : prefix).replace(/\/+$/, '');
    const segments = folder === '' ? [] : splitSecretKey(folder);
    const base = await locator.base();
    const entries = await base.engine.list({ mount: base.mount, path: [...base.base, ...segments] });
    return [...entries].sort();
  }

  /**
   * Obtains the first token (login or `auth/token/lookup-self`) and schedules its renewal.
   * When Vault is unavailable the failure is logged and reads retry the login later.
   *
   * @throws the login error when Vault answered and refused (bad credentials, invalid token).
   */
  async start(): Promise<TokenInfo | undefined> {
    for (const warning of this.config.warnings) this.logger.warn?.(warning);
    await this.#openFallbackFile();
    if (this.config.watch.enabled) this.watcher.start();
    void this.#events?.start().catch((error: unknown) => this.logger.warn?.(`KV event subscription failed: ${String(error)}`));
    try {
      let info: TokenInfo | undefined;
      if (this.#agentMode) {
        if (!(await probeVaultHealth(this.client)).reachable)
          throw new VaultUnavailableError(`the Vault Agent at ${this.config.address} does not answer`);
      } else {
        info = await this.tokens.start();
      }
      this.#markVault(true);
      return info;
    } catch (error) {
      if (!(error instanceof VaultUnavailableError)) throw error;
      this.#markVault(false, error.code);
      const unserved: string[] = [];
      for (const key of this.config.watch.keys) if (!(await this.#fallback.load(key))) unserved.push(key);
      if (this.config.failFast && unserved.length > 0) {
        throw new VaultUnavailableError(
          `${error.message}; failFast is set and no fallback can serve ${unserved.map((k) => `"${k}"`).join(', ')}`,
          {
            cause: error,
          },
        );
      }
      this.logger.warn?.(`Vault is unavailable at boot (${error.message}); serving from fallbacks where possible, reads will retry`);
      return undefined;
    }
  }

  async #subscriptionToken(): Promise<string | undefined> {
    return this.#agentMode ? undefined : this.tokens.getToken();
  }

  /** `secret/data/app/db` → `db` when it lies under `secretsPath`. */
  async #keyOfDataPath(dataPath: string): Promise<string | undefined> {
    const base = await this.#locator.base();
    const prefix = [...base.mount, 'data', ...base.base].join('/') + '/';
    return dataPath.startsWith(prefix) ? dataPath.slice(prefix.length) : undefined;
  }

  /** Opens `fallbackJson` at boot: a wrong key or a tampered file fails the boot; warnings are logged. */
  async #openFallbackFile(): Promise<void> {
    if (!this.config.fallbackJson) return;
    const source: FallbackSource = await openFallbackFile(this.config.fallbackJson);
    for (const warning of source.warnings ?? []) this.logger.warn?.(warning);
    if (source.plain)
      this.logger.warn?.(
        `fallbackJson "${this.config.fallbackJson.path}" is a plain JSON file: for development only; encrypt it with \`secrets-fallback encrypt\``,
      );
    this.#fallback = new FallbackChain([...this.#envSources(), source], {
      onError: (f) => this.logger.warn?.(`Fallback source ${f.source} failed for "${f.key}": ${f.error.message}`),
    });
  }

  /** Revokes the module's leases, stops renewals (revoking a token the module logged in for), cancels every timer, releases sockets and cached values. */
  async close(): Promise<void> {
    this.watcher.stop();
    this.#events?.stop();
    // Leases first: revoking them needs the token.
    await this.leases.stop();
    await this.tokens.stop();
    this.scheduler.cancelAll();
    this.#cache.clear();
    await this.client.close();
  }

  toJSON(): Record<string, unknown> {
    return { address: this.config.address, secretsPath: this.config.secretsPath, cache: this.#cache.toJSON() };
  }

  [inspect.custom](): string {
    return `SecretsCore { address: '${this.config.address}', secretsPath: '${this.config.secretsPath}', cachedEntries: ${this.#cache.size} }`;
  }
}

/** Per-process key of {@link fingerprint}, so a fingerprint reveals nothing about a value outside this process. */
const FINGERPRINT_KEY = randomBytes(32);

/**
 * A content fingerprint used internally as the "version" of KV v1 values (which have none), to
 * notice changes. A keyed HMAC, and never put into events or logs.
 */
function fingerprint(data: unknown): string {
  return `fp:${createHmac('sha256', FINGERPRINT_KEY).update(JSON.stringify(data)).digest('base64url')}`;
}

/** What the watcher compares: KV v2 `<version>@<created_time>` (a re-created key differs), KV v1 a fingerprint. */
function watchToken(secret: KvSecret): string {
  return secret.version === undefined ? fingerprint(secret.data) : `${secret.version}@${secret.createdTime ?? ''}`;
}

/** A version fit for an event: KV v2 numbers only, never a v1 fingerprint or an internal marker. */
function publicVersion(version: string | number | undefined): number | undefined {
  if (typeof version === 'number') return version;
  const match = typeof version === 'string' ? /^(\d+)@/.exec(version) : null;
  return match ? Number(match[1]) : undefined;
}
