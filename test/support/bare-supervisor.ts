import { VaultUnavailableError } from '../../lib/errors/vault-unavailable.error.js';
import { Supervisor, type DegradedReason } from '../../lib/core/supervisor.js';
import { noopEventBus } from '../../lib/events/secrets-event-bus.js';
import type { SecretsLogger } from '../../lib/util/secrets-logger.js';
import { FakeTime } from './fake-time.js';

/** A seeded linear congruential generator in [0, 1): reproducible jitter for trials. */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const silent: SecretsLogger = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** A Supervisor on a fake clock with no server: `vaultUp` decides what its probe and attempt find. */
export function bareSupervisor(options: { random?: () => number; start?: number } = {}) {
  let now = options.start ?? 1_700_000_000_000;
  const clock = { now: () => now, advance: (ms: number) => void (now += ms) };
  const time = new FakeTime(clock, async () => {
    for (let i = 0; i < 20; i += 1) await Promise.resolve();
  });
  const state = {
    vaultUp: true,
    /** Whether the token expired meanwhile: a successful attempt then logs in (recorded in `logins`). */
    needsLogin: false,
    probes: [] as number[],
    logins: [] as number[],
    attempts: [] as Array<{ at: number; reason: DegradedReason; probed: boolean }>,
  };
  const fault = () => new VaultUnavailableError('ECONNREFUSED: connect ECONNREFUSED', { path: 'sys/health' });
  const supervisor = new Supervisor({
    clock,
    scheduler: time,
    logger: silent,
    events: noopEventBus,
    random: options.random,
    attempt: async (reason, { probed, beforeLogin }) => {
      state.attempts.push({ at: now, reason, probed });
      if (!probed) state.probes.push(now);
      if (!state.vaultUp) throw fault();
      if (!state.needsLogin) return;
      await beforeLogin?.();
      state.logins.push(now);
      state.needsLogin = false;
    },
    probe: async () => {
      state.probes.push(now);
      if (!state.vaultUp) throw fault();
    },
  });
  return { supervisor, time, clock, state };
}
