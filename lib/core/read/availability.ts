import { isDeepStrictEqual } from 'node:util';
import { LRUCache } from 'lru-cache';
import type { KvSecret } from '../../engines/kv-engine.js';
import type { SecretsError } from '../../errors/secrets.error.js';
import type { SecretsEventBus } from '../../events/secrets-event-bus.js';
import { EnvFallbackSource } from '../../fallback/env.fallback.js';
import { FallbackChain } from '../../fallback/fallback-chain.js';
import type { FallbackSource } from '../../fallback/fallback-source.js';
import { FallbackUsedEvent } from '../../events/fallback-used.event.js';
import { openFallbackFile } from '../../fallback/open-fallback-file.js';
import type { ResolvedVaultConfig } from '../../options/resolved-vault-config.js';
import { SecretsEvents } from '../../events/secrets-events.js';
import type { Clock } from '../../timing/clock.js';
import { deepFreeze } from '../../util/deep-freeze.js';
import type { SecretsLogger } from '../../util/secrets-logger.js';
import { readSourceOf } from '../../telemetry/read-source.js';
import type { VaultTelemetry } from '../../telemetry/vault-telemetry.js';

/** Collaborators of {@link Availability}. */
export interface AvailabilityDeps {
  config: ResolvedVaultConfig;
  clock: Clock;
  logger: SecretsLogger;
  events: SecretsEventBus;
  /** Environment for the `env` fallback; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Counts fallback activations. */
  telemetry?: VaultTelemetry;
}

/**
 * What serves a key when Vault cannot: the last good value (up to `maxStalenessMs` old), then
 * the env variables, then the fallback file. Remembers which keys are served that way, so the
 * supervisor re-reads them from Vault on recovery. Never logs a value.
 */
export class Availability {
  readonly #deps: AvailabilityDeps;
  /** Last value read from Vault per key, kept past the cache TTL for stale-if-error. */
  readonly #lastGood: LRUCache<string, { secret: KvSecret; at: number }>;
  #fallback: FallbackChain;
  /** Keys currently served from a fallback → the data served and its source. */
  readonly #served = new Map<string, { data: Record<string, unknown>; source: string }>();

  constructor(deps: AvailabilityDeps) {
    this.#deps = deps;
    this.#lastGood = new LRUCache({ max: deps.config.cache.maxEntries });
    this.#fallback = this.#chain([]);
  }

  /** Opens `fallbackJson` at boot: a wrong key or a tampered file fails the boot; warnings are logged. */
  async open(): Promise<void> {
    const file = this.#deps.config.fallbackJson;
    if (!file) return;
    const source: FallbackSource = await openFallbackFile(file);
    for (const warning of source.warnings ?? []) this.#deps.logger.warn(warning);
    if (source.plain)
      this.#deps.logger.warn(
        `fallbackJson "${file.path}" is a plain JSON file: for development only; encrypt it with \`secrets-fallback encrypt\``,
      );
    this.#fallback = this.#chain([source]);
  }

  /**
   * A value read from Vault: remember it as last good.
   * @returns the data a fallback served for this key until now, when it differs from Vault's
   *   (the caller announces it as `recovered`); undefined otherwise.
   */
  remember(key: string, secret: KvSecret): { previous: Record<string, unknown> } | undefined {
    this.#lastGood.set(key, { secret, at: this.#deps.clock.now() });
    const served = this.#served.get(key);
    if (!served) return undefined;
    this.#served.delete(key);
    return isDeepStrictEqual({ ...served.data }, { ...secret.data }) ? undefined : { previous: served.data };
  }

  /** Forgets the last good value of `key` (Vault said it is deleted): it is never served as stale again. */
  forget(key: string): void {
    this.#lastGood.delete(key);
  }

  /**
   * Serves `key` while Vault cannot: last good value, env, file; emits `secrets.fallback.used`.
   * @returns undefined when no source has the key.
   */
  async serve(key: string, error: SecretsError): Promise<KvSecret | undefined> {
    let hit: { secret: KvSecret; source: string } | undefined;
    const last = this.#lastGood.get(key);
    const maxStaleness = this.#deps.config.maxStalenessMs;
    if (last && maxStaleness > 0 && this.#deps.clock.now() - last.at <= maxStaleness) {
      hit = { secret: last.secret, source: 'stale-cache' };
    } else {
      const loaded = await this.#fallback.load(key);
      if (loaded) hit = { secret: { data: deepFreeze(loaded.data) }, source: loaded.source };
    }
    if (!hit) return undefined;
    if (this.#served.get(key)?.source !== hit.source) {
      this.#deps.logger.warn(`Vault is unavailable (${error.code}); serving "${key}" from ${hit.source}`);
      this.#deps.telemetry?.fallbackActivated(readSourceOf(hit.source));
    }
    this.#served.set(key, { data: hit.secret.data, source: hit.source });
    try {
      this.#deps.events.emit(SecretsEvents.FallbackUsed, new FallbackUsedEvent(key, hit.source, error.code, this.#deps.clock.now()));
    } catch (listenerError) {
      this.#deps.logger.error(`A listener of ${SecretsEvents.FallbackUsed} threw: ${String(listenerError)}`);
    }
    return hit.secret;
  }

  /** Whether a fallback source (env or file, not the last good value) can serve `key`. */
  async canServe(key: string): Promise<boolean> {
    return (await this.#fallback.load(key)) !== undefined;
  }

  /** The source serving `key` now (`stale-cache`, `env`, `json-file`, `encrypted-file`); undefined when Vault does. */
  sourceOf(key: string): string | undefined {
    return this.#served.get(key)?.source;
  }

  /** Keys served from a fallback right now, with their source (`stale-cache`, `env`, `json-file`, `encrypted-file`). */
  servedKeys(): Record<string, string> {
    return Object.fromEntries([...this.#served.entries()].map(([k, v]) => [k, v.source]));
  }

  /** Keys read from Vault at least once (in the last-good store). */
  knownKeys(): string[] {
    return [...this.#lastGood.keys()];
  }

  #chain(extra: FallbackSource[]): FallbackChain {
    const { config, logger, env } = this.#deps;
    const envSources = config.fallbackEnv === false ? [] : [new EnvFallbackSource(env ?? process.env, config.fallbackEnv)];
    return new FallbackChain([...envSources, ...extra], {
      onError: (f) => logger.warn(`Fallback source ${f.source} failed for "${f.key}": ${f.error.message}`),
    });
  }
}
