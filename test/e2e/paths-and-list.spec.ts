import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InjectSecret, InvalidOptionsError, OnSecretRotated, SecretRef, SecretsModule, SecretsService } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { bootApp } from '../support/boot-app.js';

let server: VaultTestServer;
let app: INestApplicationContext | undefined;
const rotated: string[] = [];

@Injectable()
class UsesShared {
  constructor(@InjectSecret('shared:kafka') readonly kafka: SecretRef<{ brokers: string }>) {}

  @OnSecretRotated('shared:kafka')
  onKafka(): void {
    rotated.push('shared:kafka');
  }
}

beforeEach(async () => {
  rotated.length = 0;
  server = await VaultTestServer.start({ clockMode: 'realtime' });
  await server.admin.kvPut('secret', 'app/database', { password: 'app-db' });
  await server.admin.kvPut('secret', 'app/kafka/producer', { clientId: 'p' });
  await server.admin.kvPut('secret', 'app/kafka/consumer', { clientId: 'c' });
  await server.admin.kvPut('secret', 'shared/kafka', { brokers: 'k1:9092' });
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  await server.stop();
});

const root = (extra: Record<string, unknown> = {}) =>
  SecretsModule.forRoot({
    address: server.address,
    token: server.rootToken,
    secretsPath: 'secret/data/app',
    paths: { shared: 'secret/data/shared' },
    isGlobal: true,
    ...extra,
  });

describe('named paths and list()', () => {
  it('reads "shared:kafka" from the named path, injects it, and announces its rotations under that key', async () => {
    ({ app } = await bootApp([root(), SecretsModule.forFeature([{ key: 'shared:kafka' }])], [UsesShared]));
    const secrets = app.get(SecretsService);
    expect(await secrets.fetchSecret('database')).toEqual({ password: 'app-db' });
    expect(await secrets.fetchSecret('shared:kafka')).toEqual({ brokers: 'k1:9092' });
    expect(app.get(UsesShared).kafka.value.brokers).toBe('k1:9092');
    await server.admin.kvPut('secret', 'shared/kafka', { brokers: 'k2:9092' });
    await secrets.rotateSecret('shared:kafka');
    expect(app.get(UsesShared).kafka.value.brokers).toBe('k2:9092');
    expect(rotated).toEqual(['shared:kafka']);
  });

  it('list(prefix) returns keys and folders (KV v2 metadata LIST), never values', async () => {
    ({ app } = await bootApp([root()]));
    const secrets = app.get(SecretsService);
    expect(await secrets.list()).toEqual(['database', 'kafka/']);
    expect(await secrets.list('kafka')).toEqual(['consumer', 'producer']);
    expect(await secrets.list('shared:')).toEqual(['kafka']);
    expect(server.requestCount({ method: 'LIST', path: /metadata/ })).toBe(3);
    expect(server.requestCount({ method: 'GET', path: /\/data\// })).toBe(0);
  });

  it('refuses a malformed path name at boot', async () => {
    const error = await bootApp([root({ paths: { 'bad name': 'secret/x', ok: 'secret//y' } })]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).problems).toEqual([expect.stringContaining('"bad name"'), expect.stringContaining('paths.ok')]);
  });
});
