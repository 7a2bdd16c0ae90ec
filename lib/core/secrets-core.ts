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
import { reconnectAttempt, vaultProbe } from './reconnect-attempt.js';
import { healthFault } from '../transport/health-fault.js';
import { ServingProbe } from '../transport/serving-probe.js';
import { SupervisedTransport } from './supervised-transport.js';
import { bootAttempt } from './boot-attempt.js';
import { Supervisor } from './supervisor.js';
import { EngineRegistry } from '../engines/engine.registry.js';
import type { KvSecret } from '../engines/kv-engine.js';
import { noopEventBus, type SecretsEventBus } from '../events/secrets-event-bus.js';
import type { VaultHealth } from '../transport/vault-health.js';
import { LeaseManager, type ManagedSecretSpec, type ManagedSecretState } from './leases/lease.manager.js';
import { TimerScheduler, type TaskScheduler } from '../timing/task-scheduler.js';
import type { ResolvedVaultConfig } from '../options/resolved-vault-config.js';
import { KvChangeWatcher } from './rotation/kv-change.watcher.js';
import { KvEventSubscriber } from './rotation/kv-event.subscriber.js';
import { RotationOrchestrator } from './rotation/rotation.orchestrator.js';
import type { RotationReason } from '../events/secret-rotated.event.js';
import type { SecretsStatus } from './secrets-status.js';
import { buildSecretsStatus, leaseExpiries } from './build-secrets-status.js';
import { HealthProbeCache } from './health-probe-cache.js';
import { rereadServedKeys } from './read/reread-served-keys.js';
import { systemClock, type Clock } from '../timing/clock.js';
import type { SecretsCoreDeps } from './secrets-core-deps.js';
import type { SecretsLogger } from '../util/secrets-logger.js';
import { VaultTelemetry } from '../telemetry/vault-telemetry.js';
import { instrumentCore, tapEvents } from './core-telemetry.js';

export type { FetchSecretOptions, SecretDescription } from './read/kv-reader.js';
export type { SecretsCoreDeps } from './secrets-core-deps.js';

/**
 * The module's core, shared by the NestJS `SecretsService` and the framework-free
 * `SecretsManager`. It wires the parts, each in its own file under `core/`: the
 * {@link Supervisor} (can the app reach Vault; one background retry loop; convergence on
 * recovery), the KV read path ({@link KvReader}), availability and fallbacks
 * ({@link Availability}), the leased engines ({@link LeasedEngines}: database, AWS, PKI), KV
 * rotation ({@link KvRotation}), the on-demand health probe ({@link HealthProbeCache}) and
 * `status()` ({@link buildSecretsStatus}). Never logs or stringifies a value.
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
  /** Database, AWS, PKI and custom engines: fetched through the supervised requester, kept alive by the lease manager. */
  readonly leased: LeasedEngines;
  readonly #subscriber: KvEventSubscriber | undefined;
  readonly #agentMode: boolean;
  readonly #availability: Availability;
  readonly #kv: KvReader;
  readonly #rotation: KvRotation;
  readonly #health: HealthProbeCache;

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
    // As long as a read may take: a Vault slower than a shorter probe timeout would never leave degraded.
    const probeTimeoutMs = config.requestTimeoutMs;
    const tokenNamespace = config.authNamespace === config.namespace ? undefined : (config.authNamespace ?? '');
    // One probe for the supervisor and the health indicator, so both know when a proxy hides sys/health.
    const serving = new ServingProbe({
      client: this.client,
      clock: this.clock,
      ...(this.#agentMode ? {} : { heldToken: () => tokens.heldToken() }),
      tokenNamespace,
    });
    this.supervisor = new Supervisor({
      clock: this.clock,
      scheduler: this.scheduler,
      logger: this.logger,
      events: this.events,
      random: deps.random,
      attempt: reconnectAttempt(serving, this.#agentMode ? undefined : tokens, probeTimeoutMs),
      probe: vaultProbe(serving, probeTimeoutMs),
    });
    const supervised = new SupervisedTransport({
      inner: this.client,
      supervisor: this.supervisor,
      tokens: this.#agentMode ? undefined : tokens,
      clock: this.clock,
      tokenNamespace,
    });
    this.requester = supervised;
    // Any probe is the supervisor's evidence: not serving degrades, serving ends `degraded` at once.
    this.#health = new HealthProbeCache(serving, this.clock, (health) => this.supervisor.observe(healthFault(health)), probeTimeoutMs);
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
      // Leases die with the token that fetched them: they are planned against its hard end.
      token: () => (this.#agentMode ? undefined : tokens.info()),
      refreshToken: this.#agentMode || !config.authMethod.canLogin ? undefined : (reason) => tokens.reauthenticate(reason),
    });
    this.leased = new LeasedEngines(this.engines, this.leases, supervised, this.clock);
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
        // A watcher tick is no read by the app: while degraded it is refused without nudging an early probe.
        currentVersion: async (key) => {
          this.supervisor.gate(key);
          return this.#kv.currentVersion(key);
        },
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
      leased: this.leased,
      cacheEntries: () => this.#kv.cachedEntries,
    });
    // Leases belong to the token that created them: after a re-login they die with the old token.
    tokens.onReLogin((info) => this.leases.reacquireAll('token-changed', info.accessor));
    tokens.onHardEnd((info) => this.leases.tokenHardEnd(info));
    // Convergence after an outage, in this order, with no read by the app.
    // The outage that opened the mounts' breakers is over: the first reads after it go to Vault.
    this.supervisor.onRecovered(() => {
      this.client.resetCircuits?.();
      tokens.resume();
    });
    this.supervisor.onRecovered(() => rereadServedKeys(this.#kv, this.#availability, config.bulkConcurrency, this.logger));
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
    if (options?.refresh !== true && options?.version === undefined) {
      const data = this.peekWarm(key);
      if (data !== undefined) return data as T;
    }
    return (await this.#kv.read(key, options)).data as T;
  }

  /**
   * The warm path of {@link fetchSecret}, synchronous: the data (deep-frozen) of a fresh cached
   * latest value of `key`, counted as a cache read; `undefined` when there is none (then
   * `fetchSecret` does the work). A memoised key and one cache lookup: it allocates nothing.
   * @throws InvalidSecretKeyError for a malformed key.
   */
  peekWarm(key: string): object | undefined {
    const hit = this.#kv.peekWarm(key);
    if (hit === undefined) return undefined;
    this.telemetry.cacheHit(key);
    return hit.data;
  }

  /** Like {@link fetchSecret} but returns the whole {@link KvSecret} (data plus version metadata). */
  readKv(key: string, options: FetchSecretOptions = {}): Promise<KvSecret> {
    return this.#kv.read(key, options);
  }

  /**
   * `GET sys/health`: reachable, sealed, standby, version. Never throws. A node found not serving
   * is reported to the supervisor; see {@link HealthProbeCache.probe}.
   * @param timeoutMs - timeout of the call, in milliseconds.
   * @param maxAgeMs - reuse an answer (or a call in flight) up to this old, in milliseconds; default 0 (always call).
   */
  probeHealth(timeoutMs?: number, maxAgeMs = 0): Promise<VaultHealth> {
    return this.#health.probe(timeoutMs, maxAgeMs);
  }

  /** Expiry times (ms since the epoch) of the leased secrets under management. */
  leaseExpiries(): number[] {
    return leaseExpiries(this.leases);
  }

  /**
   * The supervisor's state and reason, the keys served from fallbacks, token and lease timing,
   * and `login` while logins are held to stay clear of Vault's lockout ({@link TokenManager.loginHold}).
   * Never includes a value, a token or a credential.
   */
  status(): SecretsStatus {
    return buildSecretsStatus({
      supervisor: this.supervisor.snapshot(),
      token: this.tokens.info(),
      login: this.tokens.loginHold(),
      leases: this.leases,
      fallbackKeys: this.#availability.servedKeys(),
    });
  }

  /** Reads every key under `secretsPath`; see {@link KvReader.readAll}. */
  getAllSecrets(): Promise<Record<string, Record<string, unknown>>> {
    return this.#kv.readAll();
  }

  /** Versions and metadata of a key, never its value; see {@link KvReader.describe}. */
  describeSecret(key: string): Promise<SecretDescription> {
    return this.#kv.describe(key);
  }

  /** Puts a secret under the lease manager (or returns the managed one). */
  managed<T>(spec: ManagedSecretSpec<T>): Promise<ManagedSecretState<T>> {
    return this.leases.acquire(spec);
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
    return bootAttempt({
      config: this.config,
      client: this.client,
      tokens: this.#agentMode ? undefined : this.tokens,
      supervisor: this.supervisor,
      availability: this.#availability,
      logger: this.logger,
      onReady: () =>
        void this.#subscriber?.start().catch((error: unknown) => this.logger.warn(`KV event subscription failed: ${String(error)}`)),
    });
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
