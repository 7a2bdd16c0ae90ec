import { inspect } from 'node:util';

/**
 * A resource built from a secret and rebuilt when it rotates (e.g. a `pg.Pool` on dynamic
 * database credentials), declared with `SecretsModule.forFeature([{ provide, secret, build, dispose }])`
 * and injected with `@Inject(TOKEN) pool: Rotating<Pool>`. `current` is always the resource built
 * from the current credentials: on rotation the module builds the new one, switches `current`,
 * disposes the old one, and only then lets Vault revoke the old lease.
 */
export class Rotating<R> {
  /** The key of the secret the resource is built from. */
  readonly key: string;
  #current: R;
  #generation = 1;

  /** @internal Built by `SecretsModule.forFeature`. */
  constructor(key: string, current: R) {
    this.key = key;
    this.#current = current;
  }

  /** The resource built from the current secret. Read it for each use; do not keep it. */
  get current(): R {
    return this.#current;
  }

  /** How many resources were built so far (1 at boot, +1 per rotation). */
  get generation(): number {
    return this.#generation;
  }

  /** @internal Switches to `next` and returns the previous resource. */
  swap(next: R): R {
    const previous = this.#current;
    this.#current = next;
    this.#generation += 1;
    return previous;
  }

  toJSON(): { key: string; generation: number } {
    return { key: this.key, generation: this.#generation };
  }

  toString(): string {
    return `Rotating(${this.key}#${this.#generation})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
