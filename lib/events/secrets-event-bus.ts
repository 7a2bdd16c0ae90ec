/**
 * Where the module publishes its events. In a Nest app this is `EventEmitter2` from
 * `@nestjs/event-emitter` (when the app imported `EventEmitterModule.forRoot()`); in
 * `SecretsManager` it is a plain emitter; without either, events are dropped.
 */
export interface SecretsEventBus {
  /** Publishes an event and does not wait for listeners. */
  emit(event: string, payload: object): void;
  /**
   * Calls every listener of the event and returns one promise per listener, so the caller can
   * wait for all of them and see which failed (what `emitAsync` does, listener by listener).
   */
  emitAllSettled(event: string, payload: object): Array<Promise<unknown>>;
}

/** Drops every event. */
export const noopEventBus: SecretsEventBus = {
  emit: () => undefined,
  emitAllSettled: () => [],
};

/** The subset of `EventEmitter2` (or node's `EventEmitter`) the module uses. */
export interface EventEmitter2Like {
  emit(event: string, ...values: unknown[]): boolean;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- node's EventEmitter types listeners as Function
  listeners(event: string): Function[];
  /** EventEmitter2 only: calls every listener (including `onAny` ones) and collects their promises. */
  emitAsync?(event: string, ...values: unknown[]): Promise<unknown[]>;
}

/**
 * Adapts an `EventEmitter2` (from `@nestjs/event-emitter`) or a node `EventEmitter` to
 * {@link SecretsEventBus}. A listener that throws or rejects never breaks the module: the error
 * goes to `onListenerError` (logged by the caller).
 */
export function eventBusFrom(
  emitter: EventEmitter2Like | undefined,
  onListenerError: (event: string, error: unknown) => void = () => undefined,
): SecretsEventBus {
  if (!emitter) return noopEventBus;
  const callEach = (event: string, payload: object): Array<Promise<unknown>> =>
    emitter
      .listeners(event)
      .map((listener) => Promise.resolve().then(() => (listener as (value: object) => unknown).call(emitter, payload)));
  return {
    emit: (event, payload) => {
      try {
        if (typeof emitter.emitAsync === 'function') {
          emitter.emitAsync(event, payload).catch((error: unknown) => onListenerError(event, error));
        } else {
          for (const run of callEach(event, payload)) run.catch((error: unknown) => onListenerError(event, error));
        }
      } catch (error) {
        onListenerError(event, error);
      }
    },
    emitAllSettled: callEach,
  };
}

/** Publishes every event on each of `buses`, in order (e.g. the app's `EventEmitter2` and the service's own `on()` listeners). */
export function fanOutEventBus(...buses: readonly SecretsEventBus[]): SecretsEventBus {
  return {
    emit: (event, payload) => {
      for (const bus of buses) bus.emit(event, payload);
    },
    emitAllSettled: (event, payload) => buses.flatMap((bus) => bus.emitAllSettled(event, payload)),
  };
}
