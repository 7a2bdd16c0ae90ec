/**
 * The checks of the whole-number, boolean and literal options are generated from OPTIONS_SCHEMA
 * (`applySchemaChecks`); their messages must stay what users were told before (name, bound, unit).
 */
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../lib/index.js';
import { resolveVaultConfig } from '../../lib/core/resolve-vault-config.js';

const BASE = { address: 'http://127.0.0.1:8200', token: 'hvs.test', fallbackEnv: false } as const;

function problemsOf(input: Record<string, unknown>): string[] {
  try {
    resolveVaultConfig({ ...BASE, ...input }, {});
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionsError);
    return [...(error as InvalidOptionsError).problems];
  }
  return [];
}

describe('checks generated from the schema', () => {
  it.each([
    [{ requestTimeoutMs: 0 }, 'requestTimeoutMs must be at least 1 (milliseconds)'],
    [{ requestTimeoutMs: 600_001 }, 'requestTimeoutMs must be at most 600000 (10 minutes)'],
    [{ requestTimeoutMs: 1.5 }, 'requestTimeoutMs must be a whole number of milliseconds, e.g. 10000'],
    [{ maxConcurrentRequests: 2000 }, 'maxConcurrentRequests must be at most 1024'],
    [{ maxRetries: '2' }, 'maxRetries must be a whole number, e.g. 2'],
    [{ maxStalenessMs: -1 }, 'maxStalenessMs must be at least 0 (milliseconds)'],
    [{ cache: { ttlMs: 0 } }, 'cache.ttlMs must be at least 1 (milliseconds); use fetchSecret(key, { refresh: true }) to bypass the cache'],
    [{ leases: { shutdownTimeoutMs: 200_000 } }, 'leases.shutdownTimeoutMs must be at most 120000 (2 minutes)'],
    [{ watch: { intervalMs: 10 } }, 'watch.intervalMs must be at least 100 (milliseconds)'],
    [{ watch: { events: 'yes' } }, 'watch.events must be true or false'],
    [{ verifySsl: 'false' }, 'verifySsl must be true or false'],
    [{ kvVersion: 3 }, "kvVersion must be 1, 2 or 'auto'"],
  ])('%j: %s', (input, message) => {
    expect(problemsOf(input)).toEqual([message]);
  });

  it('lists every problem at once', () => {
    expect(problemsOf({ maxRetries: 11, failFast: 1, cache: { maxEntries: 0 } }).sort()).toEqual([
      'cache.maxEntries must be at least 1',
      'failFast must be true or false',
      'maxRetries must be at most 10',
    ]);
  });
});
