import { SecretRotatedEvent } from '../events/secret-rotated.event.js';
import type { SecretsEventBus } from '../events/secrets-event-bus.js';
import { SecretsEvents } from '../events/secrets-events.js';
import type { VaultTelemetry } from '../telemetry/vault-telemetry.js';
import type { TokenManager } from '../auth/token.manager.js';
import type { Clock } from '../timing/clock.js';
import type { LeasedEngines } from './leased-engines.js';
import type { LeaseManager } from './leases/lease.manager.js';
import type { Supervisor } from './supervisor.js';

/**
 * The event bus as the module's parts see it: every event goes on to `bus` unchanged, and
 * rotations are counted and published on `nestjs-vault-secrets:rotation` on the way.
 */
export function tapEvents(bus: SecretsEventBus, telemetry: VaultTelemetry): SecretsEventBus {
  const observe = (event: string, payload: object): void => {
    if (event === SecretsEvents.Rotated && payload instanceof SecretRotatedEvent) telemetry.rotated(payload);
  };
  return {
    emit: (event, payload) => {
      observe(event, payload);
      bus.emit(event, payload);
    },
    emitAllSettled: (event, payload) => {
      observe(event, payload);
      return bus.emitAllSettled(event, payload);
    },
  };
}

/** What the gauges of one core read, and the supervisor's state changes on `nestjs-vault-secrets:state`. */
export function instrumentCore(
  telemetry: VaultTelemetry,
  parts: {
    clock: Clock;
    supervisor: Supervisor;
    tokens: TokenManager;
    leases: LeaseManager;
    leased: LeasedEngines;
    cacheEntries: () => number;
  },
): void {
  const { clock, supervisor, tokens, leases, leased } = parts;
  telemetry.observe({
    now: () => clock.now(),
    state: () => supervisor.snapshot(),
    tokenExpiresAt: () => tokens.info()?.expiresAt,
    leases: () => leases.keys().map((key) => ({ engine: leased.engineOf(key) ?? 'other', expiresAt: leases.get(key)?.expiresAt })),
    cacheEntries: parts.cacheEntries,
  });
  supervisor.onStateChange((snapshot) => telemetry.stateChanged(snapshot));
}
