import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { z } from 'zod';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import {
  InjectSecret,
  InjectSecretsService,
  OnSecretRotated,
  Rotating,
  SecretRef,
  SecretsModule,
  SecretsService,
  type SecretRotatedEvent,
} from '../../lib/index.js';
import { SecretsTesting, SecretsTestingModule, getSecretsTestingToken } from '../../lib/testing/index.js';

/** An app service as users write it: reads at boot, swaps its client when the secret rotates. */
@Injectable()
class PaymentsClient implements OnModuleInit {
  apiKey = '';
  dbUser = '';
  constructor(private readonly secrets: SecretsService) {}

  async onModuleInit(): Promise<void> {
    this.apiKey = (await this.secrets.fetchSecret<{ apiKey: string }>('stripe')).apiKey;
    this.dbUser = (await this.secrets.fetchDynamicDbCreds('payments')).username;
  }

  @OnSecretRotated('stripe')
  onStripe(event: SecretRotatedEvent): void {
    this.apiKey = event.secret<{ apiKey: string }>().apiKey;
  }

  @OnSecretRotated('database/creds/payments')
  onDb(event: SecretRotatedEvent): void {
    this.dbUser = event.secret<{ username: string }>().username;
  }
}

describe('SecretsTestingModule', () => {
  it('provides SecretsService from memory and drives @OnSecretRotated handlers with rotate()', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot(),
        SecretsTestingModule.forRoot({
          secretsPath: 'secret/data/payments',
          secrets: {
            stripe: { apiKey: 'sk_test_1' },
            'database/creds/payments': { username: 'v-payments-1', password: 'p1' },
          },
        }),
      ],
      providers: [PaymentsClient],
    }).compile();
    await moduleRef.init();
    const client = moduleRef.get(PaymentsClient);
    expect(client.apiKey).toBe('sk_test_1');
    expect(client.dbUser).toBe('v-payments-1');

    const testing = moduleRef.get(SecretsTesting);
    await testing.rotate('stripe', { apiKey: 'sk_test_2' });
    expect(client.apiKey).toBe('sk_test_2');
    expect(await moduleRef.get(SecretsService).fetchSecret('stripe')).toEqual({ apiKey: 'sk_test_2' });

    await testing.rotate('database/creds/payments', { username: 'v-payments-2', password: 'p2' });
    expect(client.dbUser).toBe('v-payments-2');
    expect(testing.vault.revokedLeases).toHaveLength(1);
    await moduleRef.close();
  });

  it('answers like Vault for missing keys and lists keys for getAllSecrets', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [SecretsTestingModule.forRoot({ secrets: { a: { x: '1' }, 'b/c': { y: '2' } } })],
    }).compile();
    await moduleRef.init();
    const secrets = moduleRef.get(SecretsService);
    await expect(secrets.fetchSecret('nope')).rejects.toMatchObject({ code: 'SECRETS_NOT_FOUND' });
    expect(await secrets.getAllSecrets()).toEqual({ a: { x: '1' }, 'b/c': { y: '2' } });
    await moduleRef.close();
  });
});

const CLIENT = Symbol('CLIENT');

@Injectable()
class UsesRefs {
  constructor(
    @InjectSecret('stripe') readonly stripe: SecretRef<{ apiKey: string }>,
    @InjectSecret('stripe', 'billing') readonly billingStripe: SecretRef<{ apiKey: string }>,
    @Inject(CLIENT) readonly client: Rotating<{ user: string }>,
    @InjectSecretsService('billing') readonly billing: SecretsService,
  ) {}
}

describe('SecretsTestingModule with forFeature and named Vaults', () => {
  it('serves SecretRefs, Rotating resources and a named Vault from memory; rotate() updates them', async () => {
    const disposed: string[] = [];
    const moduleRef = await Test.createTestingModule({
      imports: [
        SecretsTestingModule.forRoot({
          secrets: { stripe: { apiKey: 'sk_1' }, 'database/creds/app': { username: 'u1', password: 'p1' } },
        }),
        SecretsTestingModule.forRoot({ name: 'billing', secrets: { stripe: { apiKey: 'billing_1' } } }),
        SecretsModule.forFeature([
          { key: 'stripe', schema: z.object({ apiKey: z.string().startsWith('sk_') }) },
          {
            provide: CLIENT,
            secret: { key: 'db', engine: 'database', path: 'app' },
            build: (creds: { username: string }) => ({ user: creds.username }),
            dispose: (old: { user: string }) => void disposed.push(old.user),
          },
        ]),
        SecretsModule.forFeature([{ key: 'stripe' }], 'billing'),
      ],
      providers: [UsesRefs],
    }).compile();
    await moduleRef.init();
    const refs = moduleRef.get(UsesRefs);
    expect(refs.stripe.value.apiKey).toBe('sk_1');
    expect(refs.billingStripe.value.apiKey).toBe('billing_1');
    expect(refs.client.current).toEqual({ user: 'u1' });
    expect(refs.billing.vaultName).toBe('billing');

    await moduleRef.get(SecretsTesting).rotate('stripe', { apiKey: 'sk_2' });
    await moduleRef.get(SecretsTesting).rotate('db', { username: 'u2', password: 'p2' });
    await moduleRef.get<SecretsTesting>(getSecretsTestingToken('billing')).rotate('stripe', { apiKey: 'billing_2' });
    expect(refs.stripe.value.apiKey).toBe('sk_2');
    expect(refs.client.current).toEqual({ user: 'u2' });
    expect(disposed).toEqual(['u1']);
    expect(refs.billingStripe.value.apiKey).toBe('billing_2');
    await moduleRef.close();
  });
});
