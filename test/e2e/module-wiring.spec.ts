import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InjectSecret,
  InvalidOptionsError,
  SecretRef,
  SecretsModule,
  SecretsService,
  type SecretsOptionsFactory,
  type VaultConfig,
} from '../../lib/index.js';
import { bootApp } from '../support/boot-app.js';
import { startTestVault, uniqueName, type TestVault } from '../support/test-vault.js';

let vault: TestVault;
let base: string;

beforeAll(async () => {
  vault = await startTestVault();
  base = uniqueName('wiring');
  await vault.admin.kvPut('secret', `${base}/database`, { username: 'app', password: 'wiring-db-password' });
});
afterAll(() => vault.stop());

async function readThrough(imports: Parameters<typeof bootApp>[0]): Promise<Record<string, string>> {
  const { app } = await bootApp(imports);
  try {
    return await app.get(SecretsService).fetchSecret('database');
  } finally {
    await app.close();
  }
}

describe('SecretsModule wiring', () => {
  it('forRoot with a plain options object', async () => {
    const data = await readThrough([
      SecretsModule.forRoot({ address: vault.address, token: vault.rootToken, secretsPath: `secret/data/${base}` }),
    ]);
    expect(data).toEqual({ username: 'app', password: 'wiring-db-password' });
  });

  it('forRootAsync with useFactory and inject', async () => {
    const TOKEN_PROVIDER = 'VAULT_TOKEN_PROVIDER';
    @Module({ providers: [{ provide: TOKEN_PROVIDER, useValue: vault.rootToken }], exports: [TOKEN_PROVIDER] })
    class TokenModule {}
    const data = await readThrough([
      SecretsModule.forRootAsync({
        imports: [TokenModule],
        inject: [TOKEN_PROVIDER],
        useFactory: async (token: string) => ({ address: vault.address, token, secretsPath: `secret/${base}` }),
      }),
    ]);
    expect(data.username).toBe('app');
  });

  it('forRootAsync with useClass', async () => {
    @Injectable()
    class SecretsOptions implements SecretsOptionsFactory {
      createSecretsOptions(): VaultConfig {
        return { address: vault.address, token: vault.rootToken, secretsPath: `secret/${base}` };
      }
    }
    expect((await readThrough([SecretsModule.forRootAsync({ useClass: SecretsOptions })])).username).toBe('app');
  });

  it('forRootAsync with useExisting', async () => {
    @Injectable()
    class SharedOptions implements SecretsOptionsFactory {
      createSecretsOptions(): VaultConfig {
        return { address: vault.address, token: vault.rootToken, secretsPath: `secret/${base}` };
      }
    }
    @Module({ providers: [SharedOptions], exports: [SharedOptions] })
    class OptionsModule {}
    const data = await readThrough([SecretsModule.forRootAsync({ imports: [OptionsModule], useExisting: SharedOptions })]);
    expect(data.username).toBe('app');
  });

  it('forRootAsync with ConfigService', async () => {
    const data = await readThrough([
      SecretsModule.forRootAsync({
        imports: [
          ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ vault: { addr: vault.address, token: vault.rootToken } })] }),
        ],
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({
          address: config.getOrThrow<string>('vault.addr'),
          token: config.getOrThrow<string>('vault.token'),
          secretsPath: `secret/data/${base}`,
        }),
      }),
    ]);
    expect(data.password).toBe('wiring-db-password');
  });

  it('forRootAsync with registerAs().asProvider() and isGlobal', async () => {
    const secretsConfig = registerAs('secrets', (): VaultConfig => ({
      address: vault.address,
      token: vault.rootToken,
      secretsPath: `secret/${base}`,
    }));
    @Injectable()
    class Consumer {
      constructor(readonly secrets: SecretsService) {}
    }
    @Module({ providers: [Consumer], exports: [Consumer] })
    class FeatureModule {}
    const { app } = await bootApp([
      ConfigModule.forRoot({ ignoreEnvFile: true }),
      SecretsModule.forRootAsync({ ...secretsConfig.asProvider(), isGlobal: true }),
      FeatureModule,
    ]);
    try {
      expect((await app.get(Consumer).secrets.fetchSecret('database')).username).toBe('app');
    } finally {
      await app.close();
    }
  });

  it('fails at boot with one InvalidOptionsError listing every problem', async () => {
    const boot = bootApp([
      SecretsModule.forRootAsync({
        useFactory: () => ({ address: 'vault:8200', token: '', secretsPath: 'secret/../x', kvVersion: 7 as unknown as 2 }),
      }),
    ]);
    const error = await boot.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidOptionsError);
    const problems = (error as InvalidOptionsError).problems;
    expect(problems.length).toBeGreaterThanOrEqual(4);
    expect((error as InvalidOptionsError).message).toMatch(/address .*URL|address must use/);
    expect((error as InvalidOptionsError).message).toContain('kvVersion');
    expect((error as InvalidOptionsError).message).toContain('secretsPath');
    expect((error as InvalidOptionsError).message).toContain('token');
  });

  it('forFeature in a feature module works without isGlobal (the root module is not global)', async () => {
    @Injectable()
    class Repository {
      constructor(@InjectSecret('database') readonly db: SecretRef<{ password: string }>) {}
    }
    @Module({ imports: [SecretsModule.forFeature([{ key: 'database' }])], providers: [Repository], exports: [Repository] })
    class RepositoryModule {}
    const { app } = await bootApp([
      SecretsModule.forRoot({ address: vault.address, token: vault.rootToken, secretsPath: `secret/${base}` }),
      RepositoryModule,
    ]);
    try {
      expect(app.get(Repository).db.value.password).toBe('wiring-db-password');
      // The module that imports SecretsModule still gets SecretsService itself.
      expect(await app.get(SecretsService).fetchSecret('database')).toMatchObject({ username: 'app' });
    } finally {
      await app.close();
    }
  });

  it('forFeature with no SecretsModule.forRoot for its Vault: the boot error says to import it and names the Vault and keys', async () => {
    const missingDefault = await bootApp([SecretsModule.forFeature([{ key: 'database' }, { key: 'kafka/producer' }])]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(missingDefault).toBeInstanceOf(InvalidOptionsError);
    const message = (missingDefault as Error).message;
    expect(message).toContain('import SecretsModule.forRoot(...) (or forRootAsync) first');
    expect(message).toContain('the default Vault');
    expect(message).toContain('"database"');
    expect(message).toContain('"kafka/producer"');
    expect(message).not.toMatch(/SecretsFeatureModule|index \[0\]/);

    // The default Vault is there, the named one is not.
    const missingNamed = await bootApp([
      SecretsModule.forRoot({ address: vault.address, token: vault.rootToken, secretsPath: `secret/${base}` }),
      SecretsModule.forFeature([{ key: 'stripe' }], 'billing'),
    ]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(missingNamed).toBeInstanceOf(InvalidOptionsError);
    expect((missingNamed as Error).message).toContain('import SecretsModule.forRoot(...) (or forRootAsync) first');
    expect((missingNamed as Error).message).toContain('"billing"');
    expect((missingNamed as Error).message).toContain('"stripe"');
  });
});
