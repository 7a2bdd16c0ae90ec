import { describe, expect, it } from 'vitest';
import { SUPERVISOR_TIMEOUT_NAME } from '../../lib/core/supervisor.js';
import { LoginHeldError } from '../../lib/errors/login-held.error.js';
import { VaultSealedError } from '../../lib/errors/vault-sealed.error.js';
import { VaultUnavailableError } from '../../lib/errors/vault-unavailable.error.js';
import { PermissionDeniedError } from '../../lib/errors/permission-denied.error.js';
import { bareSupervisor } from '../support/bare-supervisor.js';
import { RECOVERY_LOGIN_SPREAD_MS } from '../../lib/core/login-spread.js';

const down = () => new VaultUnavailableError('ECONNREFUSED: connect ECONNREFUSED', { path: 'secret/data/app' });
const pathFault = (status: number) => new VaultUnavailableError(`HTTP ${status}: boom`, { path: 'secret/data/app/broken', status });

describe('Supervisor state machine (fake clock, no server)', () => {
  it('starting → ready → degraded on a connection error → ready at the first probe that finds Vault', async () => {
    const { supervisor, time, state } = bareSupervisor({ random: () => 0.5 });
    expect(supervisor.state).toBe('starting');
    supervisor.markReady();
    state.vaultUp = false;
    expect(supervisor.report(down())).toBe('unreachable');
    expect(supervisor.snapshot()).toMatchObject({ state: 'degraded', reason: 'unreachable' });
    expect(() => supervisor.gate('secret/data/app')).toThrow(VaultUnavailableError);
    await time.advance(10_000);
    expect(supervisor.state).toBe('degraded');
    state.vaultUp = true;
    await time.advance(30_000);
    expect(supervisor.state).toBe('ready');
    expect(time.pending()).not.toContain(SUPERVISOR_TIMEOUT_NAME);
  });

  it('a 500, 429 or 412 on one path does not degrade; it starts one confirming probe (≤ 1 per 2 s)', async () => {
    const { supervisor, time, state } = bareSupervisor();
    supervisor.markReady();
    for (const status of [500, 502, 503, 429, 412]) expect(supervisor.report(pathFault(status))).toBeUndefined();
    await supervisor.settled();
    expect(supervisor.state).toBe('ready');
    expect(state.probes).toHaveLength(1);
    await time.advance(2000);
    supervisor.report(pathFault(500));
    await supervisor.settled();
    expect(state.probes).toHaveLength(2);
  });

  it('a call refused by its path back-off (nothing sent) asks for no confirming probe', async () => {
    const { supervisor, state, time } = bareSupervisor();
    supervisor.markReady();
    await time.advance(5000);
    const unsent = new VaultUnavailableError('backed off', { path: 'secret/data/app/limited', kind: 'path-backoff' });
    expect(supervisor.report(unsent)).toBeUndefined();
    await supervisor.settled();
    expect(state.probes).toHaveLength(0);
    expect(supervisor.state).toBe('ready');
  });

  it('a path fault whose confirming probe finds Vault down degrades the module', async () => {
    const { supervisor, state } = bareSupervisor();
    supervisor.markReady();
    state.vaultUp = false;
    supervisor.report(pathFault(502));
    await supervisor.settled();
    expect(supervisor.snapshot()).toMatchObject({ state: 'degraded', reason: 'unreachable' });
  });

  it('answers (403 permission denied) never degrade; sealed does', () => {
    const { supervisor } = bareSupervisor();
    supervisor.markReady();
    expect(supervisor.report(new PermissionDeniedError({ path: 'x', status: 403 }))).toBeUndefined();
    expect(supervisor.state).toBe('ready');
    expect(supervisor.report(new VaultSealedError({ path: 'x', status: 503 }))).toBe('sealed');
    expect(supervisor.state).toBe('degraded');
  });

  it('a read-triggered recovery that needs a login spreads it over 12 s; a planned probe logs in at once', async () => {
    // Three replicas whose reads all find Vault back at the same moment, with different jitter draws.
    const loginDelays: number[] = [];
    for (const draw of [0, 0.5, 0.99]) {
      const { supervisor, time, state, clock } = bareSupervisor({ random: () => draw });
      supervisor.markReady();
      state.vaultUp = false;
      supervisor.report(down());
      await time.advance(20_000); // down 20 s: the ladder's probes fail; the next one is seconds away
      state.needsLogin = true; // the token expired during the outage
      state.vaultUp = true;
      const back = clock.now();
      supervisor.nudge();
      await time.advance(0);
      if (draw > 0) {
        expect(supervisor.state).toBe('degraded'); // not ready before the token is good
        expect(() => supervisor.gate('secret/data/app')).toThrow(VaultUnavailableError);
        expect(supervisor.nextAttemptAt).toBe(back + Math.floor(draw * RECOVERY_LOGIN_SPREAD_MS));
      }
      await time.advance(RECOVERY_LOGIN_SPREAD_MS);
      expect(supervisor.state).toBe('ready');
      expect(state.logins).toHaveLength(1);
      loginDelays.push(state.logins[0]! - back);
    }
    expect(loginDelays[0]).toBe(0);
    expect(loginDelays[1]).toBe(RECOVERY_LOGIN_SPREAD_MS / 2);
    expect(loginDelays[2]).toBeGreaterThan(RECOVERY_LOGIN_SPREAD_MS * 0.95);

    // The planned probe is spread by its own jittered ladder: its login is not delayed again.
    const { supervisor, time, state } = bareSupervisor({ random: () => 0.5 });
    supervisor.markReady();
    state.vaultUp = false;
    supervisor.report(down());
    state.needsLogin = true;
    state.vaultUp = true;
    const planned = supervisor.nextAttemptAt!;
    await time.advance(30_000);
    expect(supervisor.state).toBe('ready');
    expect(state.logins).toEqual([planned]);
  });

  it('stopping during a spread login: no login, no state change', async () => {
    const { supervisor, time, state } = bareSupervisor({ random: () => 0.9 });
    supervisor.markReady();
    state.vaultUp = false;
    supervisor.report(down());
    await time.advance(20_000);
    state.needsLogin = true;
    state.vaultUp = true;
    supervisor.nudge();
    await time.advance(1000);
    supervisor.stop();
    await time.advance(RECOVERY_LOGIN_SPREAD_MS);
    expect(state.logins).toHaveLength(0);
    expect(time.pending()).toEqual([]);
  });

  it('nudge: reads while degraded start at most one early probe per 2 s, and not while waiting on the token', async () => {
    const { supervisor, time, state } = bareSupervisor({ random: () => 0.999 });
    supervisor.markReady();
    state.vaultUp = false;
    supervisor.report(down());
    await time.advance(1000); // the first planned probe (≤ 1 s)
    const before = state.probes.length;
    for (let i = 0; i < 100; i += 1) {
      supervisor.nudge();
      await time.advance(50); // 20 reads a second for 5 s
    }
    // 5 s of reads: ≤ 3 early probes (one per 2 s) plus the planned ones in that time (≤ 2).
    expect(state.probes.length - before).toBeLessThanOrEqual(5);
    const gaps = state.probes.slice(1).map((t, i) => t - state.probes[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
    state.vaultUp = true;
    await time.advance(2000);
    supervisor.nudge();
    await supervisor.settled();
    expect(supervisor.state).toBe('ready');
  });

  it('observe(serving) ends degraded at once with no second probe; observe(fault) degrades', async () => {
    const { supervisor, state } = bareSupervisor();
    supervisor.markReady();
    await supervisor.observe(new VaultSealedError({ path: 'sys/health', status: 503 }));
    expect(supervisor.snapshot()).toMatchObject({ state: 'degraded', reason: 'sealed' });
    const probes = state.probes.length;
    state.vaultUp = true;
    await supervisor.observe(undefined);
    expect(supervisor.state).toBe('ready');
    expect(state.probes).toHaveLength(probes);
    expect(state.attempts.at(-1)).toMatchObject({ probed: true });
  });

  it('a held login: status carries it, nothing is planned before retryAt, attemptNow still tries', async () => {
    const { supervisor, time, clock, state } = bareSupervisor();
    supervisor.markReady();
    const retryAt = clock.now() + 600_000;
    const attempts = state.attempts;
    supervisor.report(new LoginHeldError('approle login held', retryAt, true));
    expect(supervisor.snapshot()).toMatchObject({ state: 'degraded', reason: 'auth-failed', login: { state: 'locked', retryAt } });
    expect(supervisor.nextAttemptAt).toBe(retryAt);
    supervisor.nudge();
    await time.advance(599_000);
    expect(attempts).toHaveLength(0);
    await supervisor.attemptNow();
    expect(attempts).toHaveLength(1);
    expect(supervisor.state).toBe('ready');
    expect(supervisor.snapshot().login).toBeUndefined();
  });
});
