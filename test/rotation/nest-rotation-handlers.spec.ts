/**
 * Rotation handlers inside a real Nest app (EventEmitterModule + @OnSecretRotated) on the test server.
 */
import { Injectable, type INestApplicationContext, type OnModuleInit } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { afterEach, describe, expect, it } from 'vitest';
import {
  OnSecretRotated,
  SecretsManager,
  SecretsModule,
  SecretsService,
  type SecretRotatedEvent,
  type VaultConfig,
} from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { bootApp } from '../support/boot-app.js';
import { until } from '../support/async.js';
import type { CapturingLogger } from '../support/capture-logs.js';
import { MARK } from '../support/leak-markers.js';

let server: VaultTestServer;
let app: INestApplicationContext | undefined;
let logs: CapturingLogger;
const seen: string[] = [];

afterEach(async () => {
  await app?.close().catch(() => undefined);
  app = undefined;
  await server?.stop();
  seen.length = 0;
});

@Injectable()
class Handlers {
  @OnSecretRotated('config')
  sync(): void {
    seen.push('sync-throw');
    throw new Error(`sync handler failed`);
  }

  @OnSecretRotated('config')
  async rejects(): Promise<void> {
    seen.push('reject');
    throw new Error('async handler failed');
  }

  @OnSecretRotated('config')
  never(): Promise<void> {
    seen.push('never');
    return new Promise(() => undefined);
  }

  @OnSecretRotated('config')
  fine(event: SecretRotatedEvent): void {
    seen.push(`fine:${(event.secret() as { feature: string }).feature}`);
  }
}

async function boot(
  options: Partial<VaultConfig> = {},
  providers: Array<new (...a: never[]) => unknown> = [Handlers],
): Promise<SecretsService> {
  const booted = await bootApp(
    [
      ScheduleModule.forRoot(),
      EventEmitterModule.forRoot(),
      SecretsModule.forRoot({
        address: server.address,
        token: server.rootToken,
        secretsPath: 'secret/app',
        watch: { enabled: false },
        ...options,
      }),
    ],
    providers,
  );
  app = booted.app;
  logs = booted.logs;
  return app.get(SecretsService);
}

describe('handlers that misbehave', () => {
  it('sync throw, rejection, never-resolving handler and a throwing onRotate: others run, timeout respected, outcome counted, logged without values', async () => {
    server = await VaultTestServer.start({ clockMode: 'realtime' });
    await server.admin.kvPut('secret', 'app/config', { feature: 'v1', password: `${MARK}-1` });
    let outcome: unknown;
    const secrets = await boot({
      leases: { handlerTimeoutMs: 300 },
      onRotate: (_key, _secret, event) => {
        setTimeout(() => (outcome = event.outcome), 400);
        throw new Error('onRotate failed');
      },
    });
    await secrets.fetchSecret('config');
    await server.admin.kvPut('secret', 'app/config', { feature: 'v2', password: `${MARK}-2` });
    const t0 = Date.now();
    await secrets.rotateSecret('config');
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(3000);
    expect(seen.sort()).toEqual(['fine:v2', 'never', 'reject', 'sync-throw']);
    await until(() => outcome !== undefined); // onRotate's own 400 ms timer reads the final outcome
    expect(outcome).toEqual({ handlers: 5, failed: 3, timedOut: true });
    expect(logs.text).toMatch(/sync handler failed/);
    expect(logs.text).toMatch(/onRotate failed/);
    expect(logs.text).not.toContain(MARK);
  });
});

@Injectable()
class RotatesAtBoot implements OnModuleInit {
  constructor(private readonly secrets: SecretsService) {}
  async onModuleInit(): Promise<void> {
    await this.secrets.rotateSecret('config'); // e.g. "rotate the API key on every deploy"
  }
}

describe('rotations during boot', () => {
  it('regression: a provider that awaits rotateSecret() in onModuleInit hangs the boot forever (buffered announce never resolves, handler timeout not applied)', async () => {
    server = await VaultTestServer.start({ clockMode: 'realtime' });
    await server.admin.kvPut('secret', 'app/config', { feature: 'v1' });
    const booted = boot({ leases: { handlerTimeoutMs: 500 } }, [RotatesAtBoot]).then(
      () => 'booted',
      (e: unknown) => e,
    );
    const result = await Promise.race([booted, new Promise((r) => setTimeout(() => r('still booting after 5 s'), 5000))]);
    expect(result).toBe('booted');
  });

  it('regression: SecretsManager: rotateSecret() before start() never resolves', async () => {
    server = await VaultTestServer.start({ clockMode: 'realtime' });
    await server.admin.kvPut('secret', 'app/config', { feature: 'v1' });
    const m = new SecretsManager({
      address: server.address,
      token: server.rootToken,
      secretsPath: 'secret/app',
      watch: { enabled: false },
      leases: { handlerTimeoutMs: 200 },
    });
    const r = await Promise.race([m.rotateSecret('config').then(() => 'done'), new Promise((res) => setTimeout(() => res('hung'), 2000))]);
    await m.close();
    expect(r).toBe('done');
  });
});
