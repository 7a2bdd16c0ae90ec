/**
 * Attacks on LeaseManager with a scripted Vault client, a manual scheduler and a manual clock
 * (deterministic: no HTTP, no timers except the orchestrator's handler timeout).
 */
import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { SecretRotatedEvent, VaultRequestError, VaultUnavailableError } from '../../../lib/index.js';
import { LeaseExpiredEvent } from '../../../lib/events/lease-expired.event.js';
import { deferred, flush } from '../../support/async.js';
import { leasedFetch, leaseHarness, ok, revokedIds } from '../../support/lease-harness.js';
import { MARK } from '../../support/leak-markers.js';

const KEY = 'database/creds/app';
const TIMER = `secrets:lease:${KEY}`;
const spec = (fetch: () => Promise<never> | Promise<unknown>) =>
  ({ key: KEY, engine: 'database', path: KEY, fetch }) as Parameters<ReturnType<typeof leaseHarness>['leases']['acquire']>[0];

function renewWith(body: unknown) {
  return (req: { path: string }) => {
    if (req.path === 'sys/leases/renew') return ok(body);
    if (req.path === 'sys/leases/revoke') return ok(undefined, 204);
    throw new Error(`unexpected ${req.path}`);
  };
}

describe('renew responses with odd bodies', () => {
  it('larger lease_duration than asked keeps renewing (not capped)', async () => {
    const { fetch } = leasedFetch(3600);
    const h = leaseHarness({ handle: renewWith({ lease_id: 'x', renewable: true, lease_duration: 7200 }) });
    await h.leases.acquire(spec(fetch));
    h.scheduler.run(TIMER);
    await flush();
    expect(h.leases.get(KEY)).toMatchObject({ renewable: true, leaseDuration: 7200 });
    expect(h.scheduler.delayOf(TIMER)).toBeGreaterThan(0);
  });

  it('negative lease_duration is treated as expired: replaced at once', async () => {
    const { fetch, issued } = leasedFetch(3600);
    const h = leaseHarness({ handle: renewWith({ lease_id: 'x', renewable: true, lease_duration: -5 }) });
    await h.leases.acquire(spec(fetch));
    h.scheduler.run(TIMER);
    await flush();
    expect(h.scheduler.delayOf(TIMER)).toBe(0);
    h.scheduler.run(TIMER);
    await flush();
    expect(issued).toHaveLength(2);
    expect(h.rotations).toHaveLength(1);
  });

  it('regression: renew 200 with a non-finite lease_duration (JSON 1e400 = Infinity) schedules the next renewal never', async () => {
    // JSON.parse('{"lease_duration":1e400}') gives Infinity; envelopeLease() rejects non-finite values, #renew does not.
    expect(JSON.parse('{"d":1e400}').d).toBe(Infinity);
    const { fetch } = leasedFetch(3600);
    const h = leaseHarness({ handle: renewWith(JSON.parse('{"lease_id":"x","renewable":true,"lease_duration":1e400}')) });
    await h.leases.acquire(spec(fetch));
    h.scheduler.run(TIMER);
    await flush();
    const delay = h.scheduler.delayOf(TIMER);
    // The lease really expires within its original TTL at most; the module must look at it again before that.
    expect(Number.isFinite(delay)).toBe(true);
    expect(Number.isFinite(h.leases.get(KEY)!.expiresAt)).toBe(true);
  });

  it('regression: renew 200 without lease_duration makes a lease with 20 min left "expired" after one failed replacement', async () => {
    // A renewal answer without lease_duration (a proxy, a truncated body) is read as 0 s: the lease is
    // declared expired now, and the first transient failure of the replacement gives up at once.
    const { fetch } = leasedFetch(3600);
    let failFetch = false;
    const h = leaseHarness({ handle: renewWith({ lease_id: 'x', renewable: true }) });
    const expired: LeaseExpiredEvent[] = [];
    h.emitter.on('secrets.lease.expired', (e: LeaseExpiredEvent) => expired.push(e));
    await h.leases.acquire(
      spec(async () => {
        if (failFetch) throw new VaultUnavailableError('HTTP 503', { path: KEY, status: 503 });
        return fetch();
      }),
    );
    h.clock.t += 2400_000; // renewal at 2/3 of 3600 s: 1200 s left on the lease
    h.scheduler.run(TIMER);
    await flush();
    failFetch = true;
    h.scheduler.run(TIMER);
    await flush();
    expect(expired).toHaveLength(0);
    expect(h.logger.text).not.toMatch(/expired before it could be renewed/);
    expect(h.leases.get(KEY)).toBeDefined();
  });
});

describe('lease loss', () => {
  it('lease expired / lease not found storms: replaced, old not revoked, logged once per lease', async () => {
    const fetches = [leasedFetch(3600), leasedFetch(3600), leasedFetch(3600)];
    const h = leaseHarness({
      handle: (req) => {
        if (req.path === 'sys/leases/renew') throw new VaultRequestError(['lease not found'], { path: req.path, status: 400 });
        return ok(undefined, 204);
      },
    });
    for (let i = 0; i < 3; i += 1) await h.leases.acquire({ key: `k${i}`, engine: 'database', path: `k${i}`, fetch: fetches[i]!.fetch });
    for (let i = 0; i < 3; i += 1) h.scheduler.run(`secrets:lease:k${i}`);
    await flush();
    expect(h.rotations.map((r) => r.reason)).toEqual(['lease-lost', 'lease-lost', 'lease-lost']);
    expect(revokedIds(h.requests)).toEqual([]);
    expect(h.logger.count(/no longer knows/)).toBe(3);
    for (let i = 0; i < 3; i += 1) expect(h.scheduler.delayOf(`secrets:lease:k${i}`)).toBeGreaterThan(1000);
  });

  it('regression: non-renewable lease with TTL <= overlapMs is replaced in a hot loop (delay 0, forever)', async () => {
    const { fetch, issued } = leasedFetch(20, false); // e.g. a 20 s STS/PKI lease with the default 30 s overlap
    const h = leaseHarness({ handle: renewWith({}), overlapMs: 30_000 });
    await h.leases.acquire(spec(fetch));
    const delays: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      delays.push(h.scheduler.delayOf(TIMER)!);
      h.scheduler.run(TIMER);
      await flush();
    }
    // The test fires the timer itself (5 replacements, one per run); what matters is that each was
    // scheduled at about two thirds of the 20 s lifetime, not at 0 ms.
    expect(issued.length).toBe(6);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0.56 * 20_000);
  });
});

describe('static-role style refresh (no lease, refreshAfterMs)', () => {
  it('regression: one refresh failure fixes expiresAt forever: a later single failure reports the secret expired and stops refreshing', async () => {
    let fail = false;
    const h = leaseHarness({ handle: renewWith({}) });
    const expired: LeaseExpiredEvent[] = [];
    h.emitter.on('secrets.lease.expired', (e: LeaseExpiredEvent) => expired.push(e));
    const key = 'database/static-creds/app';
    const timer = `secrets:lease:${key}`;
    await h.leases.acquire({
      key,
      engine: 'database',
      path: key,
      fetch: async () => {
        if (fail) throw new VaultUnavailableError('HTTP 503', { path: key, status: 503 });
        return { data: { username: 'static', password: MARK }, refreshAfterMs: 3_600_000, version: '2024-01-01T00:00:00Z' };
      },
    });
    // First refresh fails once (a blip), then the retry succeeds.
    h.clock.t += 3_600_000;
    fail = true;
    h.scheduler.run(timer);
    await flush();
    fail = false;
    h.clock.t += 2000;
    h.scheduler.run(timer);
    await flush();
    expect(h.leases.get(key)).toBeDefined();
    // A day later, another single blip.
    h.clock.t += 86_400_000;
    fail = true;
    h.scheduler.run(timer);
    await flush();
    expect(expired).toHaveLength(0);
    expect(h.leases.get(key)).toBeDefined();
    expect(h.scheduler.pending()).toContain(timer);
  });
});

describe('handlers and concurrent rotations', () => {
  it('a handler that never resolves: timeout respected, old lease revoked afterwards', async () => {
    const { fetch, issued } = leasedFetch();
    const h = leaseHarness({ handle: renewWith({}), handlerTimeoutMs: 50 });
    h.emitter.on('secrets.rotated', () => new Promise(() => undefined));
    await h.leases.acquire(spec(fetch));
    const t0 = Date.now();
    await h.leases.rotate(KEY);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
    expect(revokedIds(h.requests)).toEqual([issued[0]]);
    expect(h.rotations[0]!.outcome).toMatchObject({ timedOut: true });
  });

  it('regression: concurrent rotations of one key: a lease is revoked while the handler that received it is still running', async () => {
    const { fetch, issued } = leasedFetch();
    const h = leaseHarness({ handle: renewWith({}), handlerTimeoutMs: 60_000 });
    const slow = deferred();
    const running = new Set<string>();
    const revokedWhileRunning: string[] = [];
    h.emitter.on('secrets.rotated', async (e: SecretRotatedEvent) => {
      running.add(e.currentLeaseId!);
      if (e.currentLeaseId === issued[1]) await slow.promise; // first rotation's handler: slow (pool warm-up)
      running.delete(e.currentLeaseId!);
    });
    const origRequest = h.requests.push.bind(h.requests);
    h.requests.push = (...reqs) => {
      for (const r of reqs)
        if (r.path === 'sys/leases/revoke' && running.has((r.body as { lease_id: string }).lease_id))
          revokedWhileRunning.push((r.body as { lease_id: string }).lease_id);
      return origRequest(...reqs);
    };
    await h.leases.acquire(spec(fetch));
    const first = h.leases.rotate(KEY); // e.g. rotateSecret() from the app
    await flush();
    const second = h.leases.rotate(KEY); // e.g. the max-TTL replacement, or reacquireAll after a re-login
    await flush();
    slow.resolve();
    await Promise.all([first, second]);
    // Leases issued: 3 (two rotations ran in parallel). The handler holding lease #2 was still running
    // when lease #2 was revoked: the app ends up on revoked credentials.
    expect(revokedWhileRunning).toEqual([]);
  });

  it('regression: reacquireAll after a re-login swallows a failed re-fetch: no log, no retry before the normal renewal', async () => {
    let fail = false;
    const { fetch } = leasedFetch();
    const h = leaseHarness({ handle: renewWith({}) });
    await h.leases.acquire(
      spec(async () => {
        if (fail) throw new VaultUnavailableError('HTTP 503', { path: KEY, status: 503 });
        return fetch();
      }),
    );
    fail = true;
    await h.leases.reacquireAll('token-changed'); // the old token (and its leases) is gone
    await flush();
    // Credentials are dead (their token was revoked); the only thing planned is the renewal at ~2/3 of 1 h.
    expect(h.logger.text).toMatch(/failed|could not|retry/i);
    expect(h.scheduler.delayOf(TIMER)).toBeLessThan(60_000);
  });
});

describe('shutdown races', () => {
  it('regression: acquire in flight when stop() runs: the new lease is never revoked (leaked until its TTL)', async () => {
    const gate = deferred();
    const { fetch, issued } = leasedFetch();
    const h = leaseHarness({ handle: renewWith({}) });
    const got = h.leases.acquire(
      spec(async () => {
        await gate.promise;
        return fetch();
      }),
    );
    await flush();
    const stopped = h.leases.stop();
    gate.resolve();
    // The caller learns the module stopped (no credentials that are about to be revoked).
    await expect(got).rejects.toThrow(/stopped/);
    await stopped;
    await flush();
    expect(revokedIds(h.requests)).toContain(issued[0]);
  });

  it('regression: stop() during a replacement resolves before the replacement lease is revoked', async () => {
    const gate = deferred();
    let gated = false;
    const { fetch, issued } = leasedFetch();
    const h = leaseHarness({ handle: renewWith({}) });
    await h.leases.acquire(
      spec(async () => {
        if (gated) await gate.promise;
        return fetch();
      }),
    );
    gated = true;
    const rotation = h.leases.rotate(KEY).catch(() => undefined);
    await flush();
    let revokedWhenStopped: string[] = [];
    const stopping = h.leases.stop().then(() => (revokedWhenStopped = revokedIds(h.requests)));
    await flush();
    gate.resolve();
    await stopping;
    await rotation;
    await flush();
    expect(revokedIds(h.requests)).toContain(issued[1]); // revoked eventually (after stop)...
    expect(revokedWhenStopped).toContain(issued[1]); // ...but stop() (and so close()) did not wait for it
  });
});

describe('event payloads', () => {
  it('LeaseExpiredEvent and SecretRotatedEvent never show the value', async () => {
    const { fetch } = leasedFetch(10, false);
    let fail = false;
    const h = leaseHarness({ handle: renewWith({}), overlapMs: 0 });
    const expired: LeaseExpiredEvent[] = [];
    h.emitter.on('secrets.lease.expired', (e: LeaseExpiredEvent) => expired.push(e));
    await h.leases.acquire(
      spec(async () => {
        if (fail) throw new VaultUnavailableError('HTTP 503', { path: KEY, status: 503 });
        return fetch();
      }),
    );
    await h.leases.rotate(KEY);
    fail = true;
    h.clock.t += 9500;
    h.scheduler.run(TIMER);
    await flush();
    expect(expired).toHaveLength(1);
    const everything = [
      inspect(expired[0], { depth: 10, showHidden: true }),
      JSON.stringify(expired[0]),
      String(h.rotations[0]),
      JSON.stringify(h.rotations[0]),
      inspect(h.rotations[0], { depth: 10, showHidden: true }),
      inspect(h.leases, { depth: 10 }),
      JSON.stringify(h.leases),
      h.logger.text,
    ].join('\n');
    expect(everything).not.toContain(MARK);
  });
});
