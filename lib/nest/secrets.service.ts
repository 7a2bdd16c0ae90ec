import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { VaultTransport } from '../transport/vault-transport.js';
import { DeferredEventBus, prefixedEventBus } from '../events/deferred-event-bus.js';
import { eventBusFrom, fanOutEventBus, noopEventBus } from '../events/secrets-event-bus.js';
import { TimerScheduler } from '../timing/task-scheduler.js';
import type { SecretRotatedEvent } from '../events/secret-rotated.event.js';
import type { RotationUpdater } from '../core/rotation/rotation.orchestrator.js';
import type { ResolvedVaultConfig } from '../options/resolved-vault-config.js';
import { SECRETS_CLOCK, SECRETS_CONFIG, SECRETS_TRANSPORT, SECRETS_VAULT_NAME } from './secrets.constants.js';
import { SecretsCore } from '../core/secrets-core.js';
import { SecretsManager } from '../core/secrets.manager.js';
import type { Clock } from '../timing/clock.js';
import { findOptionalPeers } from './optional-peers.js';
import { RotationHandlersExplorer } from './rotation-handlers.explorer.js';
import { bindVaultConfigLoaders } from './vault-config.loader.js';

/**
 * What apps inject: a {@link SecretsManager} whose core the module builds (Nest's logger, the app's
 * `SchedulerRegistry` and `EventEmitter2` when present) and whose life the module runs: it logs in
 * during `onModuleInit` and closes on shutdown, so do not call `start()` / `stop()` yourself.
 * Reads secrets from Vault through the cache; never logs a value.
 *
 * ```ts
 * constructor(private readonly secrets: SecretsService) {}
 * const db = await this.secrets.fetchSecret('database', { schema: DbSecret });
 * ```
 * A named Vault (`SecretsModule.forRoot({ name: 'billing' })`) is injected with
 * `@InjectSecretsService('billing')`; its events are published as `billing.secrets.*` and its
 * timers registered as `<name>@billing`.
 */
@Injectable()
export class SecretsService extends SecretsManager implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  /** The named Vault this service talks to; `undefined` for the default module. */
  readonly vaultName: string | undefined;
  readonly #explorer: RotationHandlersExplorer;
  readonly #moduleRef: ModuleRef;
  readonly #events: DeferredEventBus;
  readonly #scheduler: TimerScheduler;
  readonly #logger: Logger;
  #whenListenersReady: (() => Promise<void>) | undefined;
  #closeConfigLoaders: () => Promise<void> = () => Promise.resolve();

  constructor(
    @Inject(SECRETS_CONFIG) config: ResolvedVaultConfig,
    explorer: RotationHandlersExplorer,
    moduleRef: ModuleRef,
    @Optional() @Inject(SECRETS_CLOCK) clock?: Clock,
    @Optional() @Inject(SECRETS_TRANSPORT) transport?: VaultTransport,
    @Optional() @Inject(SECRETS_VAULT_NAME) vaultName?: string,
  ) {
    const name = vaultName ?? undefined;
    const logger = new Logger(name === undefined ? 'SecretsModule' : `SecretsModule(${name})`);
    const scheduler = new TimerScheduler(undefined, name);
    const events = new DeferredEventBus();
    const onListenerError = (event: string, error: unknown): void =>
      logger.error(`A listener of ${event} failed: ${error instanceof Error ? error.message : String(error)}`);
    super(
      (emitter) =>
        new SecretsCore(config, {
          clock,
          logger,
          scheduler,
          // The app's EventEmitter2 (attached in onModuleInit) and listeners added with `on()`.
          events: fanOutEventBus(prefixedEventBus(events, name), eventBusFrom(emitter, onListenerError)),
          transport,
          vaultName: name,
        }),
    );
    this.#explorer = explorer;
    this.#moduleRef = moduleRef;
    this.vaultName = name;
    this.#logger = logger;
    this.#scheduler = scheduler;
    this.#events = events;
  }

  /**
   * @internal Finds the app's `EventEmitter2` / `SchedulerRegistry` (optional), registers the
   * `@OnSecretRotated` handlers of this Vault with the orchestrator, then logs in (or looks up
   * the given token) and schedules renewal.
   * @throws InvalidOptionsError when a handler names a key no configuration can produce.
   */
  async onModuleInit(): Promise<void> {
    const peers = await findOptionalPeers(this.#moduleRef);
    if (peers.schedulerRegistry) this.#scheduler.useRegistry(peers.schedulerRegistry);
    this.#whenListenersReady = peers.whenListenersReady;
    this.#events.attach(
      peers.eventEmitter
        ? eventBusFrom(peers.eventEmitter, (event, error) =>
            this.#logger.error(`A listener of ${event} failed: ${error instanceof Error ? error.message : String(error)}`),
          )
        : noopEventBus,
    );
    this.#explorer.register(
      this.core.orchestrator,
      this.vaultName,
      [...this.core.engines.names(), ...Object.keys(this.core.config.paths)],
      this.#logger,
    );
    this.#closeConfigLoaders = await bindVaultConfigLoaders(this.#moduleRef, this, this.core.config);
    await this.core.start();
  }

  /**
   * @internal Calls `handler` for every rotation of one of `keys` (all rotations when empty),
   * before the old lease is revoked. Used by `SecretRef`s, `Rotating` resources and the explorer.
   * @returns a function that removes the handler.
   */
  onRotation(keys: readonly string[], handler: (event: SecretRotatedEvent) => unknown): () => void {
    return this.core.orchestrator.register(keys, handler);
  }

  /**
   * @internal Registers what keeps a value the app reads current (a `SecretRef`, a `Rotating`
   * resource, a `ConfigService` entry): prepared for each rotation of one of `keys`, and switched
   * together with the others before any handler runs. See {@link RotationUpdater}.
   * @returns a function that removes the updater.
   */
  onRotationUpdate(keys: readonly string[], updater: RotationUpdater): () => void {
    return this.core.orchestrator.registerUpdater(keys, updater);
  }

  /** @internal Delivers rotations held back during boot once the app's event listeners are attached. */
  onApplicationBootstrap(): void {
    const orchestrator = this.core.orchestrator;
    if (!this.#whenListenersReady) return orchestrator.ready();
    void this.#whenListenersReady().then(
      () => orchestrator.ready(),
      () => orchestrator.ready(),
    );
  }

  /** @internal Stops renewals, revokes a token obtained by login, clears timers and closes sockets. */
  async onApplicationShutdown(): Promise<void> {
    await this.#closeConfigLoaders();
    await this.stop();
  }
}
