import { inspect } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretsModule, SecretsService, vaultConfigLoader } from '../../lib/index.js';
import { VaultAdmin, VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
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

  it('keeps the values out of util.inspect and JSON.stringify of ConfigService, before and after a rotation; config.get still reads them', async () => {
    const vault = { address: server.address, token: server.rootToken, secretsPath: 'secret/app' };
    ({ app } = await bootApp([
      ConfigModule.forRoot({
        isGlobal: true,
        ignoreEnvFile: true,
        load: [vaultConfigLoader({ ...vault, keys: ['database', 'kafka/producer'] })],
      }),
      SecretsModule.forRoot({ ...vault, isGlobal: true }),
    ]));
    const config = app.get(ConfigService);
    const shown = (): string[] => [
      inspect(config, { depth: Infinity }),
      inspect(config, { depth: Infinity, showHidden: true }),
      JSON.stringify(config),
      String(config.get('vault')),
      inspect(config.get('vault'), { depth: Infinity }),
      JSON.stringify(config.get('vault')),
    ];
    for (const text of shown()) {
      expect(text).not.toContain('pw-1');
      expect(text).not.toContain('orders');
    }
    expect(inspect(config)).toContain('[Vault secrets: database, kafka/producer]');
    expect(config.get('vault.database.password')).toBe('pw-1');
    expect(config.get('vault.kafka.producer.clientId')).toBe('orders');
    expect(config.get<{ host: string }>('vault.database')).toEqual({ password: 'pw-1', host: 'db' });

    await server.admin.kvPut('secret', 'app/database', { password: 'pw-2', host: 'db' });
    await app.get(SecretsService).rotateSecret('database');
    await until(() => config.get('vault.database.password') === 'pw-2');
    for (const text of shown()) expect(text).not.toMatch(/pw-[12]/);
  });

  it('a loader on another namespace and token never shares with the module: the module neither adopts nor overwrites its values', async () => {
    const tokenIn = async (namespace: string): Promise<string> =>
      (await new VaultAdmin(server.address, server.rootToken, { namespace }).createToken({ policies: ['root'] })).client_token;
    const same = { address: server.address, secretsPath: 'secret/app', watch: { enabled: false } };
    const loader = { ...same, namespace: 'team-a', token: await tokenIn('team-a') };
    const module = { ...same, namespace: 'team-b', token: await tokenIn('team-b') };
    server.clearRequests();
    ({ app } = await bootApp([
      ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [vaultConfigLoader({ ...loader, keys: ['database'] })] }),
      SecretsModule.forRoot({ ...module, isGlobal: true }),
    ]));
    const config = app.get(ConfigService);
    expect(config.get('vault.database.password')).toBe('pw-1');
    const reads = (namespace: string) => server.requests.filter((r) => r.path === 'secret/data/app/database' && r.namespace === namespace);
    expect(reads('team-a/')).toHaveLength(1);
    // The module (team-b) did not read the loader's keys to take them over.
    expect(reads('team-b/')).toEqual([]);

    // What the module sees in team-b never lands in the loader's values.
    await server.admin.kvPut('secret', 'app/database', { password: 'pw-2', host: 'db' });
    expect(await app.get(SecretsService).rotateSecret('database')).toMatchObject({ password: 'pw-2' });
    expect(config.get('vault.database.password')).toBe('pw-1');
  });
});
