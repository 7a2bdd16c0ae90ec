import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  FallbackFileError,
  SecretsEvents,
  SecretsManager,
  SecretsModule,
  SecretsService,
  VaultUnavailableError,
  type SecretRotatedEvent,
} from '../../lib/index.js';
import { FallbackUsedEvent } from '../../lib/events/fallback-used.event.js';
import { encryptFallback } from '../../lib/fallback/encrypted-file.js';
import { generateFallbackKey } from '../../lib/fallback/fallback-key.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { supervisorOf } from '../support/core-harness.js';
import { bootApp } from '../support/boot-app.js';

const DOWN = 'http://127.0.0.1:9'; // discard port: connection refused
const dir = mkdtempSync(join(tmpdir(), 'fallback-'));
const KEY = generateFallbackKey();
const envBackup = { ...process.env };

afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in envBackup)) delete process.env[name];
});

async function encryptedFile(name: string, data: Record<string, Record<string, unknown>>): Promise<string> {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(await encryptFallback(data, KEY)), { mode: 0o600 });
  return file;
}

function manager(options: Record<string, unknown>): SecretsManager {
  return new SecretsManager({
    address: DOWN,
    token: 'hvs.fallbacktesttoken000000000000',
    secretsPath: 'secret/app',
    requestTimeoutMs: 500,
    watch: { enabled: false },
    ...options,
  });
}

describe('booting with Vault down', () => {
  it('serves from environment variables, emitting secrets.fallback.used and reporting degraded', async () => {
    process.env.SECRETS_DATABASE = JSON.stringify({ username: 'env-user', password: 'env-pass' });
    process.env.SECRETS_KAFKA_PRODUCER__password = 'kafka-env';
    const used: FallbackUsedEvent[] = [];
    const m = manager({});
    m.on(SecretsEvents.FallbackUsed, (e) => void used.push(e as FallbackUsedEvent));
    await m.start();
    expect(await m.fetchSecret('database')).toEqual({ username: 'env-user', password: 'env-pass' });
    expect(await m.fetchSecret('kafka/producer')).toEqual({ password: 'kafka-env' });
    expect(used.map((e) => [e.key, e.source, e.cause])).toEqual([
      ['database', 'env', 'SECRETS_VAULT_UNAVAILABLE'],
      ['kafka/producer', 'env', 'SECRETS_VAULT_UNAVAILABLE'],
    ]);
    expect(m.status()).toMatchObject({ vault: 'down', degraded: true, fallbackKeys: { database: 'env', 'kafka/producer': 'env' } });
    await expect(m.fetchSecret('absent')).rejects.toBeInstanceOf(VaultUnavailableError);
    await m.close();
  });

  it('serves from the encrypted file when the env has nothing', async () => {
    const file = await encryptedFile('ok.enc.json', { database: { password: 'from-file' } });
    process.env.TEST_FALLBACK_KEY = KEY;
    const m = await manager({ fallbackJson: { path: file, keyEnv: 'TEST_FALLBACK_KEY' } }).start();
    expect(await m.fetchSecret('database')).toEqual({ password: 'from-file' });
    expect(m.status().fallbackKeys).toEqual({ database: 'encrypted-file' });
    await m.close();
  });

  it('fails the boot with failFast when a watched key cannot be served', async () => {
    process.env.SECRETS_DATABASE = '{"password":"x"}';
    const error = await manager({ failFast: true, watch: { enabled: false, keys: ['database', 'stripe'] } })
      .start()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultUnavailableError);
    expect((error as Error).message).toContain('failFast is set and no fallback can serve "stripe"');
    const ok = await manager({ failFast: true, watch: { enabled: false, keys: ['database'] } }).start();
    await ok.close();
  });

  it('refuses to boot on a wrong key or a tampered file, with a typed error and no plaintext', async () => {
    const file = await encryptedFile('tamper.enc.json', { database: { password: 'tamper-secret' } });
    process.env.TEST_FALLBACK_KEY = generateFallbackKey();
    const wrongKey = await manager({ fallbackJson: { path: file, keyEnv: 'TEST_FALLBACK_KEY' } })
      .start()
      .catch((e: unknown) => e);
    expect(wrongKey).toBeInstanceOf(FallbackFileError);
    expect((wrongKey as FallbackFileError).reason).toBe('wrong-key-or-tampered');

    const envelope = JSON.parse(readFileSync(file, 'utf8')) as { ciphertext: string };
    const bytes = Buffer.from(envelope.ciphertext, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    writeFileSync(file, JSON.stringify({ ...envelope, ciphertext: bytes.toString('base64') }), { mode: 0o600 });
    process.env.TEST_FALLBACK_KEY = KEY;
    const tampered = await manager({ fallbackJson: { path: file, keyEnv: 'TEST_FALLBACK_KEY' } })
      .start()
      .catch((e: unknown) => e);
    expect(tampered).toBeInstanceOf(FallbackFileError);
    expect(String((tampered as Error).message)).not.toContain('tamper-secret');
  });

  it('warns when the fallback file is readable by group or others', async () => {
    const file = await encryptedFile('open.enc.json', { database: { password: 'p' } });
    chmodSync(file, 0o644);
    process.env.TEST_FALLBACK_KEY = KEY;
    const warnings: string[] = [];
    const logger = { log: () => undefined, error: () => undefined, warn: (m: unknown) => void warnings.push(String(m)) };
    const m = await new SecretsManager(
      {
        address: DOWN,
        token: 'hvs.fallbacktesttoken000000000000',
        requestTimeoutMs: 500,
        fallbackJson: { path: file, keyEnv: 'TEST_FALLBACK_KEY' },
      },
      { logger },
    ).start();
    expect(warnings.join('\n')).toContain(`chmod 600 ${file}`);
    await m.close();
  });
});

describe('an outage after boot', () => {
  let server: VaultTestServer;
  beforeAll(async () => {
    server = await VaultTestServer.start();
  });
  afterAll(() => server.stop());

  it('serves the last good value while sealed, then switches back and announces the change', async () => {
    await server.admin.kvPut('secret', 'outage/config', { feature: 'v1' });
    const { app } = await bootApp([
      EventEmitterModule.forRoot(),
      SecretsModule.forRoot({
        address: server.address,
        token: server.rootToken,
        secretsPath: 'secret/outage',
        cache: { ttlMs: 1 },
        watch: { enabled: false },
      }),
    ]);
    const secrets = app.get(SecretsService);
    const emitter = app.get(EventEmitter2);
    const events: string[] = [];
    const rotations: SecretRotatedEvent[] = [];
    emitter.onAny((name: string | string[]) => void events.push(String(name)));
    emitter.on(SecretsEvents.Rotated, (e: SecretRotatedEvent) => void rotations.push(e));
    expect(await secrets.fetchSecret('config', { refresh: true })).toEqual({ feature: 'v1' });

    server.seal();
    expect(await secrets.fetchSecret('config', { refresh: true })).toEqual({ feature: 'v1' });
    expect(secrets.status()).toMatchObject({ vault: 'down', degraded: true, fallbackKeys: { config: 'stale-cache' } });
    server.unseal();
    await server.admin.kvPut('secret', 'outage/config', { feature: 'v2' });

    // No read by the app: the supervisor's attempt (run now instead of at its planned time) re-reads the key.
    await supervisorOf(secrets).attemptNow();
    expect(secrets.status()).toMatchObject({ state: 'ready', vault: 'up', degraded: false, fallbackKeys: {} });
    expect(await secrets.fetchSecret('config')).toEqual({ feature: 'v2' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(
      expect.arrayContaining([SecretsEvents.VaultUnavailable, SecretsEvents.FallbackUsed, SecretsEvents.VaultRecovered]),
    );
    expect(rotations.map((r) => [r.key, r.reason])).toEqual([['config', 'recovered']]);
    await app.close();
  });

  it('falls back on 404 only for keys the app opted in with fallbackKeys', async () => {
    process.env.SECRETS_FLAGS = '{"beta":"on"}';
    process.env.SECRETS_OTHER = '{"x":"1"}';
    const m = await new SecretsManager({
      address: server.address,
      token: server.rootToken,
      secretsPath: 'secret/outage',
      watch: { enabled: false },
      fallbackKeys: ['flags'],
    }).start();
    expect(await m.fetchSecret('flags')).toEqual({ beta: 'on' });
    await expect(m.fetchSecret('other')).rejects.toMatchObject({ code: 'SECRETS_NOT_FOUND' });
    expect(m.status()).toMatchObject({ vault: 'up', fallbackKeys: { flags: 'env' } });
    await m.close();
  });

  it('never falls back on permission denied or not found', async () => {
    process.env.SECRETS_MISSING = '{"x":"from-env"}';
    const m = await new SecretsManager({
      address: server.address,
      token: server.rootToken,
      secretsPath: 'secret/outage',
      watch: { enabled: false },
    }).start();
    await expect(m.fetchSecret('missing')).rejects.toMatchObject({ code: 'SECRETS_NOT_FOUND' });
    await m.close();
  });
});
