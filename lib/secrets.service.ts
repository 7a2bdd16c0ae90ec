import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { TokenInfo } from './auth/token.manager.js';
import { eventBusFrom } from './events/secrets-event-bus.js';
import { TimerScheduler } from './leases/task-scheduler.js';
import { inspect } from 'node:util';
import type { KvSecret } from './engines/kv-engine.js';
import type { ResolvedVaultConfig } from './options/resolved-vault-config.js';
import { SECRETS_CLOCK, SECRETS_CONFIG } from './secrets.constants.js';
import { SecretsCore, type FetchSecretOptions, type SecretDescription } from './secrets-core.js';
import type { Clock } from './util/clock.js';

/**
 * The one facade apps inject. Reads secrets from Vault through the cache; never logs a value.
 *
 * ```ts
 * constructor(private readonly secrets: SecretsService) {}
 * const db = await this.secrets.fetchSecret<{ password: string }>('database');
 * ```
 */
@Injectable()
export class SecretsService implements OnModuleInit, OnApplicationShutdown {
  readonly #core: SecretsCore;

  constructor(
    @Inject(SECRETS_CONFIG) config: ResolvedVaultConfig,
    @Optional() @Inject(SECRETS_CLOCK) clock?: Clock,
    @Optional() schedulerRegistry?: SchedulerRegistry,
    @Optional() eventEmitter?: EventEmitter2,
  ) {
    this.#core = new SecretsCore(config, {
      clock,
      logger: new Logger('SecretsModule'),
      scheduler: new TimerScheduler(schedulerRegistry),
      events: eventBusFrom(eventEmitter),
    });
  }

  /** @internal Logs in (or looks up the given token) at boot and schedules renewal. */
  async onModuleInit(): Promise<void> {
    await this.#core.start();
  }

  /** What is known about the module's current token (accessor, policies, expiry in ms since the epoch), never the token itself. */
  tokenInfo(): TokenInfo | undefined {
    return this.#core.tokens.info();
  }

  /**
   * Reads the KV secret at `key`, relative to `secretsPath` (KV v2: `GET <mount>/data/<path>`;
   * KV v1: `GET <mount>/<path>`). Served from the cache while fresh (`cache.ttlMs`); concurrent
   * cold reads of one key share one request.
   *
   * @param key - relative path such as `database` or `kafka/producer`.
   * @param options.version - a KV v2 version to read (cached separately from the latest).
   * @param options.refresh - bypass a fresh cache entry.
   * @returns the inner key/value map, deep-frozen (mutating it throws).
   * @throws InvalidSecretKeyError, SecretNotFoundError (`reason`: missing, deleted, destroyed),
   *   PermissionDeniedError, InvalidTokenError, VaultUnavailableError, VaultSealedError.
   */
  fetchSecret<T = Record<string, string>>(key: string, options?: FetchSecretOptions): Promise<T> {
    return this.#core.fetchSecret<T>(key, options);
  }

  /** Like {@link fetchSecret}, plus the KV v2 version number, creation time and custom metadata. */
  fetchSecretWithMetadata(key: string, options?: FetchSecretOptions): Promise<KvSecret> {
    return this.#core.readKv(key, options);
  }

  /**
   * Loads every key under `secretsPath`, recursing into folders (`LIST <mount>/metadata/<folder>/`
   * then one read per key, `bulkConcurrency` at a time). Fills the cache.
   *
   * @returns `{ [key]: data }` with keys relative to `secretsPath`, sorted.
   * @throws PermissionDeniedError, VaultUnavailableError (deleted keys are skipped, not thrown).
   */
  getAllSecrets(): Promise<Record<string, Record<string, unknown>>> {
    return this.#core.getAllSecrets();
  }

  /**
   * Versions and metadata of a key, without its value (`GET <mount>/metadata/<path>`, KV v2).
   * @throws InvalidSecretKeyError, SecretNotFoundError, PermissionDeniedError, VaultUnavailableError.
   */
  describeSecret(key: string): Promise<SecretDescription> {
    return this.#core.describeSecret(key);
  }

  /** Drops cached entries for `key` (every version), or all entries when no key is given. */
  invalidate(key?: string): void {
    this.#core.invalidate(key);
  }

  /** @internal Stops renewals, revokes a token obtained by login, clears timers and closes sockets. */
  async onApplicationShutdown(): Promise<void> {
    await this.#core.close();
  }

  toJSON(): Record<string, unknown> {
    return { service: 'SecretsService', ...this.#core.toJSON() };
  }

  [inspect.custom](): string {
    return `SecretsService { ${inspect(this.#core)} }`;
  }
}
