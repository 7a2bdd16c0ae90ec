/**
 * Issue 10, findings 7 and 8: every lease/certificate schedule is bounded. A lease whose time left
 * is below `overlapMs` is replaced at once; a certificate that arrives already expired never makes
 * a tight re-issue loop (scripted client, manual scheduler and clock: deterministic).
 */
import { describe, expect, it } from 'vitest';
import type { EngineSecret } from '../../../lib/index.js';
import { flush } from '../../support/async.js';
import { leasedFetch, leaseHarness, ok } from '../../support/lease-harness.js';

const KEY = 'database/creds/app';
const TIMER = `secrets:lease:${KEY}`;
type Spec = Parameters<ReturnType<typeof leaseHarness>['leases']['acquire']>[0];
const spec = (fetch: () => Promise<unknown>, key = KEY) => ({ key, engine: 'database', path: key, fetch }) as Spec;

describe('a lease with less time left than overlapMs (finding 8)', () => {
  it('is replaced at once when a renewal comes back capped below the overlap', async () => {
    const { fetch, issued } = leasedFetch(3600);
    const h = leaseHarness({
      overlapMs: 30_000,
      handle: (req) => {
        if (req.path === 'sys/leases/renew') return ok({ lease_id: 'x', renewable: true, lease_duration: 20 });
        return ok(undefined, 204);
      },
    });
    await h.leases.acquire(spec(fetch));
    h.clock.t += h.scheduler.delayOf(TIMER)!;
    h.scheduler.run(TIMER); // renewal: Vault grants only 20 s (max TTL reached)
    await flush();
    expect(h.leases.get(KEY)?.leaseDuration).toBe(20);
    // 20 s left < 30 s overlap: the handlers need the whole overlap, so the replacement starts now.
    expect(h.scheduler.delayOf(TIMER)).toBe(0);
    h.scheduler.run(TIMER);
    await flush();
    expect(issued).toHaveLength(2);
    expect(h.rotations).toHaveLength(1);
  });

  it('a fresh lease shorter than the overlap is not replaced in a loop (two thirds of its life)', async () => {
    const { fetch, issued } = leasedFetch(4, false);
    const h = leaseHarness({ overlapMs: 30_000, handle: () => ok(undefined, 204) });
    await h.leases.acquire(spec(fetch));
    const delay = h.scheduler.delayOf(TIMER)!;
    expect(delay).toBeGreaterThan(2000);
    expect(delay).toBeLessThan(4000);
    expect(issued).toHaveLength(1);
  });
});

describe('a certificate that arrives already expired (finding 7)', () => {
  function expiredCertificates(clock: { t: number }) {
    let serial = 0;
    const issued: string[] = [];
    const fetch = async (): Promise<EngineSecret<{ certificate: string }>> => {
      serial += 1;
      issued.push(String(serial));
      // Vault's clock is behind: the certificate's expiration is already past by our clock.
      return { data: { certificate: `cert-${serial}` }, expiresAt: clock.t - 60_000, version: String(serial) };
    };
    return { fetch, issued };
  }

  it('is re-issued on a growing backoff, never a zero-delay loop, and the rotation is not announced for each copy', async () => {
    const h = leaseHarness({ overlapMs: 30_000, handle: () => ok(undefined, 204) });
    const { fetch, issued } = expiredCertificates(h.clock);
    const key = 'pki/issue/web/api.example.com';
    const timer = `secrets:lease:${key}`;
    await h.leases.acquire({ key, engine: 'pki', path: 'pki/issue/web', fetch, replaceReason: 'certificate-reissued' } as Spec);
    const delays: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      const delay = h.scheduler.delayOf(timer);
      expect(delay).toBeDefined();
      delays.push(delay!);
      h.clock.t += delay!;
      h.scheduler.run(timer);
      await flush();
    }
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(500);
    // Exponential: the later waits are far longer than the first, and capped at 5 minutes.
    expect(delays[10]!).toBeGreaterThan(delays[0]! * 16);
    expect(Math.max(...delays)).toBeLessThanOrEqual(300_000);
    expect(issued).toHaveLength(13);
    // An expired copy is no better than the one in use: no rotation storm.
    expect(h.rotations).toHaveLength(0);
    expect(h.logger.lines.filter((l) => l.includes('already expired')).length).toBe(1);
    expect(h.leases.notices()[key]).toMatch(/already expired/);
  });

  it('a good certificate after the expired ones is switched to and announced once', async () => {
    const h = leaseHarness({ overlapMs: 30_000, handle: () => ok(undefined, 204) });
    const { fetch: expired } = expiredCertificates(h.clock);
    let good = false;
    const key = 'pki/issue/web/api.example.com';
    const timer = `secrets:lease:${key}`;
    const fetch = async (): Promise<EngineSecret<{ certificate: string }>> =>
      good ? { data: { certificate: 'fresh' }, expiresAt: h.clock.t + 3600_000, version: 'fresh' } : expired();
    await h.leases.acquire({ key, engine: 'pki', path: 'pki/issue/web', fetch, replaceReason: 'certificate-reissued' } as Spec);
    h.scheduler.run(timer);
    await flush();
    good = true;
    h.scheduler.run(timer);
    await flush();
    expect(h.rotations).toHaveLength(1);
    expect(h.leases.get<{ certificate: string }>(key)?.data.certificate).toBe('fresh');
    expect(h.leases.notices()[key]).toBeUndefined();
    // Back on the normal schedule: about two thirds of the hour, less the overlap.
    expect(h.scheduler.delayOf(timer)).toBeGreaterThan(1800_000);
  });
});
