import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  ServiceUnavailableException,
} from '@nestjs/common';
import { InvalidSecretKeyError, SecretNotFoundError, SecretsService, VaultUnavailableError, type SecretDescription } from '../lib/index.js';
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

  /**
   * The dynamic-credentials pool: which role it is connected as and how many rotations it went through.
   * 503 with the module's state when the query fails while Vault is down (the lease ran out and
   * Vault's database engine dropped the role; new credentials come when Vault returns).
   */
  @Get('db')
  async db(): Promise<unknown> {
    try {
      return await this.pool.currentUser();
    } catch (error) {
      const status = this.secrets.status();
      if (status.state !== 'degraded') throw error;
      throw new ServiceUnavailableException({
        message: `the database query failed while Vault is down (${status.reason}); new credentials are fetched when Vault returns`,
        reason: status.reason,
        nextAttemptAt: status.nextAttemptAt,
      });
    }
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

  /**
   * The keys under secretsPath and their field names (bulk load through the cache); no values.
   * Needs Vault's LIST: 503 with the reason and the next attempt while Vault is down.
   */
  @Get('secrets')
  async list(): Promise<Record<string, string[]>> {
    try {
      const all = await this.secrets.getAllSecrets();
      return Object.fromEntries(Object.entries(all).map(([key, data]) => [key, Object.keys(data)]));
    } catch (error) {
      throw unavailable(error);
    }
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
      throw unavailable(error);
    }
  }
}

/** A `VaultUnavailableError` as a 503 saying why and when the module tries Vault again; other errors as they are. */
function unavailable(error: unknown): unknown {
  if (!(error instanceof VaultUnavailableError)) return error;
  return new ServiceUnavailableException({ message: error.message, reason: error.reason, nextAttemptAt: error.nextAttemptAt });
}
