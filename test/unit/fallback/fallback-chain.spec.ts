import { describe, expect, it } from 'vitest';
import { FallbackEnvError } from '../../../lib/errors/index.js';
import { FallbackChain, type FallbackFailure } from '../../../lib/fallback/fallback-chain.js';
import type { FallbackSource } from '../../../lib/fallback/fallback-source.js';
import { EnvFallbackSource } from '../../../lib/fallback/env.fallback.js';
import { expectNoLeak } from '../../support/leak-check.js';

function memory(name: string, secrets: Record<string, Record<string, unknown>>, calls: string[] = []): FallbackSource {
  return {
    name,
    async load(key) {
      calls.push(`${name}:${key}`);
      return secrets[key] === undefined ? undefined : { ...secrets[key] };
    },
  };
}

function failing(name: string, error: unknown): FallbackSource {
  return {
    name,
    async load() {
      throw error;
    },
  };
}

describe('FallbackChain', () => {
  it('serves from the first source that has the key, in order', async () => {
    const calls: string[] = [];
    const chain = new FallbackChain([memory('a', { x: { v: 'a' } }, calls), memory('b', { x: { v: 'b' }, y: { v: 'b' } }, calls)]);
    expect(await chain.load('x')).toEqual({ data: { v: 'a' }, source: 'a' });
    expect(await chain.load('y')).toEqual({ data: { v: 'b' }, source: 'b' });
    expect(await chain.load('z')).toBeUndefined();
    expect(calls).toEqual(['a:x', 'a:y', 'b:y', 'a:z', 'b:z']);
  });

  it('reports a failing source and asks the next one', async () => {
    const failures: FallbackFailure[] = [];
    const env = new EnvFallbackSource({ SECRETS_DB: '{"password": hunter2-S3cr3t}' });
    const chain = new FallbackChain([env, failing('broken', new Error('disk on fire')), memory('file', { db: { password: 'p' } })], {
      onError: (f) => failures.push(f),
    });
    expect(await chain.load('db')).toEqual({ data: { password: 'p' }, source: 'file' });
    expect(failures.map((f) => [f.source, f.key])).toEqual([
      ['env', 'db'],
      ['broken', 'db'],
    ]);
    expect(failures[0]!.error).toBeInstanceOf(FallbackEnvError);
    expectNoLeak(failures[0]!.error, ['hunter2-S3cr3t']);
    expect(failures[1]!.error.message).toBe('disk on fire');
  });

  it('returns undefined when every source fails, and survives a reporter that throws', async () => {
    const chain = new FallbackChain([failing('x', 'a string'), failing('y', new Error('token=hvs.abcdefghijklmnopqrstuvwxyz'))], {
      onError: (f) => {
        expectNoLeak(f.error, ['hvs.abcdefghijklmnopqrstuvwxyz']);
        throw new Error('reporter broke');
      },
    });
    expect(await chain.load('k')).toBeUndefined();
  });

  it('keeps its sources in the given order', () => {
    const a = memory('a', {});
    const b = memory('b', {});
    expect(new FallbackChain([a, b]).sources).toEqual([a, b]);
  });
});
