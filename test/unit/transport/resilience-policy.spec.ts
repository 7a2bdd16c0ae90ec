import { describe, expect, it } from 'vitest';
import { VaultUnavailableError } from '../../../lib/errors/vault-unavailable.error.js';
import { BREAKER_CONSECUTIVE_FAILURES, ResiliencePolicy } from '../../../lib/transport/resilience-policy.js';

const PATH = 'secret/data/app/db';
const outage = (): Promise<never> => Promise.reject(new VaultUnavailableError('connection refused', { path: PATH, kind: 'network' }));
const ok = (): Promise<string> => Promise.resolve('ok');

/** The outcome of one non-idempotent call (no retries, no timers): the value or the error. */
async function outcome(policy: ResiliencePolicy, call: () => Promise<string>): Promise<unknown> {
  return policy.execute(call, false, PATH).then(
    (value) => value,
    (error: unknown) => error,
  );
}

describe('ResiliencePolicy (the happy path outside cockatiel, failures under it)', () => {
  it('opens the mount circuit after consecutive failures: the next call is refused without being made', async () => {
    const policy = new ResiliencePolicy(0);
    for (let i = 0; i < BREAKER_CONSECUTIVE_FAILURES; i++) await outcome(policy, outage);
    let called = false;
    const refused = await outcome(policy, () => {
      called = true;
      return ok();
    });
    expect(called).toBe(false);
    expect(refused).toBeInstanceOf(VaultUnavailableError);
    expect((refused as VaultUnavailableError).kind).toBe('circuit-open');
  });

  it('a success between failures resets the count', async () => {
    const policy = new ResiliencePolicy(0);
    for (let i = 0; i < BREAKER_CONSECUTIVE_FAILURES - 1; i++) await outcome(policy, outage);
    expect(await outcome(policy, ok)).toBe('ok');
    for (let i = 0; i < BREAKER_CONSECUTIVE_FAILURES - 1; i++) await outcome(policy, outage);
    expect(await outcome(policy, ok)).toBe('ok');
  });

  it('a success that started before failures were counted still resets the count', async () => {
    const policy = new ResiliencePolicy(0);
    let finish = (): void => undefined;
    // Starts on the happy path (nothing counted yet), settles after four failures.
    const slow = policy.execute(() => new Promise<string>((resolve) => (finish = () => resolve('slow'))), false, PATH);
    for (let i = 0; i < BREAKER_CONSECUTIVE_FAILURES - 1; i++) await outcome(policy, outage);
    finish();
    expect(await slow).toBe('slow');
    for (let i = 0; i < BREAKER_CONSECUTIVE_FAILURES - 1; i++) await outcome(policy, outage);
    expect(await outcome(policy, ok)).toBe('ok');
  });

  it('an answer that is no outage (a 404) is thrown as is and never counted', async () => {
    const policy = new ResiliencePolicy(0);
    const notFound = new Error('not found');
    for (let i = 0; i < BREAKER_CONSECUTIVE_FAILURES + 1; i++) expect(await outcome(policy, () => Promise.reject(notFound))).toBe(notFound);
    expect(await outcome(policy, ok)).toBe('ok');
  });
});
