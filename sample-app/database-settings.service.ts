import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { SecretsService } from '../lib/index.js';

/** The shape of the `database` secret in Vault. */
export interface DatabaseSecret {
  host: string;
  port: string;
  username: string;
  password: string;
}

/**
 * Reads the database secret at boot, the way an app would before opening its pool.
 * Logs which version it got, never the value.
 */
@Injectable()
export class DatabaseSettingsService implements OnModuleInit {
  private readonly logger = new Logger(DatabaseSettingsService.name);
  private loadedVersion: number | undefined;

  constructor(private readonly secrets: SecretsService) {}

  async onModuleInit(): Promise<void> {
    const secret = await this.secrets.fetchSecretWithMetadata('database');
    this.loadedVersion = secret.version;
    const db = secret.data as unknown as DatabaseSecret;
    this.logger.log(
      `Database settings loaded from Vault (version ${secret.version ?? 'n/a'}, host ${db.host}); the password stays in memory only`,
    );
  }

  /** The KV version read at boot. */
  get version(): number | undefined {
    return this.loadedVersion;
  }
}
