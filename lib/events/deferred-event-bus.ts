import type { SecretsEventBus } from './secrets-event-bus.js';

/** Most events held while no bus is attached; older ones are dropped first. */
const MAX_PENDING = 1000;

/**
 * A {@link SecretsEventBus} whose target is attached later: the Nest layer learns whether the app
 * has `EventEmitter2` only once every provider exists, but reads made while providers are created
 * (e.g. `SecretRef`s fetched at boot) may already emit. Events emitted before {@link attach} are
 * held (at most 1000) and published, in order, when a bus is attached.
 * `emitAllSettled` before attach calls nobody (rotations are held by the orchestrator until then).
 */
export class DeferredEventBus implements SecretsEventBus {
  #target: SecretsEventBus | undefined;
  readonly #pending: Array<[string, object]> = [];

  /** Sets the bus events go to and publishes the held ones. A second call replaces the target. */
  attach(target: SecretsEventBus): void {
    this.#target = target;
    for (const [event, payload] of this.#pending.splice(0)) target.emit(event, payload);
  }

  emit(event: string, payload: object): void {
    if (this.#target) return this.#target.emit(event, payload);
    if (this.#pending.length >= MAX_PENDING) this.#pending.shift();
    this.#pending.push([event, payload]);
  }

  emitAllSettled(event: string, payload: object): Array<Promise<unknown>> {
    return this.#target?.emitAllSettled(event, payload) ?? [];
  }
}

/**
 * Publishes every event of `bus` under `<prefix>.<name>` (a named Vault `billing` emits
 * `billing.secrets.rotated`, `billing.secrets.rotated:<key>`, ...). No prefix: `bus` itself.
 */
export function prefixedEventBus(bus: SecretsEventBus, prefix: string | undefined): SecretsEventBus {
  if (prefix === undefined) return bus;
  return {
    emit: (event, payload) => bus.emit(`${prefix}.${event}`, payload),
    emitAllSettled: (event, payload) => bus.emitAllSettled(`${prefix}.${event}`, payload),
  };
}
