/**
 * Issue 17, finding 7: a lease dies with the token that fetched it. With the token's hard end
 * known, a lease that outlives it is replaced against that end (a new token first, then new
 * credentials under it, `overlapMs` before the token dies) and the lifetimes that cannot hold are
 * logged once per key (again only when the figures change) with both figures (scripted client, manual scheduler and clock).
 */
import { describe, expect, it } from 'vitest';
import { flush } from '../../support/async.js';
import { leasedFetch, leaseHarness, ok } from '../../support/lease-harness.js';

const KEY = 'database/creds/app';
const TIMER = `secrets:lease:${KEY}`;
type Spec = Parameters<ReturnType<typeof leaseHarness>['leases']['acquire']>[0];
const spec = (fetch: () => Promise<unknown>) => ({ key: KEY, engine: 'database', path: KEY, fetch }) as Spec;

function tokenBound(gate?: () => boolean) {
  const T0 = 1_700_000_000_000;
  const token = { accessor: 'accessor-1', maxExpiresAt: T0 + 300_000, maxTtl: 300 };
  const logins: string[] = [];
  const h: ReturnType<typeof leaseHarness> = leaseHarness({
    overlapMs: 30_000,
    handle: () => ok(undefined, 204),
    gate,
    token: () => ({ ...token }),
    refreshToken: async (reason) => {
      logins.push(reason);
      token.accessor = `accessor-${logins.length + 1}`;
      token.maxExpiresAt = h.clock.t + 300_000;
      await h.leases.reacquireAll('token-changed', token.accessor);
    },
  });
  return { h, token, logins };
}

describe('leases bound to their token (finding 7)', () => {
  it('a 360 s lease under a token with 300 s max: warned once with both figures, replaced before the token ends under a new token', async () => {
    const { h, logins } = tokenBound();
    const { fetch, issued } = leasedFetch(360);
    await h.leases.acquire(spec(fetch));
    const warnings = h.logger.lines.filter((l) => l.includes('outlives the token'));
    expect(warnings).toEqual([
      "warn database/creds/app: lease max TTL at least 360 s outlives the token's max TTL 300 s; leases end when the token does — raise the auth role's token_max_ttl or lower the role's max_ttl",
    ]);
    // Planned against the token's end (300 s), not the lease's (360 s): two thirds of 300 s, at least 30 s before it.
    expect(h.scheduler.delayOf(TIMER)).toBe(200_000);
    h.clock.t += 200_000;
    h.scheduler.run(TIMER);
    await flush(20);
    expect(logins).toHaveLength(1);
    expect(issued).toHaveLength(2);
    expect(h.rotations.map((r) => r.reason)).toEqual(['token-changed']);
    // The new token of the same role has the same figures: no second warning at every re-login.
    h.leases.tokenHardEnd({ accessor: 'accessor-2', maxExpiresAt: h.clock.t + 300_000, maxTtl: 300 });
    h.leases.tokenHardEnd({ accessor: 'accessor-2', maxExpiresAt: h.clock.t + 300_000, maxTtl: 300 });
    expect(h.logger.lines.filter((l) => l.includes('outlives the token'))).toHaveLength(1);
    // Figures that change (the role's token_max_ttl lowered to 120 s) are worth a new warning.
    h.leases.tokenHardEnd({ accessor: 'accessor-2', maxExpiresAt: h.clock.t + 120_000, maxTtl: 120 });
    expect(h.logger.lines.filter((l) => l.includes('outlives the token'))).toHaveLength(2);
  });

  it('a token hard end learned later (a capped token renewal) re-plans the leases it fetched', async () => {
    const { h, token } = tokenBound();
    const end = token.maxExpiresAt;
    token.maxExpiresAt = undefined as unknown as number;
    const { fetch } = leasedFetch(360);
    await h.leases.acquire(spec(fetch));
    expect(h.scheduler.delayOf(TIMER)).toBe(240_000); // renewal at two thirds of 360 s
    h.clock.t += 100_000;
    h.leases.tokenHardEnd({ accessor: 'accessor-1', maxExpiresAt: end, maxTtl: 300 });
    expect(h.scheduler.delayOf(TIMER)).toBe(133_333); // two thirds of the 200 s the token has left
    expect(h.logger.lines.filter((l) => l.includes('outlives the token'))).toHaveLength(1);
  });

  it("while Vault is not serving, a lease that outlives its token is marked lost at the token's end (no request), for the recovery", async () => {
    let open = true;
    const { h, logins } = tokenBound(() => open);
    const { fetch, issued } = leasedFetch(360);
    await h.leases.acquire(spec(fetch));
    open = false;
    h.clock.t += 200_000;
    h.scheduler.run(TIMER); // the planned replacement finds Vault down: parked, nothing sent
    expect(logins).toHaveLength(0);
    expect(h.scheduler.delayOf(TIMER)).toBe(100_000); // the token's end, not the lease's (160 s)
    h.clock.t += 100_000;
    h.scheduler.run(TIMER);
    expect(h.leases.lostKeys()).toEqual([KEY]);
    expect(issued).toHaveLength(1);
    expect(h.requests).toHaveLength(0);
  });

  it("a re-login that lands during the fetch: the lease may be the old token's, so it is fetched again under the new one", async () => {
    const { h, token } = tokenBound();
    const { fetch, issued } = leasedFetch(120);
    await h.leases.acquire(
      spec(async () => {
        const secret = await fetch();
        if (issued.length === 1) token.accessor = 'accessor-2'; // the token manager logged in meanwhile
        return secret;
      }),
    );
    expect(h.scheduler.delayOf(TIMER)).toBe(0);
    h.scheduler.run(TIMER);
    await flush(20);
    expect(issued).toHaveLength(2);
    expect(h.rotations.map((r) => r.reason)).toEqual(['token-changed']);
    expect(h.scheduler.delayOf(TIMER)).toBe(80_000); // fetched under the current token: planned as usual
  });

  it('a lease that ends before its token is renewed as before, with no warning', async () => {
    const { h } = tokenBound();
    const { fetch } = leasedFetch(120);
    await h.leases.acquire(spec(fetch));
    expect(h.scheduler.delayOf(TIMER)).toBe(80_000);
    expect(h.logger.lines.filter((l) => l.includes('outlives the token'))).toHaveLength(0);
  });
});
