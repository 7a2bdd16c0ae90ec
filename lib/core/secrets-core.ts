import { inspect } from 'node:util';
import { AgentAuthMethod } from '../auth/agent.auth.js';
import { TokenManager, type TokenInfo } from '../auth/token.manager.js';
import { buildTlsSettings } from '../transport/tls-settings.js';
import { VaultClient } from '../transport/vault-client.js';
import type { VaultTransport } from '../transport/vault-transport.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import { Availability } from './read/availability.js';
import { ConsoleLogger } from '../util/console-logger.js';
import { watchToken } from './read/kv-fingerprint.js';
import { KvReader, type FetchSecretOptions, type SecretDescription } from './read/kv-reader.js';
import { KvRotation } from './rotation/kv-rotation.js';
import { LeasedEngines } from './leased-engines.js';
import { reconnectAttempt } from './reconnect-attempt.js';
import { healthFault } from '../transport/health-fault.js';
import { SupervisedTransport } from './supervised-transport.js';
import { Supervisor } from './supervisor.js';
import type { AwsCredentials, DatabaseCredentials, StaticDatabaseCredentials } from '../engines/credentials.js';
import type { AwsCredentialsData, AwsFetchOptions } from '../engines/aws.engine.js';
import type { DatabaseCredentialsData } from '../engines/database.engine.js';
import { EngineRegistry } from '../engines/engine.registry.js';
import type { KvSecret } from '../engines/kv-engine.js';
import type { CertificateData, PkiIssueOptions } from '../engines/pki.engine.js';
import { UnsupportedOperationError } from '../errors/unsupported-operation.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import { noopEventBus, type SecretsEventBus } from '../events/secrets-event-bus.js';
import { probeVaultHealth, type VaultHealth } from '../transport/vault-health.js';
import { LeaseManager, type ManagedSecretSpec, type ManagedSecretState } from './leases/lease.manager.js';
import { TimerScheduler, type TaskScheduler } from '../timing/task-scheduler.js';
import type { ResolvedVaultConfig } from '../options/resolved-vault-config.js';
import { KvChangeWatcher } from './rotation/kv-change.watcher.js';
import { KvEventSubscriber } from './rotation/kv-event.subscriber.js';
import { RotationOrchestrator } from './rotation/rotation.orchestrator.js';
import type { RotationReason } from '../events/secret-rotated.event.js';
import type { SecretsStatus } from './secrets-status.js';
import { RequestLimiter } from '../transport/request-limiter.js';
import { systemClock, type Clock } from '../timing/clock.js';
import type { SecretsLogger } from '../util/secrets-logger.js';
import { VaultTelemetry } from '../telemetry/vault-telemetry.js';
import { instrumentCore, tapEvents } from './core-telemetry.js';

export type { FetchSecretOptions, SecretDescription } from './read/kv-reader.js';

/** Timeout of the supervisor's `sys/health` probe, in milliseconds. */
export const SUPERVISOR_PROBE_TIMEOUT_MS = 5000;

/** Collaborators that can be swapped: tests inject a clock, a logger and a jitter source; Nest injects its SchedulerRegistry-backed scheduler and EventEmitter2. */
export interface SecretsCoreDeps {
  clock?: Clock;
  logger?: SecretsLogger;
  scheduler?: TaskScheduler;
  events?: SecretsEventBus;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Replaces the HTTP client (the in-memory Vault of `SecretsTestingModule`). */
  transport?: VaultTransport;
  /** The named Vault (`vault.name` in telemetry); undefined for the default one. */
  vaultName?: string;
  /** Replaces the telemetry built from the config (tests share one with their own client). */
  telemetry?: VaultTelemetry;
}

/**
 * The module's core, shared by the NestJS `SecretsService` and the framework-free
 * `SecretsManager`. It wires the parts, each in its own file under `core/`: the
 * {@link Supervisor} (can the app reach Vault; one background retry loop; convergence on
 * recovery), the KV read path ({@link KvReader}), availability and fallbacks
 * ({@link Availability}), the leased engines ({@link LeasedEngines}) and KV rotation
 * ({@link KvRotation}). Never logs or stringifies a value.
 */
export class SecretsCore {
  readonly config: ResolvedVaultConfig;
  /** The HTTP client as configured (token from the token manager); the data paths use the supervised requester. */
  readonly client: VaultTransport;
  /**
   * The supervised requester (the client behind the supervisor's gate, with re-login on a dead
   * token): what every authenticated data call uses, including raw requests and transit.
   */
  readonly requester: VaultRequester;
  readonly clock: Clock;
  readonly logger: SecretsLogger;
  readonly scheduler: TaskScheduler;
  readonly events: SecretsEventBus;
  readonly tokens: TokenManager;
  readonly engines: EngineRegistry;
  readonly orchestrator: RotationOrchestrator;
  readonly leases: LeaseManager;
  readonly watcher: KvChangeWatcher;
  /** "Can this app get answers from Vault": state, reason, backoff, convergence. */
  readonly supervisor: Supervisor;
  /** Metrics, spans and diagnostics channels of this Vault. */
  readonly telemetry: VaultTelemetry;
  readonly #subscriber: KvEventSubscriber | undefined;
  readonly #agentMode: boolean;
  readonly #availability: Availability;
  readonly #kv: KvReader;
  readonly #rotation: KvRotation;
  readonly #leased: LeasedEngines;
  #health: { at: number; result: Promise<VaultHealth> } | undefined;

  constructor(config: ResolvedVaultConfig, deps: SecretsCoreDeps = {}) {
    this.config = config;
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? new ConsoleLogger('SecretsModule');
    this.scheduler = deps.scheduler ?? new TimerScheduler();
    this.telemetry =
      deps.telemetry ??
      new VaultTelemetry({ vault: deps.vaultName, includeKeyNames: config.telemetry.includeKeyNames, authMethod: config.authMethod.name });
    this.events = tapEvents(deps.events ?? noopEventBus, this.telemetry);
    this.client = deps.transport ?? new VaultClient(config, { getToken: () => Promise.resolve(undefined) }, this.telemetry);
    // Agent mode: the Vault Agent adds its own token; the module sends none and renews nothing.
    this.#agentMode = config.authMethod instanceof AgentAuthMethod;
    const tokens = new TokenManager({
      client: this.client,
      method: config.authMethod,
      clock: this.clock,
      scheduler: this.scheduler,
      events: this.events,
      logger: this.logger,
      onTokenRenewalFailed: config.onTokenRenewalFailed,
      onFault: (error) => this.supervisor.report(error),
      renew: config.renewToken,
      random: deps.random,
      // Auth in its own namespace (e.g. the parent of the secrets' one): the token lives there.
      namespace: config.authNamespace === config.namespace ? undefined : (config.authNamespace ?? ''),
      // Issue 17: renewals ask the supervisor first; a rewritten credential file is tried at once.
      gate: { isOpen: () => !this.supervisor.backingOff, report: (error) => this.supervisor.report(error) },
      onCredentialChange: () => void this.supervisor.attemptNow(),
    });
    this.tokens = tokens;
    this.client.useTokenSource(this.#agentMode ? { getToken: () => Promise.resolve(undefined) } : tokens);
    this.supervisor = new Supervisor({
      clock: this.clock,
      scheduler: this.scheduler,
      logger: this.logger,
      events: this.events,
      random: deps.random,
      attempt: reconnectAttempt(
        this.client,
        this.#agentMode ? undefined : tokens,
        Math.min(SUPERVISOR_PROBE_TIMEOUT_MS, config.requestTimeoutMs),
      ),
    });
    const supervised = new SupervisedTransport({
      inner: this.client,
      supervisor: this.supervisor,
      tokens: this.#agentMode ? undefined : tokens,
      clock: this.clock,
      tokenNamespace: config.authNamespace === config.namespace ? undefined : (config.authNamespace ?? ''),
    });
    this.requester = supervised;
    this.engines = new EngineRegistry(config.engines);
    this.orchestrator = new RotationOrchestrator(this.events, this.logger, config.onRotate, config.leases.handlerTimeoutMs);
    this.leases = new LeaseManager({
      client: supervised,
      clock: this.clock,
      scheduler: this.scheduler,
      events: this.events,
      orchestrator: this.orchestrator,
      logger: this.logger,
      options: { overlapMs: config.leases.overlapMs, shutdownTimeoutMs: config.leases.shutdownTimeoutMs },
      random: deps.random,
      gate: () => !this.supervisor.backingOff,
    });
    this.#leased = new LeasedEngines(this.engines, this.leases, supervised, this.clock);
    this.#availability = new Availability({
      config,
      clock: this.clock,
      logger: this.logger,
      events: this.events,
      telemetry: this.telemetry,
    });
    this.#kv = new KvReader({
      config,
      client: supervised,
      clock: this.clock,
      availability: this.#availability,
      telemetry: this.telemetry,
      onVaultRead: (key, secret, previousFallback) => {
        if (config.watch.enabled) this.watcher.track(key, watchToken(secret));
        if (previousFallback) void this.#rotation.announce(key, undefined, secret, 'recovered');
      },
    });
    this.#rotation = new KvRotation({
      config,
      clock: this.clock,
      orchestrator: this.orchestrator,
      reader: this.#kv,
      track: (key, secret) => this.watcher.track(key, watchToken(secret)),
    });
    this.watcher = new KvChangeWatcher(
      {
        currentVersion: (key) => this.#kv.currentVersion(key),
        onChanged: async (key, previous) => {
          await this.#rotation.announce(key, previous, await this.readKv(key, { refresh: true, noFallback: true }), 'version-changed');
        },
        forget: (key) => this.invalidate(key),
      },
      this.scheduler,
      this.events,
      this.logger,
      this.clock,
      { intervalMs: config.watch.intervalMs, concurrency: config.bulkConcurrency, canPoll: () => !this.supervisor.backingOff },
      deps.random,
    );
    for (const key of config.watch.keys) this.watcher.track(key);
    this.#subscriber =
      config.watch.enabled && config.watch.events
        ? new KvEventSubscriber({
            address: config.address,
            namespace: config.namespace,
            tls: buildTlsSettings(config),
            token: () => this.#subscriptionToken(),
            keyOf: (dataPath) => this.#kv.keyOfDataPath(dataPath),
            onChange: (key) => void this.watcher.checkNow(key),
            scheduler: this.scheduler,
            logger: this.logger,
          })
        : undefined;
    instrumentCore(this.telemetry, {
      clock: this.clock,
      supervisor: this.supervisor,
      tokens,
      leases: this.leases,
      leased: this.#leased,
      cacheEntries: () => this.#kv.cachedEntries,
    });
    // Leases belong to the token that created them: after a re-login they die with the old token.
    tokens.onReLogin(() => this.leases.reacquireAll('token-changed'));
    // Convergence after an outage, in this order, with no read by the app.
    this.supervisor.onRecovered(() => tokens.resume());
    this.supervisor.onRecovered(() => this.#rereadServedKeys());
    this.supervisor.onRecovered(() => this.leases.recover('recovered'));
    this.supervisor.onRecovered(async () => {
      this.#subscriber?.rearm();
      if (config.watch.enabled) await this.watcher.pollOnce();
    });
  }

  /**
   * Reads a KV secret relative to `secretsPath`; see {@link KvReader.read}.
   * @returns the inner key/value map (deep-frozen), never Vault's envelope.
   */
  async fetchSecret<T = Record<string, string>>(key: string, options?: FetchSecretOptions): Promise<T> {
    // Warm path: a memoised key and a fresh cache entry answer at once, allocating nothing.
    if (options?.refresh !== true && options?.version === undefined) {
      const hit = this.#kv.peekWarm(key);
      if (hit !== undefined) {
        this.telemetry.cacheHit(key);
        return hit.data as T;
      }
    }
    return (await this.#kv.read(key, options)).data as T;
  }

  /** Like {@link fetchSecret} but returns the whole {@link KvSecret} (data plus version metadata). */
  readKv(key: string, options: FetchSecretOptions = {}): Promise<KvSecret> {
    return this.#kv.read(key, options);
  }

  /**
   * `GET sys/health`: reachable, sealed, standby, version. Never throws.
   * @param timeoutMs - timeout of the call, in milliseconds.
   * @param maxAgeMs - reuse an answer (or a call in flight) up to this old, in milliseconds; default 0 (always call).
   */
  probeHealth(timeoutMs?: number, maxAgeMs = 0): Promise<VaultHealth> {
    const now = this.clock.now();
    if (maxAgeMs > 0 && this.#health && now - this.#health.at <= maxAgeMs) return this.#health.result;
    const result = probeVaultHealth(this.client, timeoutMs);
    this.#health = { at: now, result };
    // A probe that finds Vault not serving is a fault like any other: one truth.
    void result.then((health) => {
      const fault = healthFault(health);
      if (fault) this.supervisor.report(fault);
    });
    return result;
  }

  /** Expiry times (ms since the epoch) of the leased secrets under management. */
  leaseExpiries(): number[] {
    return this.leases
      .keys()
      .map((k) => this.leases.get(k)?.expiresAt)
      .filter((t): t is number => t !== undefined);
  }

  /**
   * The supervisor's state and reason, the keys served from fallbacks, token and lease timing.
   * Never includes a value or a token.
   */
  status(): SecretsStatus {
    const token = this.tokens.info();
    const expiries = this.leaseExpiries();
    const supervisor = this.supervisor.snapshot();
    const fallbackKeys = this.#availability.servedKeys();
    return {
      state: supervisor.state,
      ...(supervisor.reason ? { reason: supervisor.reason } : {}),
      ...(supervisor.nextAttemptAt !== undefined ? { nextAttemptAt: supervisor.nextAttemptAt } : {}),
      vault: supervisor.state === 'ready' ? 'up' : supervisor.state === 'degraded' ? 'down' : 'unknown',
      degraded: supervisor.state === 'degraded' || Object.keys(fallbackKeys).length > 0,
      fallbackKeys,
      token: token ? { accessor: token.accessor, expiresAt: token.expiresAt, renewable: token.renewable } : undefined,
      leases: {
        count: expiries.length,
        nextExpiry: expiries.length > 0 ? Math.min(...expiries) : undefined,
        notices: this.leases.notices(),
      },
    };
  }

  /** Reads every key under `secretsPath`; see {@link KvReader.readAll}. */
  getAllSecrets(): Promise<Record<string, Record<string, unknown>>> {
    return this.#kv.readAll();
  }

  /** Versions and metadata of a key, never its value; see {@link KvReader.describe}. */
  describeSecret(key: string): Promise<SecretDescription> {
    return this.#kv.describe(key);
  }

  /**
   * Reads from any registered engine (built-in `database`, `aws`, `pki`, or your own) and keeps
   * the result alive when it has a lease or an expiry. `key` names it for rotation events;
   * default `<engine>:<path>`.
   * @throws UnsupportedOperationError for an unknown engine; the engine's errors otherwise.
   */
  fetchFrom<T = Record<string, unknown>>(
    engineName: string,
    path: string,
    options?: Record<string, unknown>,
    key?: string,
  ): Promise<ManagedSecretState<T>> {
    return this.#leased.acquire<T>({ engine: engineName, name: path, options, key: key ?? `${engineName}:${path}`, path });
  }

  /** Puts a secret under the lease manager (or returns the managed one). */
  managed<T>(spec: ManagedSecretSpec<T>): Promise<ManagedSecretState<T>> {
    return this.leases.acquire(spec);
  }

  /**
   * Dynamic database credentials from `GET <mount>/creds/<role>`, kept valid for as long as the
   * app runs: renewed, replaced before max TTL (announced as a rotation of `key`), revoked on
   * shutdown, re-acquired after an outage. `options.mount` default `database`; `options.key`
   * default `<mount>/creds/<role>`.
   * @throws UnsupportedOperationError when the role returns no lease.
   */
  async fetchDynamicDbCreds(role: string, options: { mount?: string; key?: string } = {}): Promise<DatabaseCredentials> {
    const mount = options.mount ?? 'database';
    const path = `${mount}/creds/${role}`;
    const state = await this.#leased.acquire<DatabaseCredentialsData>({
      engine: 'database',
      name: role,
      options: { mount, kind: 'dynamic' },
      key: options.key ?? path,
      path,
    });
    if (!state.leaseId || state.expiresAt === undefined)
      throw new UnsupportedOperationError(`"${path}" returned no lease; is it a dynamic role?`);
    const { leaseId, leaseDuration, renewable, expiresAt } = state;
    return { ...state.data, leaseId, leaseDuration, renewable, expiresAt };
  }

  /**
   * Static-role credentials from `GET <mount>/static-creds/<role>`, read again when Vault rotates
   * them; a changed password is announced as a rotation of `key`.
   */
  async fetchStaticDbCreds(role: string, options: { mount?: string; key?: string } = {}): Promise<StaticDatabaseCredentials> {
    const mount = options.mount ?? 'database';
    const path = `${mount}/static-creds/${role}`;
    const state = await this.#leased.acquire<DatabaseCredentialsData>({
      engine: 'database',
      name: role,
      options: { mount, kind: 'static' },
      key: options.key ?? path,
      path,
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
   * `<mount>/sts/<role>` (STS, fetched again at about two thirds of their TTL).
   * `propagationDelayMs` holds new keys that long before they are used (IAM is eventually
   * consistent), at start-up as at every replacement; `issuedAt` says when Vault issued them.
   */
  async fetchAwsCreds(
    role: string,
    options: AwsFetchOptions & { key?: string; propagationDelayMs?: number } = {},
  ): Promise<AwsCredentials> {
    const { key, propagationDelayMs, ...fetchOptions } = options;
    const path = `${fetchOptions.mount ?? 'aws'}/${fetchOptions.type ?? 'creds'}/${role}`;
    const state = await this.#leased.acquire<AwsCredentialsData>({
      engine: 'aws',
      name: role,
      options: fetchOptions,
      key: key ?? path,
      path,
      holdMs: propagationDelayMs,
    });
    const { leaseId, leaseDuration, renewable, issuedAt, expiresAt } = state;
    return { ...state.data, leaseId, leaseDuration, renewable, issuedAt, expiresAt };
  }

  /**
   * A certificate from `POST <mount>/issue/<role>`, issued again before it expires (announced as
   * `certificate-reissued`).
   */
  async issueCertificate(role: string, options: PkiIssueOptions & { key?: string }): Promise<CertificateData> {
    const { key, ...issueOptions } = options;
    const mount = issueOptions.mount ?? 'pki';
    const state = await this.#leased.acquire<CertificateData>({
      engine: 'pki',
      name: role,
      options: issueOptions,
      key: key ?? `${mount}/issue/${role}/${issueOptions.commonName}`,
      path: `${mount}/issue/${role}`,
      replaceReason: 'certificate-reissued',
    });
    return state.data;
  }

  /**
   * Rotates a secret now. A leased secret (by its key): new lease, handlers notified, old lease
   * revoked. A KV key: re-read bypassing the cache, announced as a `manual` rotation.
   */
  async rotateSecret<T = Record<string, unknown>>(key: string, reason: RotationReason = 'manual'): Promise<T> {
    if (this.leases.get(key)) return (await this.leases.rotate<T>(key, reason)).data;
    return (await this.#rotation.rotate(key, reason)).data as T;
  }

  /** Drops cached entries: one key (all its versions) or, without a key, everything. */
  invalidate(key?: string): void {
    this.#kv.invalidate(key);
  }

  /** Drops the cached KV entries a write to `apiPath` may have changed; see {@link KvReader.invalidateWritten}. */
  invalidateWritten(apiPath: string): Promise<void> {
    return this.#kv.invalidateWritten(apiPath);
  }

  /** Keys and folders directly under a folder, never values; see {@link KvReader.list}. */
  list(prefix = ''): Promise<string[]> {
    return this.#kv.list(prefix);
  }

  /**
   * Obtains the first token (login or `auth/token/lookup-self`) and schedules its renewal: ONE
   * attempt. When Vault is unavailable the module starts `degraded` on its fallbacks and the
   * supervisor retries in the background (reads send nothing meanwhile).
   *
   * @throws the login error when Vault answered and refused (bad credentials, invalid token);
   *   VaultUnavailableError when `failFast` is set and a watched key has no fallback.
   */
  async start(): Promise<TokenInfo | undefined> {
    for (const warning of this.config.warnings) this.logger.warn(warning);
    await this.telemetry.enable();
    await this.#availability.open();
    if (this.config.watch.enabled) this.watcher.start();
    try {
      let info: TokenInfo | undefined;
      if (this.#agentMode) {
        const fault = healthFault(await probeVaultHealth(this.client));
        if (fault)
          throw new VaultUnavailableError(`the Vault Agent at ${this.config.address} does not serve (${fault.message})`, { cause: fault });
      } else {
        info = await this.tokens.start();
      }
      this.supervisor.markReady();
      void this.#subscriber?.start().catch((error: unknown) => this.logger.warn(`KV event subscription failed: ${String(error)}`));
      return info;
    } catch (error) {
      if (!(error instanceof VaultUnavailableError)) throw error;
      this.supervisor.report(error);
      const unserved: string[] = [];
      for (const key of this.config.watch.keys) if (!(await this.#availability.canServe(key))) unserved.push(key);
      if (this.config.failFast && unserved.length > 0) {
        this.supervisor.stop();
        throw new VaultUnavailableError(
          `${error.message}; failFast is set and no fallback can serve ${unserved.map((k) => `"${k}"`).join(', ')}`,
          { cause: error },
        );
      }
      this.logger.warn(
        `Vault is unavailable at boot (${error.message}); serving from fallbacks where possible, retrying in the background`,
      );
      return undefined;
    }
  }

  /** Re-reads from Vault every key served from a fallback or a stale value (a differing value is announced `recovered`). */
  async #rereadServedKeys(): Promise<void> {
    const limiter = new RequestLimiter(this.config.bulkConcurrency);
    const limit = <T>(task: () => Promise<T>): Promise<T> => limiter.run(task);
    await Promise.all(
      Object.keys(this.#availability.servedKeys()).map((key) =>
        limit(() =>
          this.#kv.read(key, { refresh: true, noFallback: true }).catch((error: unknown) => {
            this.logger.warn(`Re-reading "${key}" after the outage failed: ${error instanceof Error ? error.message : String(error)}`);
          }),
        ),
      ),
    );
  }

  async #subscriptionToken(): Promise<string | undefined> {
    this.supervisor.gate('sys/events/subscribe');
    return this.#agentMode ? undefined : this.tokens.getToken();
  }

  /** Revokes the module's leases, stops renewals (revoking a token the module logged in for), cancels every timer, releases sockets and cached values. */
  async close(): Promise<void> {
    this.supervisor.stop();
    // An attempt in flight finishes first (bounded by its probe timeout), so no request outlives close().
    await this.supervisor.settled();
    this.watcher.stop();
    this.#subscriber?.stop();
    // Leases first: revoking them needs the token.
    await this.leases.stop();
    await this.tokens.stop();
    this.scheduler.cancelAll();
    this.#kv.invalidate();
    this.telemetry.close();
    await this.client.close();
  }

  toJSON(): Record<string, unknown> {
    return { address: this.config.address, secretsPath: this.config.secretsPath, cache: this.#kv.cacheJson() };
  }

  [inspect.custom](): string {
    return `SecretsCore { address: '${this.config.address}', secretsPath: '${this.config.secretsPath}', cachedEntries: ${this.#kv.cachedEntries} }`;
  }
}
