import type { INestApplicationContext } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretsModule, SecretsService, vaultConfigLoader } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { bootApp } from '../support/boot-app.js';
import { until } from '../support/async.js';

let server: VaultTestServer;
let app: INestApplicationContext | undefined;

beforeEach(async () => {
  server = await VaultTestServer.start({ clockMode: 'realtime' });
  await server.admin.kvPut('secret', 'app/database', { password: 'pw-1', host: 'db' });
  await server.admin.kvPut('secret', 'app/kafka/producer', { clientId: 'orders' });
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  await server.stop();
});

describe('vaultConfigLoader', () => {
  it('puts secrets in ConfigService; after a rotation config.get returns the new value and changes$ fired', async () => {
    const vault = { address: server.address, token: server.rootToken, secretsPath: 'secret/app' };
    ({ app } = await bootApp([
      ConfigModule.forRoot({
        isGlobal: true,
        ignoreEnvFile: true,
        load: [vaultConfigLoader({ ...vault, keys: ['database', 'kafka/producer'], prefix: 'vault' })],
      }),
      SecretsModule.forRoot({ ...vault, isGlobal: true }),
    ]));
    const config = app.get(ConfigService);
    expect(config.get('vault.database.password')).toBe('pw-1');
    expect(config.get('vault.kafka.producer.clientId')).toBe('orders');
    const changes: string[] = [];
    config.changes$.subscribe((change) => changes.push(change.path));

    await server.admin.kvPut('secret', 'app/database', { password: 'pw-2', host: 'db' });
    // The operator's write reaches the loader through change detection (or an explicit rotation).
    await app.get(SecretsService).rotateSecret('database');
    await until(() => config.get('vault.database.password') === 'pw-2');
    expect(changes).toContain('vault.database');
    expect(JSON.stringify(config.get('vault.database'))).toContain('pw-2');
  });

  it('fails the boot naming every key it could not read', async () => {
    const error = await bootApp([
      ConfigModule.forRoot({
        ignoreEnvFile: true,
        load: [
          vaultConfigLoader({
            address: server.address,
            token: server.rootToken,
            secretsPath: 'secret/app',
            keys: ['nope', 'database', 'gone'],
          }),
        ],
      }),
    ]).catch((e: unknown) => e);
    expect((error as Error).message).toContain('"nope"');
    expect((error as Error).message).toContain('"gone"');
  });
});
