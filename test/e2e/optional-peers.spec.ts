import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The app has neither optional peer installed: importing them fails, as it would in such an app.
vi.mock('@nestjs/event-emitter', () => {
  throw new Error("Cannot find module '@nestjs/event-emitter'");
});
vi.mock('@nestjs/schedule', () => {
  throw new Error("Cannot find module '@nestjs/schedule'");
});

const { OnSecretRotated, SecretsModule, SecretsService } = await import('../../lib/index.js');
const { VaultTestServer } = await import('@nestjs-vault-secrets/vault-test-server');
const { bootApp } = await import('../support/boot-app.js');
type SecretRotatedEvent = import('../../lib/index.js').SecretRotatedEvent;

let server: import('@nestjs-vault-secrets/vault-test-server').VaultTestServer;
let app: INestApplicationContext | undefined;
const seen: string[] = [];

@Injectable()
class Listener {
  @OnSecretRotated('config')
  onConfig(event: SecretRotatedEvent): void {
    seen.push(`${event.key}:${event.secret<{ feature: string }>().feature}`);
  }
}

@Module({ providers: [Listener] })
class Feature {}

beforeEach(async () => {
  seen.length = 0;
  server = await VaultTestServer.start({ clockMode: 'realtime' });
  await server.admin.kvPut('secret', 'app/config', { feature: 'v1' });
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  await server.stop();
});

describe('without @nestjs/event-emitter and @nestjs/schedule installed', () => {
  it('boots, reads, and runs @OnSecretRotated handlers once per rotation', async () => {
    await expect(import('@nestjs/event-emitter')).rejects.toThrow();
    ({ app } = await bootApp([
      SecretsModule.forRoot({ address: server.address, token: server.rootToken, secretsPath: 'secret/app' }),
      Feature,
    ]));
    const secrets = app.get(SecretsService);
    expect(await secrets.fetchSecret('config')).toEqual({ feature: 'v1' });
    await server.admin.kvPut('secret', 'app/config', { feature: 'v2' });
    await secrets.rotateSecret('config');
    expect(seen).toEqual(['config:v2']);
  });
});
