import { Injectable, Module, type INestApplicationContext, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  InvalidOptionsError,
  OnSecretRotated,
  RotationConflictError,
  SecretRotatedEvent,
  SecretsEvents,
  SecretsManager,
  SecretsModule,
  SecretsService,
  type VaultConfig,
} from '../../lib/index.js';
import { SecretDeletedEvent } from '../../lib/events/secret-deleted.event.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { bootApp } from '../support/boot-app.js';
import { until } from '../support/async.js';
import { untilOnlyModuleTimers } from '../support/release-idle-connections.js';
import type { CapturingLogger } from '../support/capture-logs.js';

let server: VaultTestServer;
let app: INestApplicationContext | undefined;
const calls: Array<{ handler: string; event: SecretRotatedEvent }> = [];

@Injectable()
class ConfigListener {
  @OnSecretRotated('config')
  onConfig(event: SecretRotatedEvent): void {
    calls.push({ handler: 'config', event });
  }

  @OnSecretRotated()
  onAny(event: SecretRotatedEvent): void {
    calls.push({ handler: 'any', event });
  }

  @OnEvent('app.custom')
  @OnSecretRotated(['api-key', 'config'])
  onStacked(event: SecretRotatedEvent | { custom: true }): void {
    if ('custom' in event) calls.push({ handler: 'custom', event: undefined as unknown as SecretRotatedEvent });
    else calls.push({ handler: 'stacked', event });
  }
}

@Injectable()
class ThrowingListener {
  @OnSecretRotated('config')
  explode(): never {
    throw new Error('handler exploded');
  }
}

beforeEach(async () => {
  calls.length = 0;
  server = await VaultTestServer.start({ clockMode: 'realtime' });
  await server.admin.kvPut('secret', 'app/config', { feature: 'v1' });
  await server.admin.kvPut('secret', 'app/api-key', { value: 'key-1' });
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  await server.stop();
  vi.useRealTimers();
});

async function boot(
  options: Partial<VaultConfig> = {},
  providers: Array<new (...args: never[]) => unknown> = [ConfigListener],
): Promise<SecretsService> {
  const booted = await bootApp(
    [
      ScheduleModule.forRoot(),
      EventEmitterModule.forRoot(),
      SecretsModule.forRoot({ address: server.address, token: server.rootToken, secretsPath: 'secret/app', ...options }),
    ],
    providers,
  );
  app = booted.app;
  logs = booted.logs;
  return app.get(SecretsService);
}

let logs: CapturingLogger | undefined;
const lastLogs = (): CapturingLogger => logs!;
const subscribedLogged = (): boolean => logs?.text.includes('Subscribed to Vault KV change events') ?? false;

const of = (handler: string): SecretRotatedEvent[] => calls.filter((c) => c.handler === handler).map((c) => c.event);

describe('KV change detection', () => {
  it('delivers an operator’s new version to the handler exactly once, within one poll interval', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const secrets = await boot({ watch: { intervalMs: 5000 } });
    expect(await secrets.fetchSecret('config')).toEqual({ feature: 'v1' });
    await server.admin.kvPut('secret', 'app/config', { feature: 'v2' });
    const registry = app!.get(SchedulerRegistry);
    const poll = async (): Promise<void> => {
      await untilOnlyModuleTimers(app!);
      await vi.advanceTimersByTimeAsync(5000);
      await until(() => registry.getTimeouts().includes('secrets:kv-watch'));
    };
    await poll();
    await until(() => of('config').length === 1);
    const event = of('config')[0]!;
    expect(event).toMatchObject({ key: 'config', engine: 'kv', reason: 'version-changed', previousVersion: 1, currentVersion: 2 });
    expect(event.secret()).toEqual({ feature: 'v2' });
    expect(await secrets.fetchSecret('config')).toEqual({ feature: 'v2' });
    await poll();
    await poll();
    expect(of('config')).toHaveLength(1);
    expect(of('any')).toHaveLength(1);
    expect(of('stacked')).toHaveLength(1);
  });

  it('announces a deleted latest version as secrets.deleted and drops the cached value', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const secrets = await boot({ watch: { intervalMs: 1000 } });
    const deleted: SecretDeletedEvent[] = [];
    app!.get(EventEmitter2).on(SecretsEvents.Deleted, (e: SecretDeletedEvent) => deleted.push(e));
    await secrets.fetchSecret('api-key');
    await server.admin.kvDeleteLatest('secret', 'app/api-key');
    await untilOnlyModuleTimers(app!);
    await vi.advanceTimersByTimeAsync(1000);
    await until(() => deleted.length === 1);
    expect(deleted[0]).toMatchObject({ key: 'api-key', reason: 'deleted', version: 1 });
    server.clearRequests();
    await expect(secrets.fetchSecret('api-key')).rejects.toMatchObject({ reason: 'deleted' });
    expect(server.requestCount({ path: 'secret/data/app/api-key' })).toBe(1);
  });
});

describe('rotateSecret', () => {
  it('writes the generator’s value as version n+1 with check-and-set, then notifies', async () => {
    let n = 1;
    const secrets = await boot({ rotation: { 'api-key': () => ({ value: `key-${++n}` }) } });
    server.clearRequests();
    const result = await secrets.rotateSecret('api-key');
    expect(result).toEqual({ value: 'key-2' });
    expect(await secrets.describeSecret('api-key')).toMatchObject({ currentVersion: 2 });
    const [event] = of('stacked');
    expect(event).toMatchObject({ key: 'api-key', reason: 'manual', previousVersion: undefined, currentVersion: 2 });
    const writes = server.requests.filter((r) => r.method !== 'GET' && r.path === 'secret/data/app/api-key');
    expect(writes).toHaveLength(1);
  });

  it('reports a check-and-set conflict as RotationConflictError and loses no write', async () => {
    const secrets = await boot({
      rotation: {
        'api-key': async () => {
          await server.admin.kvPut('secret', 'app/api-key', { value: 'written-by-operator' });
          return { value: 'from-generator' };
        },
      },
    });
    await expect(secrets.rotateSecret('api-key')).rejects.toBeInstanceOf(RotationConflictError);
    expect(await secrets.fetchSecret('api-key', { refresh: true })).toEqual({ value: 'written-by-operator' });
    expect(of('stacked')).toHaveLength(0);
  });

  it('re-reads a KV key without a generator, bypassing the cache', async () => {
    const secrets = await boot();
    await secrets.fetchSecret('config');
    await server.admin.kvPut('secret', 'app/config', { feature: 'v2' });
    expect(await secrets.rotateSecret('config')).toEqual({ feature: 'v2' });
    expect(of('config')[0]).toMatchObject({ reason: 'manual', previousVersion: 1, currentVersion: 2 });
  });
});

describe('handlers', () => {
  it('keeps calling the other handlers when one throws, and reports it in the outcome', async () => {
    const onRotate = vi.fn();
    const secrets = await boot({ onRotate }, [ConfigListener, ThrowingListener]);
    await secrets.rotateSecret('config');
    expect(of('config')).toHaveLength(1);
    expect(of('any')).toHaveLength(1);
    expect(onRotate).toHaveBeenCalledOnce();
    expect(onRotate.mock.calls[0]![0]).toBe('config');
    expect(onRotate.mock.calls[0]![1]).toEqual({ feature: 'v1' });
    expect(of('config')[0]!.outcome).toEqual({ handlers: 5, failed: 1, timedOut: false });
  });

  it('still fires an @OnEvent stacked on the same method', async () => {
    await boot();
    await app!.get(EventEmitter2).emitAsync('app.custom', { custom: true });
    expect(of('custom')).toHaveLength(1);
  });

  it('never shows the secret in the event’s toString, JSON or inspect', async () => {
    const secrets = await boot();
    await secrets.rotateSecret('api-key');
    const event = of('stacked')[0]!;
    const { inspect } = await import('node:util');
    for (const text of [String(event), JSON.stringify(event), inspect(event, { depth: 10, showHidden: true })])
      expect(text).not.toContain('key-1');
    expect(event.secret()).toEqual({ value: 'key-1' });
  });

  it('delivers rotations that happen during boot once listeners are attached', async () => {
    @Injectable()
    class RotatesAtBoot implements OnModuleInit {
      constructor(private readonly secrets: SecretsService) {}
      async onModuleInit(): Promise<void> {
        await this.secrets.fetchSecret('config');
        void this.secrets.rotateSecret('config');
      }
    }
    await boot({}, [ConfigListener, RotatesAtBoot]);
    await until(() => of('config').length === 1);
    expect(of('config')[0]!.reason).toBe('manual');
  });
});

describe('boot checks', () => {
  it('refuses a handler whose key no configuration can produce', async () => {
    @Injectable()
    class BadKey {
      @OnSecretRotated('database//creds')
      handle(): void {}
    }
    @Injectable()
    class UnknownEngine {
      @OnSecretRotated('nosuchengine:thing')
      handle(): void {}
    }
    const error = await boot({}, [BadKey, UnknownEngine]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).problems).toEqual([
      expect.stringContaining('@OnSecretRotated("database//creds") on BadKey.handle'),
      expect.stringContaining('engine "nosuchengine"'),
    ]);
  });
});

describe('handlers without the event bus', () => {
  it('runs @OnSecretRotated handlers in an app without EventEmitterModule or ScheduleModule', async () => {
    @Module({ providers: [ConfigListener] })
    class Feature {}
    const booted = await bootApp([
      SecretsModule.forRoot({ address: server.address, token: server.rootToken, secretsPath: 'secret/app' }),
      Feature,
    ]);
    app = booted.app;
    await server.admin.kvPut('secret', 'app/config', { feature: 'v2' });
    const event = await app.get(SecretsService).rotateSecret('config');
    expect(event).toEqual({ feature: 'v2' });
    expect(of('config')).toHaveLength(1);
    expect(of('config')[0]!.secret()).toEqual({ feature: 'v2' });
    expect(of('any')).toHaveLength(1);
    expect(of('stacked')).toHaveLength(1);
  });

  it('with EventEmitterModule: handlers run once and EventEmitter2 still receives every rotation', async () => {
    const service = await boot();
    const mirrored: string[] = [];
    app!.get(EventEmitter2).on(SecretsEvents.Rotated, (event: SecretRotatedEvent) => void mirrored.push(event.key));
    app!.get(EventEmitter2).on('secrets.rotated:config', (event: SecretRotatedEvent) => void mirrored.push(`only:${event.key}`));
    await service.rotateSecret('config');
    expect(of('config')).toHaveLength(1);
    expect(of('any')).toHaveLength(1);
    expect(of('stacked')).toHaveLength(1);
    expect(mirrored.sort()).toEqual(['config', 'only:config']);
  });

  it('SecretsService is a SecretsManager: on() listeners receive rotations without EventEmitterModule', async () => {
    const booted = await bootApp([SecretsModule.forRoot({ address: server.address, token: server.rootToken, secretsPath: 'secret/app' })]);
    app = booted.app;
    const service = app.get(SecretsService);
    expect(service).toBeInstanceOf(SecretsManager);
    const seen: string[] = [];
    const listener = (event: unknown): void => void seen.push((event as SecretRotatedEvent).key);
    service.on(SecretsEvents.Rotated, listener);
    await service.rotateSecret('config');
    service.off(SecretsEvents.Rotated, listener);
    await service.rotateSecret('config');
    expect(seen).toEqual(['config']);
  });
});

describe('SecretsManager', () => {
  it('works without NestJS and closes everything with await using', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const rotations: string[] = [];
    const token = await server.admin.createToken({ ttl: 3600 });
    {
      await using manager = await new SecretsManager(
        { address: server.address, token: token.client_token, secretsPath: 'secret/app', watch: { intervalMs: 1000 } },
        { onRotate: (key) => void rotations.push(key) },
      ).start();
      expect(await manager.fetchSecret('config')).toEqual({ feature: 'v1' });
      expect(Object.keys(await manager.getAllSecrets())).toEqual(['api-key', 'config']);
      await manager.rotateSecret('config');
      expect(rotations).toEqual(['config']);
      expect(vi.getTimerCount()).toBeGreaterThan(0);
    }
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('KV change events (websocket subscription)', () => {
  it('delivers an operator’s write through the event subscription, long before the next poll', async () => {
    await boot({ watch: { intervalMs: 600_000, events: true } });
    const secrets = app!.get(SecretsService);
    await secrets.fetchSecret('config');
    // Wait for the websocket to be open: the module logs it.
    await until(subscribedLogged);
    const delivered = new Promise<SecretRotatedEvent>((resolve) => {
      app!.get(EventEmitter2).on('secrets.rotated:config', (e: SecretRotatedEvent) => resolve(e));
    });
    await server.admin.kvPut('secret', 'app/config', { feature: 'via-event' });
    const event = await delivered;
    expect(event).toMatchObject({ key: 'config', reason: 'version-changed', previousVersion: 1, currentVersion: 2 });
    expect(event.secret()).toEqual({ feature: 'via-event' });
  });

  it('falls back to polling when Vault refuses the subscription', async () => {
    await server.stop();
    server = await VaultTestServer.start({ events: false });
    await server.admin.kvPut('secret', 'app/config', { feature: 'v1' });
    await server.admin.kvPut('secret', 'app/api-key', { value: 'key-1' });
    const secrets = await boot({ watch: { intervalMs: 300, events: true } });
    await secrets.fetchSecret('config');
    const delivered = new Promise<SecretRotatedEvent>((resolve) => {
      app!.get(EventEmitter2).on('secrets.rotated:config', (e: SecretRotatedEvent) => resolve(e));
    });
    await server.admin.kvPut('secret', 'app/config', { feature: 'via-polling' });
    expect((await delivered).secret()).toEqual({ feature: 'via-polling' });
    expect(lastLogs().text).toContain('Vault refused the KV event subscription (HTTP 404)');
  });
});
