import { describe, expect, it } from 'vitest';
import { VaultUnavailableError } from '../../../lib/errors/vault-unavailable.error.js';
import { classifyFailure } from '../../../lib/core/fault-classifier.js';
import { PATH_BACKOFF_MAX_MS, PathBackoff } from '../../../lib/transport/path-backoff.js';

const t0 = 1_700_000_000_000;

/** A PathBackoff on a clock the test moves, with jitter drawn at `random`. */
function backoff(random = 0.999_999) {
  let now = t0;
  const paths = new PathBackoff(
    () => now,
    () => random,
  );
  return { paths, advance: (ms: number) => (now += ms), now: () => now };
}

const refusal = (paths: PathBackoff, path: string): VaultUnavailableError | undefined => {
  try {
    paths.check(path);
    return undefined;
  } catch (error) {
    return error as VaultUnavailableError;
  }
};

describe('PathBackoff (a path that answered 429)', () => {
  it('refuses only that path, at once, naming the path and when it is called again; a path-scope failure', () => {
    const { paths } = backoff();
    paths.rateLimited('secret/data/app/hot');
    const error = refusal(paths, 'secret/data/app/hot');
    expect(error).toBeInstanceOf(VaultUnavailableError);
    expect(error).toMatchObject({ kind: 'path-backoff', path: 'secret/data/app/hot', status: 429 });
    expect(error?.message).toContain('secret/data/app/hot');
    expect(error?.message).toContain(new Date(t0 + 999).toISOString());
    expect(classifyFailure(error)).toEqual({ scope: 'path' });
    expect(refusal(paths, 'secret/data/app/other')).toBeUndefined();
  });

  it('without Retry-After waits 1 s doubling to a 30 s cap (jittered 50-100 %)', () => {
    const { paths, advance, now } = backoff();
    const waits: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const until = paths.rateLimited('p');
      waits.push(until - now());
      advance(until - now());
      expect(refusal(paths, 'p')).toBeUndefined();
    }
    expect(waits.slice(0, 4)).toEqual([999, 1999, 3999, 7999]);
    expect(Math.max(...waits)).toBeLessThanOrEqual(PATH_BACKOFF_MAX_MS);
    const low = backoff(0);
    expect(low.paths.rateLimited('p') - t0).toBe(500);
  });

  it('honours Retry-After (capped at 30 s), and a success clears the path and its count', () => {
    const { paths, advance } = backoff();
    expect(paths.rateLimited('p', 7) - t0).toBe(7000);
    advance(6999);
    expect(refusal(paths, 'p')).toBeDefined();
    advance(1);
    expect(refusal(paths, 'p')).toBeUndefined();
    expect(paths.rateLimited('q', 3600) - (t0 + 7000)).toBe(PATH_BACKOFF_MAX_MS);
    paths.rateLimited('p');
    paths.succeeded('p');
    expect(refusal(paths, 'p')).toBeUndefined();
    // The count started over: the next 429 waits the first step again.
    const { paths: fresh, now } = backoff();
    fresh.rateLimited('r');
    fresh.succeeded('r');
    expect(fresh.rateLimited('r') - now()).toBe(999);
  });
});
