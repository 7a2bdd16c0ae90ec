import type { OnRotateCallback } from '../../contracts/on-rotate-callback.js';
import type { SecretsLogger } from '../../util/secrets-logger.js';
import type { SecretsEventBus } from '../../events/secrets-event-bus.js';
import { SecretsEvents } from '../../events/secrets-events.js';
import type { SecretRotatedEvent } from '../../events/secret-rotated.event.js';
import { SecretValidationError } from '../../errors/secret-validation.error.js';

/** Event name that carries only the rotations of one key: `secrets.rotated:<key>`. */
export function rotatedEventName(key: string): string {
  return `${SecretsEvents.Rotated}:${key}`;
}

/** A rotation handler registered in process (an `@OnSecretRotated` method, a `SecretRef`, a `Rotating` resource). */
export type RotationHandler = (event: SecretRotatedEvent) => unknown;

/**
 * Prepares the new state of a value the app reads (a `SecretRef`, a `Rotating` resource, a
 * `ConfigService` entry): validates or builds what it needs and returns the switch to apply, or
 * nothing. Every prepared switch of one rotation is applied together, before any handler runs.
 * The function a switch returns may be a promise (e.g. disposing an old resource): it is awaited
 * with the handlers, before the old lease is revoked.
 */
export type RotationUpdater = (event: SecretRotatedEvent) => RotationSwitch | undefined | Promise<RotationSwitch | undefined>;

/** Applies a prepared update synchronously; may return follow-up work to await. */
export type RotationSwitch = () => unknown;

/** Default time the handlers of one rotation get before the old lease is revoked anyway, in milliseconds. */
export const DEFAULT_HANDLER_TIMEOUT_MS = 10_000;

/**
 * Announces rotations in two steps. First every registered updater prepares the new value of
 * what the app reads (refs, rotating resources, `ConfigService`), and the prepared switches are
 * applied together, so every reader agrees. Then it emits `secrets.rotated` and
 * `secrets.rotated:<key>`, calls the handlers and `onRotate`, and waits for them (at most
 * `handlerTimeoutMs` for both steps) so the caller can revoke the old lease only afterwards. A
 * handler or updater that throws is logged and counted in `event.outcome`; it never stops the
 * others; a new version refused by its schema is logged as such and the last valid value stays.
 */
export class RotationOrchestrator {
  #ready = false;
  readonly #buffered: Array<{ event: SecretRotatedEvent; resolve: (event: SecretRotatedEvent) => void }> = [];
  readonly #handlers = new Set<{ keys: ReadonlySet<string>; handler: RotationHandler }>();
  readonly #updaters = new Set<{ keys: ReadonlySet<string>; handler: RotationUpdater }>();

  constructor(
    private readonly events: SecretsEventBus,
    private readonly logger: SecretsLogger,
    private readonly onRotate?: OnRotateCallback,
    private readonly handlerTimeoutMs = DEFAULT_HANDLER_TIMEOUT_MS,
  ) {}

  /**
   * Registers a handler called for every rotation of one of `keys` (every rotation when `keys` is
   * empty), before the old lease is revoked, like an event listener but without an event bus.
   * @returns a function that removes the handler.
   */
  register(keys: readonly string[], handler: RotationHandler): () => void {
    const entry = { keys: new Set(keys), handler };
    this.#handlers.add(entry);
    return () => void this.#handlers.delete(entry);
  }

  /**
   * Registers an updater for the rotations of one of `keys` (every rotation when empty): it runs,
   * and its switch is applied, before any handler of the same rotation.
   * @returns a function that removes the updater.
   */
  registerUpdater(keys: readonly string[], updater: RotationUpdater): () => void {
    const entry = { keys: new Set(keys), handler: updater };
    this.#updaters.add(entry);
    return () => void this.#updaters.delete(entry);
  }

  /**
   * Marks the event listeners as attached and delivers, in order, every rotation announced
   * before (so rotations found during boot are not lost).
   */
  ready(): void {
    if (this.#ready) return;
    this.#ready = true;
    for (const { event, resolve } of this.#buffered.splice(0)) void this.#deliver(event).then(resolve);
  }

  /**
   * Announces one rotation and resolves when its handlers are done or timed out. Before
   * {@link ready} (during boot) the event is held for delivery and this resolves at once, so a
   * caller awaiting it (e.g. `rotateSecret` in `onModuleInit`) never blocks the boot.
   */
  announce(event: SecretRotatedEvent): Promise<SecretRotatedEvent> {
    if (this.#ready) return this.#deliver(event);
    this.#buffered.push({ event, resolve: () => undefined });
    return Promise.resolve(event);
  }

  async #deliver(event: SecretRotatedEvent): Promise<SecretRotatedEvent> {
    let failed = 0;
    const fail = (error: unknown): void => {
      failed += 1;
      this.#logFailure(event.key, error);
    };
    const deadline = Date.now() + this.handlerTimeoutMs;
    const after: Array<Promise<unknown>> = [];
    const prepared = await this.#within(
      deadline,
      Promise.all(
        matching(this.#updaters, event.key).map((update) =>
          Promise.resolve()
            .then(() => update(event))
            .catch((error: unknown) => void fail(error)),
        ),
      ),
    );
    if (prepared === undefined) {
      this.logger.warn?.(
        `Updating the values of "${event.key}" did not finish within ${this.handlerTimeoutMs} ms; they keep the last value`,
      );
    } else {
      // One step: every reader switches before any handler runs.
      for (const apply of prepared) {
        if (!apply) continue;
        try {
          after.push(Promise.resolve(apply()));
        } catch (error) {
          fail(error);
        }
      }
    }
    const runs: Array<Promise<unknown>> = [
      ...after,
      ...matching(this.#handlers, event.key).map((handler) => Promise.resolve().then(() => handler(event))),
      ...this.events.emitAllSettled(SecretsEvents.Rotated, event),
      ...this.events.emitAllSettled(rotatedEventName(event.key), event),
    ];
    if (this.onRotate) {
      const callback = this.onRotate;
      runs.push(Promise.resolve().then(() => callback(event.key, event.secret(), event)));
    }
    const settled = Promise.all(runs.map((run) => run.catch(fail)));
    const timedOut =
      prepared === undefined ||
      (await this.#within(
        deadline,
        settled.then(() => true),
      )) === undefined;
    if (timedOut && prepared !== undefined) {
      this.logger.warn?.(`Rotation handlers for "${event.key}" did not finish within ${this.handlerTimeoutMs} ms; continuing`);
    }
    event.outcome = { handlers: runs.length, failed, timedOut };
    return event;
  }

  #logFailure(key: string, error: unknown): void {
    if (error instanceof SecretValidationError) {
      this.logger.error?.(`The new version of "${key}" was refused by its schema; the last valid value stays (${error.message})`);
      return;
    }
    this.logger.error?.(`A rotation handler for "${key}" failed: ${error instanceof Error ? error.message : String(error)}`);
  }

  /** `work`'s result, or `undefined` when `deadline` (ms since the epoch) passes first. */
  async #within<T>(deadline: number, work: Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        work,
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()));
          timer.unref();
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function matching<H>(entries: ReadonlySet<{ keys: ReadonlySet<string>; handler: H }>, key: string): H[] {
  return [...entries].filter(({ keys }) => keys.size === 0 || keys.has(key)).map(({ handler }) => handler);
}
