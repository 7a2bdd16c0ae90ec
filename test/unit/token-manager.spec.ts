/**
 * TokenManager on a fake clock with a stubbed requester (no server): the first login, when the
 * renewal runs (two thirds of the time left minus up to 10 % jitter), a renewal capped at the max
 * TTL turning into a re-login, a token Vault calls dead, renewals parked while the supervisor's
 * gate is closed (nothing sent, no timer) and `resume()` at recovery.
 */
import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AppRoleAuthMethod } from '../../lib/auth/approle.auth.js';
import { TOKEN_RENEWAL_TIMEOUT_NAME, TokenManager } from '../../lib/auth/token.manager.js';
import type { VaultRequest, VaultResponse } from '../../lib/contracts/vault-request.js';
import { InvalidTokenError } from '../../lib/errors/invalid-token.error.js';
import { VaultUnavailableError } from '../../lib/errors/vault-unavailable.error.js';
import { eventBusFrom } from '../../lib/events/secrets-event-bus.js';
import type { TokenRenewedEvent } from '../../lib/events/token-renewed.event.js';
import { flush } from '../support/async.js';
import { CapturingLogger } from '../support/capture-logs.js';
import { FakeTime } from '../support/fake-time.js';

const T0 = 1_700_000_000_000;
const HOUR_S = 3600;

interface Options {
  random?: number;
  /** TTL of each login, in seconds. */
  loginTtl?: number;
  /** Warnings Vault attaches to each login. */
  loginWarnings?: string[];
  /** What renew-self answers: a lease_duration in seconds, or an error to throw. */
  renew?: (token: string, increment: number) => number | Error;
}

/** A token manager over a stub requester that mints `token-1`, `token-2`, … per login. */
function harness(options: Options = {}) {
  const clock = {
    t: T0,
    now(): number {
      return this.t;
    },
    advance(ms: number): void {
      this.t += ms;
    },
  };
  const time = new FakeTime(clock, () => flush(10));
  const requests: VaultRequest[] = [];
  let minted = 0;
  const handle = (req: VaultRequest): VaultResponse => {
    if (req.path === 'auth/approle/login') {
      minted += 1;
      return ok({
        auth: {
          client_token: `token-${minted}`,
          accessor: `accessor-${minted}`,
          policies: ['app'],
          lease_duration: options.loginTtl ?? HOUR_S,
          renewable: true,
          token_type: 'service',
        },
        ...(options.loginWarnings ? { warnings: options.loginWarnings } : {}),
      });
    }
    if (req.path === 'auth/token/renew-self') {
      const increment = (req.body as { increment: number }).increment;
      const answer = options.renew?.(req.token!, increment) ?? increment;
      if (answer instanceof Error) throw answer;
      return ok({ auth: { client_token: req.token, lease_duration: answer, renewable: true } });
    }
    if (req.path === 'auth/token/revoke-self') return ok(undefined, 204);
    throw new Error(`unexpected ${req.method} ${req.path}`);
  };
  const client = {
    request: async <T>(req: VaultRequest): Promise<VaultResponse<T>> => {
      requests.push(req);
      return handle(req) as VaultResponse<T>;
    },
  };
  /** The supervisor's gate; with `closeOnReport` a reported failure turns it degraded (closed). */
  const gate = { open: true, closeOnReport: false, reported: [] as unknown[] };
  const emitter = new EventEmitter();
  const renewed: TokenRenewedEvent[] = [];
  emitter.on('secrets.token.renewed', (e: TokenRenewedEvent) => void renewed.push(e));
  const logger = new CapturingLogger();
  const tokens = new TokenManager({
    client,
    method: new AppRoleAuthMethod({ method: 'approle', roleId: 'role-1', secretId: 'secret-id-value' }),
    clock,
    scheduler: time,
    events: eventBusFrom(emitter),
    logger,
    random: () => options.random ?? 0,
    gate: {
      isOpen: () => gate.open,
      report: (error) => {
        gate.reported.push(error);
        if (gate.closeOnReport) gate.open = false;
      },
    },
  });
  const sent = (path: string) => requests.filter((r) => r.path === path);
  return { clock, time, requests, sent, gate, tokens, logger, renewed };
}

function ok(body: unknown, status = 200): VaultResponse {
  return { status, body, headers: {} };
}

describe('TokenManager (fake clock, stubbed Vault)', () => {
  it('logs in once for concurrent callers and keeps the token out of inspect and JSON', async () => {
    const h = harness();
    const [a, b] = await Promise.all([h.tokens.getToken(), h.tokens.getToken()]);
    expect(a).toBe('token-1');
    expect(b).toBe('token-1');
    const logins = h.sent('auth/approle/login');
    expect(logins).toHaveLength(1);
    expect(logins[0]).toMatchObject({ method: 'POST', authenticated: false, body: { role_id: 'role-1', secret_id: 'secret-id-value' } });
    expect(h.tokens.info()).toMatchObject({ accessor: 'accessor-1', renewable: true, expiresAt: T0 + HOUR_S * 1000 });
    expect(inspect(h.tokens)).not.toContain('token-1');
    expect(JSON.stringify(h.tokens)).not.toContain('token-1');
    expect(h.logger.lines.join('\n')).not.toMatch(/token-1|secret-id-value/);
  });

  it('readyToken() answers the held token without a promise only while getToken() would answer it at once', async () => {
    const h = harness({ loginTtl: 60 });
    expect(h.tokens.readyToken()).toBeUndefined(); // no login yet: getToken() has work to do
    expect(await h.tokens.getToken()).toBe('token-1');
    expect(h.tokens.readyToken()).toBe('token-1');
    // About to expire: undefined, and getToken() logs in again.
    h.clock.advance(59_000);
    expect(h.tokens.readyToken()).toBeUndefined();
    expect(await h.tokens.getToken()).toBe('token-2');
    expect(h.tokens.readyToken()).toBe('token-2');
    expect(h.sent('auth/approle/login')).toHaveLength(2);
  });

  it.each([0, 0.5, 0.999])('renews at two thirds of the time left minus jitter (random %s), asking for the same TTL', async (random) => {
    const h = harness({ random });
    await h.tokens.start();
    const expected = Math.floor(HOUR_S * 1000 * (2 / 3 - 0.1 * random));
    expect(h.time.dueAt(TOKEN_RENEWAL_TIMEOUT_NAME)).toBe(T0 + expected);
    await h.time.advance(expected - 1);
    expect(h.sent('auth/token/renew-self')).toHaveLength(0);
    await h.time.advance(1);
    const renewals = h.sent('auth/token/renew-self');
    expect(renewals).toHaveLength(1);
    expect(renewals[0]).toMatchObject({ method: 'POST', token: 'token-1', body: { increment: HOUR_S } });
    // The next renewal is planned from the renewed expiry, the same way.
    expect(h.tokens.info()!.expiresAt).toBe(T0 + expected + HOUR_S * 1000);
    expect(h.time.dueAt(TOKEN_RENEWAL_TIMEOUT_NAME)).toBe(T0 + 2 * expected);
    expect(h.renewed.map((e) => e.how)).toEqual(['renewed']);
  });

  it('a renewal capped at the max TTL is not repeated: the token is replaced by a login before it expires', async () => {
    const h = harness({ renew: () => 600 });
    const relogins: Array<string | undefined> = [];
    h.tokens.onReLogin((info) => void relogins.push(info.accessor));
    await h.tokens.start();
    await h.time.advance(2_400_000); // the first renewal, capped at 600 s
    expect(h.sent('auth/token/renew-self')).toHaveLength(1);
    expect(h.tokens.info()).toMatchObject({ renewable: false, expiresAt: T0 + 2_400_000 + 600_000 });
    expect(h.logger.lines.some((l) => /capped at 600 s/.test(l))).toBe(true);
    // The re-login comes at two thirds of the 600 s left; no second renew-self.
    await h.time.advance(400_000 - 1);
    expect(h.sent('auth/approle/login')).toHaveLength(1);
    await h.time.advance(1);
    expect(h.sent('auth/approle/login')).toHaveLength(2);
    expect(h.sent('auth/token/renew-self')).toHaveLength(1);
    expect(await h.tokens.getToken()).toBe('token-2');
    await flush();
    expect(relogins).toEqual(['accessor-2']);
    expect(h.renewed.map((e) => e.how)).toEqual(['renewed', 'logged-in']);
  });

  it("learns the token's hard end from a capped renewal: maxExpiresAt (ms) and maxTtl (s), told once", async () => {
    const h = harness({ renew: () => 600 });
    const ends: Array<number | undefined> = [];
    h.tokens.onHardEnd((info) => void ends.push(info.maxExpiresAt));
    await h.tokens.start();
    expect(h.tokens.info()!.maxExpiresAt).toBeUndefined(); // renewable, nothing capped yet: unknown
    await h.time.advance(2_400_000); // the first renewal, capped at 600 s
    const end = T0 + 2_400_000 + 600_000;
    expect(h.tokens.info()).toMatchObject({ maxExpiresAt: end, maxTtl: 3000 });
    expect(ends).toEqual([end]);
  });

  it('a login Vault capped at the max TTL (its warning) knows the hard end at once', async () => {
    const h = harness({
      loginTtl: 300,
      loginWarnings: ['TTL of "768h" exceeded the effective max_ttl of "5m"; TTL value is capped accordingly'],
    });
    const ends: Array<number | undefined> = [];
    h.tokens.onHardEnd((info) => void ends.push(info.maxTtl));
    await h.tokens.start();
    expect(h.tokens.info()).toMatchObject({ maxExpiresAt: T0 + 300_000, maxTtl: 300 });
    expect(ends).toEqual([300]);
  });

  it('a token Vault calls dead at renewal is replaced by one login at once', async () => {
    const h = harness({ renew: (token) => (token === 'token-1' ? new InvalidTokenError({ path: 'auth/token/renew-self' }) : HOUR_S) });
    await h.tokens.start();
    await h.time.advance(2_400_000);
    expect(h.sent('auth/approle/login')).toHaveLength(2);
    expect(await h.tokens.getToken()).toBe('token-2');
    // A client that still holds the dead token asks for a replacement: already done, no login.
    await h.tokens.replace('token-1');
    expect(h.sent('auth/approle/login')).toHaveLength(2);
    // The new token is renewed on its own schedule.
    await h.time.advance(2_400_000);
    expect(h.sent('auth/token/renew-self').map((r) => r.token)).toEqual(['token-1', 'token-2']);
  });

  it('while the gate is closed a renewal sends nothing and keeps no timer; resume() renews within min(10 s, time left / 3)', async () => {
    const h = harness({ random: 0.5 });
    await h.tokens.start();
    const renewAt = Math.floor(HOUR_S * 1000 * (2 / 3 - 0.05));
    h.gate.open = false;
    await h.time.advance(renewAt);
    expect(h.sent('auth/token/renew-self')).toHaveLength(0);
    expect(h.time.pending()).not.toContain(TOKEN_RENEWAL_TIMEOUT_NAME);
    expect(h.logger.lines.filter((l) => /renewal waits until Vault serves again/.test(l))).toHaveLength(1);
    await h.time.advance(10 * 60_000);
    expect(h.requests).toHaveLength(1); // the login only

    h.gate.open = true;
    h.tokens.resume();
    expect(h.time.dueAt(TOKEN_RENEWAL_TIMEOUT_NAME)).toBe(h.clock.now() + 5000); // 0.5 · min(10 s, ~7.5 min / 3)
    await h.time.advance(5000);
    expect(h.sent('auth/token/renew-self')).toHaveLength(1);
    // resume() a second time does nothing more.
    h.tokens.resume();
    await h.time.advance(5000);
    expect(h.sent('auth/token/renew-self')).toHaveLength(1);
  });

  it('a renewal that finds Vault unreachable tells the gate; once closed, no retry timer runs', async () => {
    let down = false;
    const h = harness({
      renew: () => (down ? new VaultUnavailableError('connection refused', { path: 'auth/token/renew-self' }) : HOUR_S),
    });
    await h.tokens.start();
    down = true;
    h.gate.closeOnReport = true; // the supervisor finds Vault down
    await h.time.advance(2_400_000);
    expect(h.sent('auth/token/renew-self')).toHaveLength(1);
    expect(h.gate.reported).toHaveLength(1);
    expect(h.gate.reported[0]).toBeInstanceOf(VaultUnavailableError);
    expect(h.time.pending()).not.toContain(TOKEN_RENEWAL_TIMEOUT_NAME);
    await h.time.advance(20 * 60_000);
    expect(h.sent('auth/token/renew-self')).toHaveLength(1);
  });

  it('a path fault on renew-self with the gate open keeps the bounded retry', async () => {
    let failures = 1;
    const h = harness({
      renew: () => (failures-- > 0 ? new VaultUnavailableError('HTTP 500', { path: 'auth/token/renew-self', status: 500 }) : HOUR_S),
    });
    await h.tokens.start();
    await h.time.advance(2_400_000);
    expect(h.time.pending()).toContain(TOKEN_RENEWAL_TIMEOUT_NAME);
    const retryIn = h.time.dueAt(TOKEN_RENEWAL_TIMEOUT_NAME)! - h.clock.now();
    expect(retryIn).toBeGreaterThan(0);
    expect(retryIn).toBeLessThanOrEqual(60_000);
    await h.time.advance(retryIn);
    expect(h.sent('auth/token/renew-self')).toHaveLength(2);
    expect(h.tokens.info()!.expiresAt).toBe(h.clock.now() + HOUR_S * 1000);
  });

  it('a scheduled re-login parks while the gate is closed and runs at once on resume()', async () => {
    const h = harness({ renew: () => 600 });
    await h.tokens.start();
    await h.time.advance(2_400_000); // capped: a re-login is planned
    h.gate.open = false;
    await h.time.advance(400_000);
    expect(h.sent('auth/approle/login')).toHaveLength(1);
    expect(h.time.pending()).not.toContain(TOKEN_RENEWAL_TIMEOUT_NAME);
    h.gate.open = true;
    h.tokens.resume();
    expect(h.time.dueAt(TOKEN_RENEWAL_TIMEOUT_NAME)).toBe(h.clock.now());
    await h.time.advance(0);
    expect(h.sent('auth/approle/login')).toHaveLength(2);
  });

  it('a parked renewal whose token expired meanwhile is left to the recovery login: resume() sends nothing', async () => {
    const h = harness();
    await h.tokens.start();
    h.gate.open = false;
    await h.time.advance(HOUR_S * 1000 + 60_000);
    h.gate.open = true;
    h.tokens.resume();
    expect(h.time.pending()).not.toContain(TOKEN_RENEWAL_TIMEOUT_NAME);
    expect(h.sent('auth/token/renew-self')).toHaveLength(0);
    // The next caller (the recovery's ensureToken) logs in.
    expect(await h.tokens.getToken()).toBe('token-2');
  });
});
