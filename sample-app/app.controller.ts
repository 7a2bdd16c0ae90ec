import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { SecretNotFoundError, SecretsService, type SecretDescription } from '../lib/index.js';
import { DatabaseSettingsService } from './database-settings.service.js';

/** HTTP endpoints of the sample. None of them ever returns a secret value. */
@Controller()
export class AppController {
  constructor(
    private readonly secrets: SecretsService,
    private readonly database: DatabaseSettingsService,
  ) {}

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

  /** KV v2 metadata of one key (`/secrets/database/metadata`, `/secrets/kafka%2Fproducer/metadata`). */
  @Get('secrets/:key/metadata')
  async metadata(@Param('key') key: string): Promise<SecretDescription> {
    try {
      return await this.secrets.describeSecret(key);
    } catch (error) {
      if (error instanceof SecretNotFoundError) throw new NotFoundException(error.message);
      throw error;
    }
  }
}
