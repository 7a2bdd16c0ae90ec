import { describe, expect, it } from 'vitest';
import { InvalidSecretKeyError } from '../../lib/index.js';
import { SecretKeyParser } from '../../lib/core/read/secret-key.parser.js';

describe('SecretKeyParser (warm-path memo)', () => {
  it('parses a key once: the same frozen object for every later call', () => {
    const parser = new SecretKeyParser();
    const parsed = parser.parse('kafka/producer');
    expect(parsed).toEqual({ segments: ['kafka', 'producer'], path: 'kafka/producer', latestCacheKey: 'kafka/producer@latest' });
    expect(Object.isFrozen(parsed) && Object.isFrozen(parsed.segments)).toBe(true);
    expect(parser.parse('kafka/producer')).toBe(parsed);
  });

  it('throws InvalidSecretKeyError for a bad key every time and never remembers it', () => {
    const parser = new SecretKeyParser();
    for (const key of ['', '../etc', 'a//b', 'x\u0000']) {
      expect(() => parser.parse(key)).toThrow(InvalidSecretKeyError);
      expect(() => parser.parse(key)).toThrow(InvalidSecretKeyError);
    }
    expect(parser.size).toBe(0);
  });

  it('is bounded: past maxKeys the oldest key is forgotten and parsed again when used', () => {
    const parser = new SecretKeyParser(3);
    const a = parser.parse('a');
    for (const key of ['b', 'c', 'd']) parser.parse(key);
    expect(parser.size).toBe(3);
    const again = parser.parse('a');
    expect(again).not.toBe(a);
    expect(again).toEqual(a);
    expect(parser.size).toBe(3);
  });
});
