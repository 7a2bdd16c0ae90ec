import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { EventEmitter2, EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { SchedulerRegistry } from '@nestjs/schedule';
import { eventBusFrom } from '../events/secrets-event-bus.js';
import { TimerScheduler } from '../leases/task-scheduler.js';
import type { ResolvedVaultConfig } from '../options/resolved-vault-config.js';
import { RotationHandlersExplorer } from './rotation-handlers.explorer.js';
import type { VaultTransport } from '../client/vault-transport.js';
import { SECRETS_CLOCK, SECRETS_CONFIG, SECRETS_TRANSPORT } from '../secrets.constants.js';
import { SecretsCore } from '../secrets-core.js';
import { SecretsFacade } from '../secrets.facade.js';
import type { Clock } from '../util/clock.js';

/**
 * The one facade apps inject. Reads secrets from Vault through the cache; never logs a value.
 *
 * ```ts
 * constructor(private readonly secrets: SecretsService) {}
 * const db = await this.secrets.fetchSecret<{ password: string }>('database');
 * ```
 */
@Injectable()
export class SecretsService extends SecretsFacade implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  /** @internal */
  protected readonly core: SecretsCore;
  readonly #explorer: RotationHandlersExplorer;
  readonly #hasEventEmitter: boolean;
  readonly #readiness: EventEmitterReadinessWatcher | undefined;

  constructor(
    @Inject(SECRETS_CONFIG) config: ResolvedVaultConfig,
    explorer: RotationHandlersExplorer,
    @Optional() @Inject(SECRETS_CLOCK) clock?: Clock,
    @Optional() schedulerRegistry?: SchedulerRegistry,
    @Optional() eventEmitter?: EventEmitter2,
    @Optional() readiness?: EventEmitterReadinessWatcher,
    @Optional() @Inject(SECRETS_TRANSPORT) transport?: VaultTransport,
  ) {
    super();
    this.#explorer = explorer;
    this.#hasEventEmitter = eventEmitter !== undefined;
    this.#readiness = readiness;
    const logger = new Logger('SecretsModule');
    this.core = new SecretsCore(config, {
      clock,
      logger,
      scheduler: new TimerScheduler(schedulerRegistry),
      events: eventBusFrom(eventEmitter, (event, error) =>
        logger.error(`A listener of ${event} failed: ${error instanceof Error ? error.message : String(error)}`),
      ),
      transport,
    });
  }

  /**
   * @internal Checks the `@OnSecretRotated` handlers, then logs in (or looks up the given token)
   * and schedules renewal.
   * @throws InvalidOptionsError when handlers exist without EventEmitterModule or name impossible keys.
   */
  async onModuleInit(): Promise<void> {
    this.#explorer.verify(this.#hasEventEmitter, this.core.engines.names());
    await this.core.start();
  }

  /** @internal Delivers rotations held back during boot once the app's event listeners are attached. */
  onApplicationBootstrap(): void {
    const orchestrator = this.core.orchestrator;
    if (!this.#readiness) return orchestrator.ready();
    void this.#readiness.waitUntilReady().then(
      () => orchestrator.ready(),
      () => orchestrator.ready(),
    );
  }

  /** @internal Stops renewals, revokes a token obtained by login, clears timers and closes sockets. */
  async onApplicationShutdown(): Promise<void> {
    await this.core.close();
  }
}
