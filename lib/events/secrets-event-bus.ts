/**
 * Where the module publishes its events. In a Nest app this is `EventEmitter2` from
 * `@nestjs/event-emitter` (when the app imported `EventEmitterModule.forRoot()`); in
 * `SecretsManager` it is a plain emitter; without either, events are dropped.
 */
export interface SecretsEventBus {
  /** Publishes an event and does not wait for listeners. */
  emit(event: string, payload: object): void;
  /** Publishes an event and resolves when every listener has finished (their results, in order). */
  emitAsync(event: string, payload: object): Promise<unknown[]>;
}

/** Drops every event. */
export const noopEventBus: SecretsEventBus = {
  emit: () => undefined,
  emitAsync: () => Promise.resolve([]),
};

/** The subset of `EventEmitter2` the module uses. */
export interface EventEmitter2Like {
  emit(event: string, ...values: unknown[]): boolean;
  emitAsync(event: string, ...values: unknown[]): Promise<unknown[]>;
}

/** Adapts an `EventEmitter2` (from `@nestjs/event-emitter`) to {@link SecretsEventBus}. */
export function eventBusFrom(emitter: EventEmitter2Like | undefined): SecretsEventBus {
  if (!emitter) return noopEventBus;
  return {
    emit: (event, payload) => {
      emitter.emit(event, payload);
    },
    emitAsync: (event, payload) => emitter.emitAsync(event, payload),
  };
}
