import { EventEmitter } from 'node:events';
import { eventBusFrom } from '../events/secrets-event-bus.js';
import { TimerScheduler } from '../timing/task-scheduler.js';
import { resolveVaultConfig } from './resolve-vault-config.js';
import type { VaultConfig } from '../options/vault-config.js';
import type { OnRotateCallback } from '../contracts/on-rotate-callback.js';
import { SecretsCore } from './secrets-core.js';
import { SecretsFacade } from './secrets.facade.js';
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
export class SecretsManager extends SecretsFacade implements AsyncDisposable {
  /** @internal */
  protected readonly core: SecretsCore;
  readonly #emitter = new EventEmitter();
  #started: Promise<void> | undefined;

  constructor(vaultConfig: VaultConfig, options: SecretsManagerOptions = {}) {
    super();
    const withCallback = options.onRotate ? { ...vaultConfig, onRotate: options.onRotate } : vaultConfig;
    const logger = options.logger ?? new ConsoleLogger('SecretsManager');
    this.core = new SecretsCore(resolveVaultConfig(withCallback, options.env), {
      clock: options.clock,
      logger,
      scheduler: new TimerScheduler(),
      events: eventBusFrom(this.#emitter, (event, error) =>
        logger.error?.(`A listener of ${event} failed: ${error instanceof Error ? error.message : String(error)}`),
      ),
    });
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
}
