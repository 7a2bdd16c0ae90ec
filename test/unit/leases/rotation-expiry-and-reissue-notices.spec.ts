/**
 * Issue 22 item 17 (BR-16, BR-20): the rotation event of a dynamic credential says when the new
 * one expires (`expiresAt`, ms since the epoch), and a certificate re-issue that Vault clips (TTL
 * beyond the CA) or refuses is logged once with the reason, not silently (or once per retry).
 * Scripted client, manual scheduler and clock.
 */
import { describe, expect, it } from 'vitest';
import { VaultRequestError, type EngineSecret } from '../../../lib/index.js';
import { flush } from '../../support/async.js';
import { leasedFetch, leaseHarness, ok } from '../../support/lease-harness.js';

type Spec = Parameters<ReturnType<typeof leaseHarness>['leases']['acquire']>[0];

describe('the rotation event of dynamic credentials carries expiresAt (BR-16)', () => {
  it.each([
    ['database', 'database/creds/app'],
    ['aws', 'aws/creds/deploy'],
  ])('%s: a replaced lease announces when the new one ends', async (engine, key) => {
    const { fetch } = leasedFetch(3600, false);
    const h = leaseHarness({ handle: () => ok(undefined, 204) });
    await h.leases.acquire({ key, engine, path: key, fetch } as Spec);
    const timer = `secrets:lease:${key}`;
    h.clock.t += h.scheduler.delayOf(timer)!;
    h.scheduler.run(timer); // not renewable: replaced before it ends
    await flush();
    expect(h.rotations).toHaveLength(1);
    const event = h.rotations[0]!;
    expect(event.expiresAt).toBe(h.clock.t + 3600_000);
    expect(event.toJSON().expiresAt).toBe(h.clock.t + 3600_000);
  });
});

describe('a certificate re-issue that Vault clips or refuses is logged once (BR-20)', () => {
  const key = 'pki/issue/web/api.example.com';
  const timer = `secrets:lease:${key}`;
  const certificate = (clock: { t: number }, serial: number, notice?: string): EngineSecret<{ certificate: string }> => ({
    data: { certificate: `cert-${serial}` },
    expiresAt: clock.t + 3600_000,
    version: String(serial),
    ...(notice ? { notice } : {}),
  });

  it('clipped: one warning with the reason over several clipped re-issues; logged again after a normal one', async () => {
    const h = leaseHarness({ handle: () => ok(undefined, 204) });
    let serial = 0;
    let clipped = false;
    const fetch = async () => {
      serial += 1;
      return certificate(
        h.clock,
        serial,
        clipped ? `TTL clipped to ${3000 - serial} s: the issuing CA expires at 2030-01-01T00:00:00Z; rotate the CA` : undefined,
      );
    };
    await h.leases.acquire({ key, engine: 'pki', path: 'pki/issue/web', fetch, replaceReason: 'certificate-reissued' } as Spec);
    clipped = true;
    for (let i = 0; i < 3; i += 1) {
      h.clock.t += h.scheduler.delayOf(timer)!;
      h.scheduler.run(timer);
      await flush();
    }
    const warnings = () => h.logger.lines.filter((l) => /^warn .*TTL clipped/.test(l));
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain(key);
    expect(warnings()[0]).toContain('the issuing CA expires at 2030-01-01T00:00:00Z');
    clipped = false;
    h.clock.t += h.scheduler.delayOf(timer)!;
    h.scheduler.run(timer);
    await flush();
    clipped = true;
    h.clock.t += h.scheduler.delayOf(timer)!;
    h.scheduler.run(timer);
    await flush();
    expect(warnings()).toHaveLength(2);
  });

  it("refused: one warning with Vault's reason over the retries, the current certificate kept", async () => {
    const h = leaseHarness({ handle: () => ok(undefined, 204) });
    let serial = 0;
    let refuse = false;
    const fetch = async () => {
      if (refuse)
        throw new VaultRequestError(['common name api.example.com not allowed by this role'], { path: 'pki/issue/web', status: 400 });
      serial += 1;
      return certificate(h.clock, serial);
    };
    await h.leases.acquire({ key, engine: 'pki', path: 'pki/issue/web', fetch, replaceReason: 'certificate-reissued' } as Spec);
    refuse = true;
    for (let i = 0; i < 4; i += 1) {
      const delay = h.scheduler.delayOf(timer);
      if (delay === undefined) break;
      h.clock.t += delay;
      h.scheduler.run(timer);
      await flush();
    }
    const refusals = h.logger.lines.filter((l) => /^warn .*not allowed by this role/.test(l));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain(key);
    expect(h.leases.get<{ certificate: string }>(key)?.data.certificate).toBe('cert-1');
  });
});
