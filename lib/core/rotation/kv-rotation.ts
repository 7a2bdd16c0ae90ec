import type { KvSecret } from '../../engines/kv-engine.js';
import { KvV2Engine } from '../../engines/kv-v2.engine.js';
import { SecretNotFoundError } from '../../errors/secret-not-found.error.js';
import { UnsupportedOperationError } from '../../errors/unsupported-operation.error.js';
import type { ResolvedVaultConfig } from '../../options/resolved-vault-config.js';
import type { RotationOrchestrator } from './rotation.orchestrator.js';
import { SecretRotatedEvent, type RotationReason } from '../../events/secret-rotated.event.js';
import type { Clock } from '../../timing/clock.js';
import type { KvReader } from '../read/kv-reader.js';
import { publicVersion } from '../read/kv-fingerprint.js';

/** Collaborators of {@link KvRotation}. */
export interface KvRotationDeps {
  config: ResolvedVaultConfig;
  clock: Clock;
  orchestrator: RotationOrchestrator;
  reader: KvReader;
  /** Tells the change watcher which version the app now holds. */
  track: (key: string, secret: KvSecret) => void;
}

/**
 * Rotation of KV keys: announcing a new value to the handlers (`secrets.rotated`, `@OnSecretRotated`,
 * `onRotate`) and `rotateSecret` for KV keys (with the configured generator, a check-and-set
 * write `POST <mount>/data/<path>` of version n+1). Never puts a value in a log or an event's `toString`.
 */
export class KvRotation {
  readonly #deps: KvRotationDeps;

  constructor(deps: KvRotationDeps) {
    this.#deps = deps;
  }

  /** Announces `next` as the new value of `key` and waits for the handlers (bounded by `leases.handlerTimeoutMs`). */
  async announce(key: string, previous: string | number | undefined, next: KvSecret, reason: RotationReason): Promise<void> {
    await this.#deps.orchestrator.announce(
      new SecretRotatedEvent(
        {
          key,
          engine: 'kv',
          path: `${this.#deps.config.secretsPath}/${key}`,
          reason,
          previousVersion: publicVersion(previous),
          currentVersion: next.version,
          at: this.#deps.clock.now(),
        },
        next.data,
      ),
    );
  }

  /**
   * Rotates a KV key now: writes the generator's value when one is configured (KV v2 only), then
   * re-reads bypassing the cache and fallbacks and announces it with `reason`.
   * @returns the new data.
   * @throws UnsupportedOperationError for a generator on KV v1; RotationConflictError; the read's errors.
   */
  async rotate(key: string, reason: RotationReason): Promise<KvSecret> {
    const { reader, config } = this.#deps;
    const previous = reader.peekLatest(key);
    const generator = config.rotation[key];
    if (generator) {
      const { locator, segments } = reader.route(key);
      const { location, engine } = await locator.locate(segments);
      if (!(engine instanceof KvV2Engine))
        throw new UnsupportedOperationError(`rotateSecret("${key}") with a generator needs KV v2 (check-and-set)`);
      const metadata = await engine.readMetadata(location, key).catch((error: unknown) => {
        if (error instanceof SecretNotFoundError) return undefined;
        throw error;
      });
      await engine.write(location, key, await generator(), metadata?.currentVersion ?? 0);
    }
    const next = await reader.read(key, { refresh: true, noFallback: true });
    if (config.watch.enabled) this.#deps.track(key, next);
    await this.announce(key, previous?.version, next, reason);
    return next;
  }
}
