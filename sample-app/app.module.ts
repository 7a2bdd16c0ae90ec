import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { SecretsModule } from '../lib/index.js';
import { AppController } from './app.controller.js';
import { ApiKeyService } from './api-key.service.js';
import { DatabasePoolService, databasePool } from './database-pool.service.js';
import { DatabaseSettingsService } from './database-settings.service.js';
import { secretsConfig } from './secrets.config.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, load: [secretsConfig] }),
    // The app imports these once; SecretsModule never calls their forRoot() itself.
    ScheduleModule.forRoot(),
    EventEmitterModule.forRoot(),
    SecretsModule.forRootAsync({ ...secretsConfig.asProvider(), isGlobal: true }),
    // A pg.Pool on dynamic credentials, rebuilt on rotation (only when the demo database engine is on).
    ...(process.env.DEMO_DYNAMIC_DB === 'on' ? [SecretsModule.forFeature([databasePool])] : []),
  ],
  controllers: [AppController],
  providers: [DatabaseSettingsService, DatabasePoolService, ApiKeyService],
})
export class AppModule {}
