import { inspect } from 'node:util';

/** Called with the new value and version each time a {@link SecretRef} changes. */
export type SecretRefListener<T> = (value: T, version: string | number | undefined) => void;

/**
 * A live reference to a secret, injected with `@InjectSecret(key)` after
 * `SecretsModule.forFeature([{ key, schema }])`. `value` is always the current value: read at
 * boot, then replaced when the secret rotates (a new KV version seen by change detection, a new
 * lease, `rotateSecret`), after validation against the declared schema. Nothing to write in the app.
 *
 * Never shows the value in `toString`, `JSON.stringify` or `util.inspect`.
 */
export class SecretRef<T> {
  /** The declared key, e.g. `database`. */
  readonly key: string;
  #value: T;
  #version: string | number | undefined;
  readonly #listeners = new Set<SecretRefListener<T>>();

  /** @internal Built by `SecretsModule.forFeature`. */
  constructor(key: string, value: T, version: string | number | undefined) {
    this.key = key;
    this.#value = value;
    this.#version = version;
  }

  /** The current value (deep-frozen), validated against the declared schema. Synchronous. */
  get value(): T {
    return this.#value;
  }

  /** The KV v2 version number of the current value, or the lease id of a leased secret; `undefined` when the engine has none (KV v1). */
  get version(): string | number | undefined {
    return this.#version;
  }

  /**
   * Calls `listener(value, version)` after each change (not for the current value).
   * A listener that throws is logged and never stops the others.
   * @returns a function that removes the listener.
   */
  subscribe(listener: SecretRefListener<T>): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** @internal Replaces the value and tells the listeners; returns the errors they threw. */
  update(value: T, version: string | number | undefined): unknown[] {
    this.#value = value;
    this.#version = version;
    const errors: unknown[] = [];
    for (const listener of [...this.#listeners]) {
      try {
        listener(value, version);
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }

  toJSON(): { key: string; version: string | number | undefined } {
    return { key: this.key, version: this.#version };
  }

  toString(): string {
    return `SecretRef(${this.key}@${String(this.#version ?? '-')})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
