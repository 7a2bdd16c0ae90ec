import { BadRequestException, Controller, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { InvalidSecretKeyError, SecretNotFoundError, SecretsService, type SecretDescription } from '../lib/index.js';
import { ApiKeyService } from './api-key.service.js';
import { DatabasePoolService } from './database-pool.service.js';
import { DatabaseSettingsService } from './database-settings.service.js';
import { demoVault } from './demo-vault.js';

/** HTTP endpoints of the sample. None of them ever returns a secret value. */
@Controller()
export class AppController {
  constructor(
    private readonly secrets: SecretsService,
    private readonly database: DatabaseSettingsService,
    private readonly pool: DatabasePoolService,
    private readonly apiKey: ApiKeyService,
  ) {}

  /** The dynamic-credentials pool: which role it is connected as and how many rotations it went through. */
  @Get('db')
  db(): Promise<unknown> {
    return this.pool.currentUser();
  }

  /** Which version of the KV-backed API key is in use (updated without restart); never the key. */
  @Get('api-key')
  key(): ReturnType<ApiKeyService['describe']> {
    return this.apiKey.describe();
  }

  /** The supervisor's state (`ready`, `degraded` + reason, next attempt), fallbacks and leases; never a value. */
  @Get('status')
  status(): ReturnType<SecretsService['status']> {
    return this.secrets.status();
  }

  /** Makes the embedded demo Vault unreachable: watch `/status` go `degraded` while the endpoints keep answering. */
  @Post('demo/vault/stop')
  @HttpCode(200)
  stopVault(): { vault: 'stopped' } {
    if (!demoVault.stop()) throw new NotFoundException('Only the embedded demo Vault can be stopped (VAULT_ADDR is set)');
    return { vault: 'stopped' };
  }

  /** Brings the demo Vault back: `/status` returns to `ready` by itself within one backoff step, with no request needed. */
  @Post('demo/vault/start')
  @HttpCode(200)
  startVault(): { vault: 'started' } {
    if (!demoVault.start()) throw new NotFoundException('Only the embedded demo Vault can be started (VAULT_ADDR is set)');
    return { vault: 'started' };
  }

  /** Liveness plus which version of the database secret the app runs on. */
  @Get('health')
  health(): { status: string; databaseSecretVersion: number | undefined } {
    return { status: 'ok', databaseSecretVersion: this.database.version };
  }

  /** The keys under secretsPath and their field names (bulk load through the cache); no values. */
  @Get('secrets')
  async list(): Promise<Record<string, string[]>> {
    const all = await this.secrets.getAllSecrets();
    return Object.fromEntries(Object.entries(all).map(([key, data]) => [key, Object.keys(data)]));
  }

  /** KV v2 metadata of one key: `/secrets/database/metadata`, or `/secrets/metadata?key=kafka/producer` for keys with `/`. */
  @Get('secrets/metadata')
  metadataByQuery(@Query('key') key: string): Promise<SecretDescription> {
    return this.describe(key);
  }

  /** KV v2 metadata of one key (`/secrets/database/metadata`). */
  @Get('secrets/:key/metadata')
  metadata(@Param('key') key: string): Promise<SecretDescription> {
    return this.describe(key);
  }

  private async describe(key: string): Promise<SecretDescription> {
    try {
      return await this.secrets.describeSecret(key);
    } catch (error) {
      if (error instanceof SecretNotFoundError) throw new NotFoundException(error.message);
      if (error instanceof InvalidSecretKeyError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
