import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InjectSecret,
  InjectSecretsService,
  InvalidOptionsError,
  OnSecretRotated,
  SecretRef,
  SecretsModule,
  SecretsService,
  getSecretsServiceToken,
  type SecretRotatedEvent,
} from '../../lib/index.js';
import { VaultHealthIndicator } from '../../lib/health/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { bootApp } from '../support/boot-app.js';

let main: VaultTestServer;
let billing: VaultTestServer;
let app: INestApplicationContext | undefined;
const handled: string[] = [];

@Injectable()
class Payments {
  constructor(
    readonly secrets: SecretsService,
    @InjectSecretsService('billing') readonly billing: SecretsService,
    @InjectSecret('stripe', 'billing') readonly stripe: SecretRef<{ apiKey: string }>,
    @InjectSecret('stripe') readonly mainStripe: SecretRef<{ apiKey: string }>,
  ) {}

  @OnSecretRotated('stripe', { vault: 'billing' })
  onBilling(event: SecretRotatedEvent): void {
    handled.push(`billing:${event.key}`);
  }

  @OnSecretRotated('stripe')
  onMain(event: SecretRotatedEvent): void {
    handled.push(`main:${event.key}`);
  }
}

beforeEach(async () => {
  handled.length = 0;
  [main, billing] = await Promise.all([VaultTestServer.start({ clockMode: 'realtime' }), VaultTestServer.start({ clockMode: 'realtime' })]);
  await main.admin.kvPut('secret', 'app/stripe', { apiKey: 'main-key-1' });
  await billing.admin.kvPut('secret', 'billing/stripe', { apiKey: 'billing-key-1' });
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  await Promise.all([main.stop(), billing.stop()]);
});

describe('named Vaults', () => {
  it('two Vaults in one app: each its own token, secrets, handlers, events, timers and health', async () => {
    const mainToken = await main.admin.createToken({ ttl: 3600 });
    const billingToken = await billing.admin.createToken({ ttl: 3600 });
    ({ app } = await bootApp(
      [
        ScheduleModule.forRoot(),
        EventEmitterModule.forRoot(),
        TerminusModule,
        SecretsModule.forRoot({ address: main.address, token: mainToken.client_token, secretsPath: 'secret/app', isGlobal: true }),
        SecretsModule.forRootAsync({
          name: 'billing',
          useFactory: () => ({ address: billing.address, token: billingToken.client_token, secretsPath: 'secret/billing' }),
        }),
        SecretsModule.forFeature([{ key: 'stripe' }]),
        SecretsModule.forFeature([{ key: 'stripe' }], 'billing'),
      ],
      [Payments, VaultHealthIndicator],
    ));
    const payments = app.get(Payments);
    expect(payments.billing).not.toBe(payments.secrets);
    expect(app.get(getSecretsServiceToken('billing'))).toBe(payments.billing);
    expect(payments.billing.vaultName).toBe('billing');
    expect(payments.stripe.value.apiKey).toBe('billing-key-1');
    expect(payments.mainStripe.value.apiKey).toBe('main-key-1');
    expect(payments.secrets.tokenInfo()?.accessor).toBe(mainToken.accessor);
    expect(payments.billing.tokenInfo()?.accessor).toBe(billingToken.accessor);
    // Each server saw only its own token.
    const sent = (server: VaultTestServer) => new Set(server.requests.map((r) => r.token).filter((t) => t !== undefined));
    expect(sent(billing).has(billingToken.accessor)).toBe(true);
    expect(sent(billing).has(mainToken.accessor)).toBe(false);
    expect(sent(main).has(mainToken.accessor)).toBe(true);
    expect(sent(main).has(billingToken.accessor)).toBe(false);

    const events: string[] = [];
    for (const name of ['billing.secrets.rotated', 'billing.secrets.rotated:stripe', 'secrets.rotated']) {
      app.get(EventEmitter2).on(name, () => void events.push(name));
    }
    await billing.admin.kvPut('secret', 'billing/stripe', { apiKey: 'billing-key-2' });
    await payments.billing.rotateSecret('stripe');
    expect(payments.stripe.value.apiKey).toBe('billing-key-2');
    expect(payments.mainStripe.value.apiKey).toBe('main-key-1');
    expect(handled).toEqual(['billing:stripe']);
    expect(events).toContain('billing.secrets.rotated');
    expect(events).toContain('billing.secrets.rotated:stripe');
    expect(events).not.toContain('secrets.rotated');

    const timers = app.get(SchedulerRegistry).getTimeouts();
    expect(timers.some((name) => name.endsWith('@billing'))).toBe(true);
    expect(timers.some((name) => !name.includes('@'))).toBe(true);

    const health = await app.get(VaultHealthIndicator).isHealthy('billing', { vault: 'billing' });
    expect(health.billing).toMatchObject({ status: 'up', vault: 'billing' });
  });
});

describe('named Vault checks', () => {
  it('refuses a handler naming a Vault the app does not have', async () => {
    @Injectable()
    class Stray {
      @OnSecretRotated('stripe', { vault: 'biling' })
      handle(): void {}
    }
    const error = await bootApp(
      [SecretsModule.forRoot({ address: main.address, token: main.rootToken, secretsPath: 'secret/app' })],
      [Stray],
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).problems).toEqual([expect.stringContaining('names the Vault "biling"')]);
  });
});
