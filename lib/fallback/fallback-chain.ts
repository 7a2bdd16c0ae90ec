import { ConsoleLogger } from '../util/console-logger.js';
import { sanitizeCause, SecretsError } from '../errors/secrets.error.js';
import type { FallbackSource } from './fallback-source.js';

/** A value served by a {@link FallbackChain}. */
export interface FallbackHit {
  /** The secret's fields (a fresh copy from the source). */
  readonly data: Record<string, unknown>;
  /** The `name` of the source that had the key, e.g. `env` or `encrypted-file`. */
  readonly source: string;
}

/** A source that threw while the chain asked it for a key. */
export interface FallbackFailure {
  /** The source's `name`. */
  readonly source: string;
  /** The key asked for. */
  readonly key: string;
  /** The error: a `SecretsError` as thrown, anything else sanitized (redacted message, no request data). */
  readonly error: Error;
}

/** Options of {@link FallbackChain}. */
export interface FallbackChainOptions {
  /**
   * Called for each source that throws (the chain then asks the next one). Default: a warning
   * to `console.warn` prefixed `[SecretsFallback]`. A reporter that throws is ignored.
   */
  onError?: (failure: FallbackFailure) => void;
}

/**
 * Asks fallback sources in order, for when Vault is unavailable: the first source that has the key
 * wins. A source that throws is reported (`onError`) and skipped; it never stops the next one.
 *
 * ```ts
 * const chain = new FallbackChain([new EnvFallbackSource(), await openFallbackFile(config.fallbackJson)]);
 * const hit = await chain.load('database'); // { data, source: 'env' } or undefined
 * ```
 */
export class FallbackChain {
  /** The sources, in the order they are asked. */
  readonly sources: readonly FallbackSource[];
  readonly #onError: (failure: FallbackFailure) => void;

  /**
   * @param sources - asked in this order.
   * @param options - `onError` reporter.
   */
  constructor(sources: readonly FallbackSource[], options: FallbackChainOptions = {}) {
    this.sources = Object.freeze([...sources]);
    const logger = options.onError === undefined ? new ConsoleLogger('SecretsFallback') : undefined;
    this.#onError =
      options.onError ??
      ((failure) => logger?.warn(`Fallback source "${failure.source}" failed for "${failure.key}": ${failure.error.message}`));
  }

  /**
   * @param key - a secret key relative to `secretsPath`, e.g. `kafka/producer`.
   * @returns `{ data, source }` from the first source that has the key, or `undefined` when none has it
   *   (including when every source threw: each failure was reported). Never throws.
   */
  async load(key: string): Promise<FallbackHit | undefined> {
    for (const source of this.sources) {
      let data: Record<string, unknown> | undefined;
      try {
        data = await source.load(key);
      } catch (error: unknown) {
        const safe = error instanceof SecretsError ? error : sanitizeCause(error);
        try {
          this.#onError({ source: source.name, key, error: safe });
        } catch {
          // A failing reporter must not hide the next source.
        }
        continue;
      }
      if (data !== undefined) return { data, source: source.name };
    }
    return undefined;
  }
}
