import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { OnSecretRotated, SecretsService, type SecretRotatedEvent } from '../../lib/index.js';
import { SecretsTesting, SecretsTestingModule } from '../../lib/testing/index.js';

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
