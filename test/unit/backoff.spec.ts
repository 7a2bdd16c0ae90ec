import { describe, expect, it } from 'vitest';
import { ProbeSchedule } from '../../lib/core/probe-schedule.js';
import { LoginHeldError } from '../../lib/errors/login-held.error.js';
import { VaultUnavailableError } from '../../lib/errors/vault-unavailable.error.js';
import { PROBE_MAX_MS, PROBE_MIN_MS, probeDelayMs } from '../../lib/timing/backoff.js';

describe('probe ladder (probeDelayMs)', () => {
  it('starts at 0.5-1 s, doubles, and never waits more than 30 s whatever the step', () => {
    expect(probeDelayMs(0, () => 0)).toBe(PROBE_MIN_MS / 2);
    expect(probeDelayMs(0, () => 0.999_999)).toBeLessThanOrEqual(PROBE_MIN_MS);
    expect(probeDelayMs(3, () => 0)).toBe(4000);
    for (const step of [5, 10, 100, 10_000]) {
      expect(probeDelayMs(step, () => 0.999_999)).toBeLessThanOrEqual(PROBE_MAX_MS);
      expect(probeDelayMs(step, () => 0)).toBe(PROBE_MAX_MS / 2);
    }
  });
});

describe('ProbeSchedule', () => {
  const t0 = 1_700_000_000_000;

  it('probes Vault-scope outages on the ladder: the gap stays ≤ 30 s after 2 hours', () => {
    const schedule = new ProbeSchedule(() => 0.999);
    schedule.reset(t0);
    let now = t0;
    const gaps: number[] = [];
    while (now - t0 < 7_200_000) {
      const next = schedule.next(now, 'unreachable').at;
      gaps.push(next - now);
      now = next;
    }
    expect(Math.max(...gaps)).toBeLessThanOrEqual(PROBE_MAX_MS);
    expect(gaps.slice(0, 3)).toEqual([999, 1999, 3998]);
  });

  it('honours Retry-After up to the cap, and keeps refused logins on the long windows', () => {
    const schedule = new ProbeSchedule(() => 0);
    schedule.reset(t0);
    const asked = new VaultUnavailableError('rate limited (429)', { status: 429, retryAfterSeconds: 7 });
    expect(schedule.next(t0, 'unreachable', asked).at - t0).toBe(7000);
    const huge = new VaultUnavailableError('rate limited (429)', { status: 429, retryAfterSeconds: 3600 });
    expect(schedule.next(t0, 'unreachable', huge).at - t0).toBe(PROBE_MAX_MS);
    // Login windows: 1 s, 2 s, 4 s ... consecutive (full jitter at 0 lands at each window's start).
    const logins = [0, 1, 2, 3].map(() => schedule.next(t0, 'auth-failed').at - t0);
    expect(logins).toEqual([0, 1000, 3000, 7000]);
  });

  it('plans nothing before a held login may be sent', () => {
    const schedule = new ProbeSchedule(() => 0);
    const held = new LoginHeldError('held', t0 + 600_000, false);
    expect(schedule.next(t0, 'auth-failed', held)).toEqual({ at: t0 + 600_000, kind: 'held' });
  });

  it('allows at most one early probe per 2 s', () => {
    const schedule = new ProbeSchedule(() => 0);
    expect(schedule.mayProbeEarly(t0)).toBe(true);
    schedule.probed(t0);
    expect(schedule.mayProbeEarly(t0 + 1999)).toBe(false);
    expect(schedule.mayProbeEarly(t0 + 2000)).toBe(true);
  });
});
