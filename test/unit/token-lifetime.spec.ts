/**
 * Issue 17, finding 7: what the module knows of its token's hard end comes from what Vault says
 * (pure bookkeeping, no server): a non-renewable token's TTL, a login capped at the max TTL,
 * `explicit_max_ttl` of `lookup-self` counted from `creation_time`; a renewable token of an auth
 * role stays unknown until a renewal is capped.
 */
import { describe, expect, it } from 'vitest';
import type { AuthResult } from '../../lib/contracts/auth-result.js';
import { TokenLifetime } from '../../lib/auth/token-lifetime.js';
import { stateFromLogin } from '../../lib/auth/token-state.js';
import { CapturingLogger } from '../support/capture-logs.js';

const NOW = 1_700_000_000_000;
const lifetime = () => new TokenLifetime({ now: () => NOW }, new CapturingLogger());
const result = (fields: Partial<AuthResult>): AuthResult => ({
  token: 'hvs.x',
  accessor: 'acc',
  policies: [],
  leaseDuration: 3600,
  renewable: true,
  tokenType: 'service',
  ...fields,
});

describe('TokenLifetime (the token hard end)', () => {
  it('a renewable token of an auth role: unknown (its token_max_ttl is not on the token)', () => {
    const r = result({});
    const state = stateFromLogin(r, NOW, true);
    lifetime().fromLogin(state, r);
    expect(state.maxExpiresAt).toBeUndefined();
  });

  it('a non-renewable token ends at its TTL', () => {
    const r = result({ renewable: false, leaseDuration: 600 });
    const state = stateFromLogin(r, NOW, true);
    lifetime().fromLogin(state, r);
    expect(state).toMatchObject({ maxExpiresAt: NOW + 600_000, maxTtl: 600 });
  });

  it('a given token with explicit_max_ttl (lookup-self) ends that long after its creation_time', () => {
    const created = NOW - 1_000_000;
    const r = result({ leaseDuration: 3600, explicitMaxTtl: 7200, createdAt: created });
    const state = stateFromLogin(r, NOW, false);
    const told: Array<number | undefined> = [];
    const l = lifetime();
    l.onHardEnd((info) => void told.push(info.maxTtl));
    l.fromLogin(state, r);
    expect(state).toMatchObject({ maxExpiresAt: created + 7_200_000, maxTtl: 7200 });
    // a renewal capped at that same end tells nothing new; one capped earlier (another max) does
    state.expiresAt = created + 7_200_000;
    l.renewed(state, 100, 3600);
    expect(told).toEqual([7200]);
    state.expiresAt = NOW + 60_000;
    l.renewed(state, 60, 3600);
    expect(told).toEqual([7200, 1060]);
    expect(state.maxExpiresAt).toBe(NOW + 60_000);
  });
});
