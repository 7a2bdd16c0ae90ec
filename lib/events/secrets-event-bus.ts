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

/** The subset of `EventEmitter2` the module uses. */
export interface EventEmitter2Like {
  emit(event: string, ...values: unknown[]): boolean;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- node's EventEmitter types listeners as Function
  listeners(event: string): Function[];
}

/** Adapts an `EventEmitter2` (from `@nestjs/event-emitter`) to {@link SecretsEventBus}. */
export function eventBusFrom(emitter: EventEmitter2Like | undefined): SecretsEventBus {
  if (!emitter) return noopEventBus;
  return {
    emit: (event, payload) => {
      emitter.emit(event, payload);
    },
    emitAllSettled: (event, payload) =>
      emitter.listeners(event).map((listener) => Promise.resolve().then(() => listener.call(emitter, payload))),
  };
}
