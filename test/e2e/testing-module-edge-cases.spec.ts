/**
 * SecretsTestingModule / InMemoryVault attacks.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { OnSecretRotated, SecretNotFoundError, SecretsService, type SecretRotatedEvent } from '../../lib/index.js';
import { SecretsTesting, SecretsTestingModule, type SecretsTestingOptions } from '../../lib/testing/index.js';

let moduleRef: TestingModule | undefined;
afterEach(async () => {
  await moduleRef?.close();
  moduleRef = undefined;
});

async function make(options: SecretsTestingOptions, providers: Array<new (...a: never[]) => unknown> = []) {
  moduleRef = await Test.createTestingModule({
    imports: [EventEmitterModule.forRoot(), SecretsTestingModule.forRoot(options)],
    providers,
  }).compile();
  await moduleRef.init();
  return { secrets: moduleRef.get(SecretsService), testing: moduleRef.get(SecretsTesting) };
}

const rotated: SecretRotatedEvent[] = [];
@Injectable()
class Listener {
  @OnSecretRotated()
  any(e: SecretRotatedEvent): void {
    rotated.push(e);
  }
}

@Injectable()
class CustomKeyDb implements OnModuleInit {
  user = '';
  constructor(private readonly secrets: SecretsService) {}
  async onModuleInit(): Promise<void> {
    this.user = (await this.secrets.fetchDynamicDbCreds('app', { key: 'primary-db' })).username;
  }
  @OnSecretRotated('primary-db')
  swap(e: SecretRotatedEvent): void {
    this.user = e.secret<{ username: string }>().username;
  }
}

describe('SecretsTestingModule', () => {
  it('rotate() of an unknown KV key creates it as version 1 and announces it', async () => {
    rotated.length = 0;
    const { secrets, testing } = await make({ secrets: {} }, [Listener]);
    expect(await testing.rotate('brand-new', { v: '1' })).toEqual({ v: '1' });
    expect(await secrets.fetchSecret('brand-new')).toEqual({ v: '1' });
    expect(rotated.map((r) => [r.key, r.currentVersion])).toEqual([['brand-new', 1]]);
  });

  it('regression: rotate() of a dynamic-credentials key the app has not fetched yet throws SecretNotFoundError', async () => {
    const { secrets, testing } = await make({ secrets: {} });
    const result = await testing.rotate('database/creds/app', { username: 'v2', password: 'p2' }).catch((e: unknown) => e);
    expect(result).not.toBeInstanceOf(SecretNotFoundError);
    expect((await secrets.fetchDynamicDbCreds('app')).username).toBe('v2');
  });

  it('regression: rotate() with a custom rotation key (fetchDynamicDbCreds(role, { key })) re-announces the OLD credentials', async () => {
    const { testing } = await make({ secrets: { 'database/creds/app': { username: 'v1', password: 'p1' } } }, [CustomKeyDb]);
    const db = moduleRef!.get(CustomKeyDb);
    expect(db.user).toBe('v1');
    await testing.rotate('primary-db', { username: 'v2', password: 'p2' });
    expect(db.user).toBe('v2');
  });

  it('regression: a KV key with a "creds" / "issue" segment is swallowed as a dynamic secret and cannot be read', async () => {
    const { secrets } = await make({ secrets: { 'payments/creds/stripe': { apiKey: 'sk_test' }, 'web/issue/tracker': { token: 't' } } });
    expect(await secrets.fetchSecret('payments/creds/stripe')).toEqual({ apiKey: 'sk_test' });
    expect(await secrets.fetchSecret('web/issue/tracker')).toEqual({ token: 't' });
  });

  it('getAllSecrets with nested folders under secret/data/app; a deleted key is left out', async () => {
    const { secrets, testing } = await make({
      secretsPath: 'secret/data/app',
      secrets: { a: { x: '1' }, 'b/c': { y: '2' }, 'b/d/e': { z: '3' }, 'b/d/f': { w: '4' }, gone: { q: '5' } },
    });
    testing.vault.delete('gone');
    expect(await secrets.getAllSecrets()).toEqual({ a: { x: '1' }, 'b/c': { y: '2' }, 'b/d/e': { z: '3' }, 'b/d/f': { w: '4' } });
    await expect(secrets.fetchSecret('gone')).rejects.toMatchObject({ code: 'SECRETS_NOT_FOUND', reason: 'deleted' });
  });

  it('versions, describeSecret and fetchSecret({ version })', async () => {
    const { secrets, testing } = await make({ secrets: { cfg: { v: '1' } } });
    await testing.rotate('cfg', { v: '2' });
    await testing.rotate('cfg', { v: '3' });
    expect(await secrets.fetchSecret('cfg', { version: 1 })).toEqual({ v: '1' });
    expect(await secrets.fetchSecret('cfg', { version: 2 })).toEqual({ v: '2' });
    expect(await secrets.fetchSecret('cfg')).toEqual({ v: '3' });
    await expect(secrets.fetchSecret('cfg', { version: 99 })).rejects.toBeInstanceOf(SecretNotFoundError);
    const d = await secrets.describeSecret('cfg');
    expect(d).toMatchObject({ key: 'cfg', mount: 'secret', path: 'cfg', kvVersion: 2, currentVersion: 3, oldestVersion: 1 });
    expect(Object.keys(d.versions ?? {}).map(Number)).toEqual([1, 2, 3]);
    expect(JSON.stringify(d)).not.toContain('"v"');
  });
});
