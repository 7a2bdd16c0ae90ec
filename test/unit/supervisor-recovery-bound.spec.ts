import { describe, expect, it } from 'vitest';
import { bareSupervisor, lcg } from '../support/bare-supervisor.js';
import { VaultUnavailableError } from '../../lib/errors/vault-unavailable.error.js';

const TRIALS = 150;
const BOUND_MS = 35_000;

/** Idle app (no reads): Vault down for `outageMs`, back at a random instant; how long until `ready`. */
async function trial(outageMs: number, seed: number): Promise<number> {
  const random = lcg(seed);
  const { supervisor, time, clock, state } = bareSupervisor({ random });
  supervisor.markReady();
  state.vaultUp = false;
  supervisor.report(new VaultUnavailableError('ECONNREFUSED: connect ECONNREFUSED', { path: 'secret/data/app' }));
  // The return instant: the outage length plus up to one more minute, drawn per trial.
  await time.advance(outageMs + Math.floor(random() * 60_000));
  state.vaultUp = true;
  const upAt = clock.now();
  while (supervisor.state !== 'ready' && clock.now() - upAt < 10 * 60_000) await time.advance(250);
  supervisor.stop();
  return clock.now() - upAt;
}

describe('idle recovery bound: ready ≤ 35 s after Vault returns, every trial (fake clock)', () => {
  for (const [label, outageMs] of [
    ['1 minute', 60_000],
    ['10 minutes', 600_000],
    ['2 hours', 7_200_000],
  ] as const) {
    it(`after a ${label} outage (${TRIALS} trials)`, async () => {
      const delays: number[] = [];
      for (let i = 0; i < TRIALS; i += 1) delays.push(await trial(outageMs, 17 + i * 7919));
      delays.sort((a, b) => a - b);
      const figures = { median: delays[TRIALS >> 1], p90: delays[Math.floor(TRIALS * 0.9)], max: delays.at(-1) };
      process.stdout.write(
        `[recovery-bound] ${label}: ready after median ${figures.median} ms, p90 ${figures.p90} ms, max ${figures.max} ms\n`,
      );
      expect(delays.filter((d) => d > BOUND_MS)).toEqual([]);
    }, 120_000);
  }
});
