import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { awsEngine } from './aws.engine.js';
import { databaseEngine } from './database.engine.js';
import { pkiEngine } from './pki.engine.js';
import type { SecretEngine } from '../contracts/secret-engine.js';

/** Engines by name: the built-in `database`, `aws`, `pki`, plus the app's own. */
export class EngineRegistry {
  readonly #engines = new Map<string, SecretEngine<unknown, never>>();

  /**
   * @param custom - the app's engines (`VaultConfig.engines`); a custom engine may replace a built-in one of the same name.
   * @throws InvalidOptionsError when two custom engines share a name or one has no name or `fetch`.
   */
  constructor(custom: readonly SecretEngine<unknown, never>[] = []) {
    for (const engine of [databaseEngine, awsEngine, pkiEngine] as SecretEngine<unknown, never>[]) this.#engines.set(engine.name, engine);
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const engine of custom) {
      if (typeof engine?.name !== 'string' || engine.name === '' || typeof engine.fetch !== 'function') {
        problems.push('engines: each engine needs a non-empty `name` and a `fetch(context, path, options)` function');
        continue;
      }
      if (seen.has(engine.name)) problems.push(`engines: two engines are named "${engine.name}"`);
      seen.add(engine.name);
      this.#engines.set(engine.name, engine);
    }
    if (problems.length > 0) throw new InvalidOptionsError(problems);
  }

  /** The engine of that name, or undefined. */
  get(name: string): SecretEngine<unknown, never> | undefined {
    return this.#engines.get(name);
  }

  /** Registered engine names. */
  names(): string[] {
    return [...this.#engines.keys()];
  }
}
