import { describe, expect, it } from 'vitest';
import { FallbackEnvError, SecretsErrorCode } from '../../../lib/errors/index.js';
import { EnvFallbackSource, envFallbackVariable } from '../../../lib/fallback/env.fallback.js';
import { expectNoLeak } from '../../support/leak-check.js';

const SECRET = 'env-S3cr3t-value-7d1f';

describe('envFallbackVariable', () => {
  it('upper-cases the key and replaces every non-alphanumeric character by _', () => {
    expect(envFallbackVariable('database')).toBe('SECRETS_DATABASE');
    expect(envFallbackVariable('kafka/producer')).toBe('SECRETS_KAFKA_PRODUCER');
    expect(envFallbackVariable('team a/api-key.v2')).toBe('SECRETS_TEAM_A_API_KEY_V2');
    expect(envFallbackVariable('db', 'APP_')).toBe('APP_DB');
  });
});

describe('EnvFallbackSource', () => {
  it('reads a whole secret from a JSON object', async () => {
    const source = new EnvFallbackSource({ SECRETS_DATABASE: ` {"username":"app","password":"${SECRET}","port":5432} ` });
    expect(await source.load('database')).toEqual({ username: 'app', password: SECRET, port: 5432 });
    expect(source.name).toBe('env');
  });

  it('maps nested keys to one variable', async () => {
    const source = new EnvFallbackSource({ SECRETS_KAFKA_PRODUCER: '{"sasl":"x"}' });
    expect(await source.load('kafka/producer')).toEqual({ sasl: 'x' });
  });

  it('reads single fields with their case kept, as strings', async () => {
    const source = new EnvFallbackSource({
      SECRETS_DATABASE__password: SECRET,
      SECRETS_DATABASE__apiKey: 'k',
      SECRETS_DATABASE__port: '5432',
      SECRETS_DATABASE__empty: '',
      SECRETS_DATABASE_OTHER__x: 'not mine',
      SECRETS_DATABASE__: 'no field name',
    });
    expect(await source.load('database')).toEqual({ password: SECRET, apiKey: 'k', port: '5432', empty: '' });
  });

  it('combines the JSON object and fields, fields overriding', async () => {
    const source = new EnvFallbackSource({
      SECRETS_DATABASE: '{"username":"app","password":"old"}',
      SECRETS_DATABASE__password: SECRET,
    });
    expect(await source.load('database')).toEqual({ username: 'app', password: SECRET });
  });

  it('keeps a field named __proto__ as a plain field', async () => {
    const data = await new EnvFallbackSource({ SECRETS_X____proto__: 'v' }).load('x');
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.keys(data ?? {})).toEqual(['__proto__']);
  });

  it('returns undefined when no variable is set, and treats an empty JSON variable as unset', async () => {
    const source = new EnvFallbackSource({ SECRETS_OTHER: '{}', SECRETS_DATABASE: '  ' });
    expect(await source.load('database')).toBeUndefined();
  });

  it('uses a custom prefix and reads the environment at each load', async () => {
    const env: NodeJS.ProcessEnv = {};
    const source = new EnvFallbackSource(env, 'APP_');
    expect(await source.load('db')).toBeUndefined();
    env.APP_DB__password = SECRET;
    expect(await source.load('db')).toEqual({ password: SECRET });
  });

  it('rejects invalid JSON with a typed error naming the variable, never its content', async () => {
    const source = new EnvFallbackSource({ SECRETS_DATABASE: `{"password": ${SECRET}}` });
    const error = await source.load('database').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FallbackEnvError);
    expect((error as FallbackEnvError).code).toBe(SecretsErrorCode.FallbackEnv);
    expect((error as FallbackEnvError).variable).toBe('SECRETS_DATABASE');
    expect((error as Error).message).toContain('SECRETS_DATABASE');
    expect((error as Error).message).toContain('not valid JSON');
    expectNoLeak(error, [SECRET, 'env-S3cr3t']);
  });

  it('rejects JSON that is not an object', async () => {
    for (const value of [`"${SECRET}"`, `["${SECRET}"]`, 'null', '42']) {
      const error = await new EnvFallbackSource({ SECRETS_API: value }).load('api').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FallbackEnvError);
      expect((error as Error).message).toContain('not a JSON object');
      expectNoLeak(error, [SECRET]);
    }
  });

  it('never shows the environment in JSON', () => {
    expect(JSON.stringify(new EnvFallbackSource({ SECRETS_A: SECRET }))).not.toContain(SECRET);
  });
});
