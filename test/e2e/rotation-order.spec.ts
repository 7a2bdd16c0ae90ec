import { Inject, Injectable, type INestApplicationContext } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  InjectSecret,
  OnSecretRotated,
  Rotating,
  SecretRef,
  SecretsModule,
  SecretsService,
  vaultConfigLoader,
  type SecretRotatedEvent,
} from '../../lib/index.js';
import { SecretsTesting, SecretsTestingModule } from '../../lib/testing/index.js';
import { bootApp } from '../support/boot-app.js';
import { CapturingLogger } from '../support/capture-logs.js';

const POOL = Symbol('POOL');

/** What a handler saw when it ran: the ref, the rotating resource and the event, side by side. */
const seen: Array<{ ref: unknown; pool: unknown; event: unknown }> = [];

@Injectable()
class Reader {
  constructor(
    @InjectSecret('stripe') private readonly ref: SecretRef<{ apiKey: string }>,
    @Inject(POOL) private readonly pool: Rotating<{ key: string }>,
  ) {}

  @OnSecretRotated('stripe')
  onStripe(event: SecretRotatedEvent): void {
    seen.push({ ref: this.ref.value.apiKey, pool: this.pool.current.key, event: event.secret<{ apiKey: string }>().apiKey });
  }
}

const StripeKey = z.object({ apiKey: z.string().startsWith('sk_') });
const features = SecretsModule.forFeature([
  { key: 'stripe', schema: StripeKey },
  { provide: POOL, secret: { key: 'stripe', schema: StripeKey }, build: (value: { apiKey: string }) => ({ key: value.apiKey }) },
]);

let app: INestApplicationContext | undefined;
let server: VaultTestServer | undefined;

afterEach(async () => {
  seen.length = 0;
  await app?.close();
  app = undefined;
  await server?.stop();
  server = undefined;
});

describe('rotation order: every reader is updated before any handler runs', () => {
  // Failed before: the handler saw the ref at sk_1 and the pool at sk_1 (refs were updated as handlers, in parallel).
  it('SecretsTestingModule: an @OnSecretRotated handler reads the new SecretRef value and the new Rotating resource', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [SecretsTestingModule.forRoot({ secrets: { stripe: { apiKey: 'sk_1' } } }), features],
      providers: [Reader],
    }).compile();
    app = await moduleRef.init();
    await moduleRef.get(SecretsTesting).rotate('stripe', { apiKey: 'sk_2' });
    await moduleRef.get(SecretsTesting).rotate('stripe', { apiKey: 'sk_3' });
    expect(seen).toEqual([
      { ref: 'sk_2', pool: 'sk_2', event: 'sk_2' },
      { ref: 'sk_3', pool: 'sk_3', event: 'sk_3' },
    ]);
  });

  // Failed before: ConfigService was set by a handler running beside the app's handler (and after it, often).
  it('with Vault and vaultConfigLoader: ConfigService already holds the new value inside the handler', async () => {
    server = await VaultTestServer.start({ clockMode: 'realtime' });
    await server.admin.kvPut('secret', 'app/stripe', { apiKey: 'sk_1' });
    const vault = { address: server.address, token: server.rootToken, secretsPath: 'secret/app' };
    const inHandler: unknown[] = [];
    @Injectable()
    class ConfigReader {
      constructor(private readonly config: ConfigService) {}
      @OnSecretRotated('stripe')
      onStripe(): void {
        inHandler.push(this.config.get('vault.stripe.apiKey'));
      }
    }
    ({ app } = await bootApp(
      [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [vaultConfigLoader({ ...vault, keys: ['stripe'] })] }),
        SecretsModule.forRoot({ ...vault, isGlobal: true }),
        features,
      ],
      [Reader, ConfigReader],
    ));
    await server.admin.kvPut('secret', 'app/stripe', { apiKey: 'sk_2' });
    await app.get(SecretsService).rotateSecret('stripe');
    expect(inHandler).toEqual(['sk_2']);
    expect(seen).toEqual([{ ref: 'sk_2', pool: 'sk_2', event: 'sk_2' }]);
  });

  // Failed before: logged as 'A rotation handler for "stripe" failed'.
  it('a new version refused by its schema is logged as refused, and the last valid value stays', async () => {
    const logs = new CapturingLogger();
    const moduleRef = await Test.createTestingModule({
      imports: [SecretsTestingModule.forRoot({ secrets: { stripe: { apiKey: 'sk_1' } } }), features],
      providers: [Reader],
    })
      .setLogger(logs)
      .compile();
    app = await moduleRef.init();
    await moduleRef.get(SecretsTesting).rotate('stripe', { apiKey: 'pk_not-a-secret-key' });
    expect(logs.text).toContain('The new version of "stripe" was refused by its schema; the last valid value stays');
    expect(logs.text).not.toContain('A rotation handler for "stripe" failed');
    expect(logs.text).not.toContain('pk_not-a-secret-key');
    expect(seen).toEqual([{ ref: 'sk_1', pool: 'sk_1', event: 'pk_not-a-secret-key' }]);
  });
});
