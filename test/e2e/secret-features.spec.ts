import { Inject, Injectable, type INestApplicationContext } from '@nestjs/common';
import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  InjectSecret,
  Rotating,
  SecretFeatureError,
  SecretRef,
  SecretValidationError,
  SecretsModule,
  SecretsService,
  getSecretRefToken,
} from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { bootApp } from '../support/boot-app.js';

class DbSecret {
  @IsString()
  host!: string;

  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;

  @IsString()
  @MinLength(12)
  password!: string;
}

const Kafka = z.object({ brokers: z.string().min(1), clientId: z.string() });

let server: VaultTestServer;
let app: INestApplicationContext | undefined;

beforeEach(async () => {
  server = await VaultTestServer.start({ clockMode: 'realtime' });
  await server.admin.kvPut('secret', 'app/database', { host: 'db.internal', port: '5432', password: 'correct-horse-battery' });
  await server.admin.kvPut('secret', 'app/kafka', { brokers: 'k1:9092', clientId: 'orders' });
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  await server.stop();
});

const root = (extra: Record<string, unknown> = {}) =>
  SecretsModule.forRoot({ address: server.address, token: server.rootToken, secretsPath: 'secret/app', isGlobal: true, ...extra });

describe('typed, validated reads', () => {
  it('fetchSecret(key, { schema }) returns a DTO instance (class-validator) or the zod output, typed', async () => {
    ({ app } = await bootApp([root()]));
    const secrets = app.get(SecretsService);
    const db = await secrets.fetchSecret('database', { schema: DbSecret });
    expect(db).toBeInstanceOf(DbSecret);
    expect(db.port).toBe(5432); // implicit conversion from Vault's string
    const kafka = await secrets.fetchSecret('kafka', { schema: Kafka });
    expect(kafka.clientId).toBe('orders');
  });

  it('lists every failing field and constraint, never a value (DTO and zod)', async () => {
    await server.admin.kvPut('secret', 'app/database', { host: 'db.internal', port: 'not-a-port-xyz', password: 'short-pw' });
    await server.admin.kvPut('secret', 'app/kafka', { brokers: '', clientId: 4242 });
    ({ app } = await bootApp([root()]));
    const secrets = app.get(SecretsService);

    const dto = await secrets.fetchSecret('database', { schema: DbSecret }).catch((e: unknown) => e);
    expect(dto).toBeInstanceOf(SecretValidationError);
    const error = dto as SecretValidationError;
    expect(error.code).toBe('SECRETS_INVALID_SECRET');
    expect(error.issues.map((i) => `${i.field}:${i.constraint}`).sort()).toEqual([
      'password:minLength',
      'port:isInt',
      'port:max',
      'port:min',
    ]);
    const shown = `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`;
    expect(shown).not.toContain('short-pw');
    expect(shown).not.toContain('not-a-port-xyz');

    const zod = (await secrets.fetchSecret('kafka', { schema: Kafka }).catch((e: unknown) => e)) as SecretValidationError;
    expect(zod).toBeInstanceOf(SecretValidationError);
    expect(zod.issues.map((i) => i.field).sort()).toEqual(['brokers', 'clientId']);
    expect(`${zod.message} ${JSON.stringify(zod)}`).not.toContain('4242');
  });
});

@Injectable()
class UsesDatabase {
  constructor(
    @InjectSecret('database') readonly db: SecretRef<DbSecret>,
    @InjectSecret('kafka') readonly kafka: SecretRef<z.infer<typeof Kafka>>,
  ) {}
}

describe('SecretsModule.forFeature and @InjectSecret', () => {
  it('a DTO with a wrong field fails the boot naming the field, not the value', async () => {
    await server.admin.kvPut('secret', 'app/database', { host: 'db.internal', port: '5432', password: 'tiny-pw' });
    const error = await bootApp([root(), SecretsModule.forFeature([{ key: 'database', schema: DbSecret }])]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretValidationError);
    expect((error as Error).message).toContain('password');
    expect((error as Error).message).toContain('minLength');
    expect((error as Error).message).not.toContain('tiny-pw');
  });

  it('lists every missing or invalid secret in one boot error; optional ones do not fail the boot', async () => {
    await server.admin.kvPut('secret', 'app/kafka', { brokers: '' });
    const error = await bootApp([
      root(),
      SecretsModule.forFeature([{ key: 'missing' }, { key: 'kafka', schema: Kafka }, { key: 'maybe', optional: true }]),
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretFeatureError);
    expect((error as SecretFeatureError).failures.map((f) => f.key)).toEqual(['missing', 'kafka']);
  });

  // Found by a new-user trial (issue 22): the boot failed with "Vault is unavailable for auth/token/lookup-self:
  // ECONNREFUSED", naming neither the declared key nor what to do.
  it('Vault down at boot: the error names the declared key, VAULT_ADDR and the fallbacks that let the app boot', async () => {
    const error = await bootApp([
      root({ address: 'http://127.0.0.1:9', connectTimeoutMs: 500 }),
      SecretsModule.forFeature([{ key: 'database' }]),
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretFeatureError);
    const message = (error as Error).message;
    expect(message).toMatch(/^1 declared secret could not be loaded:\n {2}- "database": /);
    expect(message).toContain('VAULT_ADDR');
    expect(message).toContain('fallbackJson');
    expect(message).not.toContain(server.rootToken);
  });

  it('injects live refs: the value follows an operator’s new version with no handler in the app', async () => {
    ({ app } = await bootApp(
      [
        root({ watch: { intervalMs: 100 } }),
        SecretsModule.forFeature([
          { key: 'database', schema: DbSecret },
          { key: 'kafka', schema: Kafka },
        ]),
      ],
      [UsesDatabase],
    ));
    const { db, kafka } = app.get(UsesDatabase);
    expect(db.value).toBeInstanceOf(DbSecret);
    expect(db.value.password).toBe('correct-horse-battery');
    expect(db.version).toBe(1);
    expect(kafka.value.brokers).toBe('k1:9092');
    const seen: Array<number | string | undefined> = [];
    db.subscribe((_value, version) => seen.push(version));
    // The ref's own notification is the event to wait for (the watcher polls every 100 ms of wall time).
    const changed = new Promise<void>((resolve) => {
      const off = db.subscribe(() => {
        off();
        resolve();
      });
    });

    await server.admin.kvPut('secret', 'app/database', { host: 'db.internal', port: '5433', password: 'rotated-password-2' });
    await changed;
    expect(db.value.password).toBe('rotated-password-2');
    expect(db.value.port).toBe(5433);
    expect(db.version).toBe(2);
    expect(seen).toEqual([2]);
    expect(app.get(getSecretRefToken('database'))).toBe(db);
    expect(`${String(db)} ${JSON.stringify(db)}`).not.toContain('rotated-password-2');
  });

  it('keeps the last valid value when a new version does not match the schema', async () => {
    ({ app } = await bootApp([root(), SecretsModule.forFeature([{ key: 'database', schema: DbSecret }])], [UsesDatabaseOnly]));
    const { db } = app.get(UsesDatabaseOnly);
    await server.admin.kvPut('secret', 'app/database', { host: 'db.internal', port: '5432', password: 'x' });
    await app.get(SecretsService).rotateSecret('database');
    expect(db.value.password).toBe('correct-horse-battery');
  });

  it('builds a Rotating resource at boot, rebuilds it on rotation and disposes the old one', async () => {
    const disposed: string[] = [];
    ({ app } = await bootApp(
      [
        root(),
        SecretsModule.forFeature([
          {
            provide: 'KAFKA_CLIENT',
            secret: { key: 'kafka', schema: Kafka },
            build: (value: z.infer<typeof Kafka>) => ({ clientId: value.clientId }),
            dispose: (old: { clientId: string }) => void disposed.push(old.clientId),
          },
        ]),
      ],
      [UsesClient],
    ));
    const client = app.get(UsesClient).client;
    expect(client.current).toEqual({ clientId: 'orders' });
    await server.admin.kvPut('secret', 'app/kafka', { brokers: 'k1:9092', clientId: 'orders-2' });
    await app.get(SecretsService).rotateSecret('kafka');
    expect(client.current).toEqual({ clientId: 'orders-2' });
    expect(client.generation).toBe(2);
    expect(disposed).toEqual(['orders']);
    await app.close();
    app = undefined;
    expect(disposed).toEqual(['orders', 'orders-2']);
  });
});

@Injectable()
class UsesDatabaseOnly {
  constructor(@InjectSecret('database') readonly db: SecretRef<DbSecret>) {}
}

@Injectable()
class UsesClient {
  constructor(@Inject('KAFKA_CLIENT') readonly client: Rotating<{ clientId: string }>) {}
}
