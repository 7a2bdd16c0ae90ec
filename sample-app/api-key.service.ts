import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { OnSecretRotated, SecretsService, type SecretRotatedEvent } from '../lib/index.js';

/**
 * Holds the Stripe API key from KV (`stripe`). An operator's new version reaches this handler
 * through the module's change detection (`watch.intervalMs`), with no restart.
 */
@Injectable()
export class ApiKeyService implements OnModuleInit {
  private readonly logger = new Logger(ApiKeyService.name);
  private apiKey = '';
  private version: string | number | undefined;
  private updatedAt: string | undefined;

  constructor(private readonly secrets: SecretsService) {}

  async onModuleInit(): Promise<void> {
    const secret = await this.secrets.fetchSecretWithMetadata('stripe');
    this.apiKey = String(secret.data.apiKey);
    this.version = secret.version;
  }

  @OnSecretRotated('stripe')
  onRotated(event: SecretRotatedEvent): void {
    this.apiKey = event.secret<{ apiKey: string }>().apiKey;
    this.version = event.currentVersion;
    this.updatedAt = new Date(event.at).toISOString();
    this.logger.log(
      `Stripe API key picked up without restart: version ${String(event.previousVersion)} -> ${String(event.currentVersion)}`,
    );
  }

  /** Which version is in use and whether a key is loaded; never the key. */
  describe(): { version: string | number | undefined; loaded: boolean; updatedAt: string | undefined } {
    return { version: this.version, loaded: this.apiKey.length > 0, updatedAt: this.updatedAt };
  }
}
