import type { OnRotateCallback } from '../../contracts/on-rotate-callback.js';
import type { SecretsLogger } from '../../util/secrets-logger.js';
import type { SecretsEventBus } from '../../events/secrets-event-bus.js';
import { SecretsEvents } from '../../events/secrets-events.js';
import type { SecretRotatedEvent } from '../../events/secret-rotated.event.js';

/** Event name that carries only the rotations of one key: `secrets.rotated:<key>`. */
export function rotatedEventName(key: string): string {
  return `${SecretsEvents.Rotated}:${key}`;
}

/** A rotation handler registered in process (an `@OnSecretRotated` method, a `SecretRef`, a `Rotating` resource). */
export type RotationHandler = (event: SecretRotatedEvent) => unknown;

/** Default time the handlers of one rotation get before the old lease is revoked anyway, in milliseconds. */
export const DEFAULT_HANDLER_TIMEOUT_MS = 10_000;

/**
 * Announces rotations: emits `secrets.rotated` and `secrets.rotated:<key>` with `emitAsync` and
 * calls `onRotate`, then waits for every handler (at most `handlerTimeoutMs`) so the caller can
 * revoke the old lease only afterwards (two-phase handoff). A handler that throws is logged and
 * counted in `event.outcome`; it never stops the others.
 */
export class RotationOrchestrator {
  #ready = false;
  readonly #buffered: Array<{ event: SecretRotatedEvent; resolve: (event: SecretRotatedEvent) => void }> = [];
  readonly #handlers = new Set<{ keys: ReadonlySet<string>; handler: RotationHandler }>();

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
    const runs: Array<Promise<unknown>> = [
      ...[...this.#handlers]
        .filter(({ keys }) => keys.size === 0 || keys.has(event.key))
        .map(({ handler }) => Promise.resolve().then(() => handler(event))),
      ...this.events.emitAllSettled(SecretsEvents.Rotated, event),
      ...this.events.emitAllSettled(rotatedEventName(event.key), event),
    ];
    if (this.onRotate) {
      const callback = this.onRotate;
      runs.push(Promise.resolve().then(() => callback(event.key, event.secret(), event)));
    }
    let failed = 0;
    const settled = Promise.all(
      runs.map((run) =>
        run.catch((error: unknown) => {
          failed += 1;
          this.logger.error?.(`A rotation handler for "${event.key}" failed: ${error instanceof Error ? error.message : String(error)}`);
        }),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      settled.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), this.handlerTimeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) this.logger.warn?.(`Rotation handlers for "${event.key}" did not finish within ${this.handlerTimeoutMs} ms; continuing`);
    event.outcome = { handlers: runs.length, failed, timedOut };
    return event;
  }
}
