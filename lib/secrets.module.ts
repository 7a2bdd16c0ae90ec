import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { RotationHandlersExplorer } from './rotation/rotation-handlers.explorer.js';
import { resolveVaultConfig } from './options/resolve-vault-config.js';
import type { VaultConfig } from './options/vault-config.js';
import { SECRETS_CONFIG } from './secrets.constants.js';
import { ConfigurableSecretsModule, SECRETS_MODULE_OPTIONS } from './secrets.module-definition.js';
import { SecretsService } from './secrets.service.js';
import { registerBuild } from './util/build-registry.js';

registerBuild();

/**
 * Gives the app its secrets from HashiCorp Vault.
 *
 * ```ts
 * SecretsModule.forRoot({ address: 'https://vault:8200', token, secretsPath: 'secret/data/app' })
 * SecretsModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: (c) => ({ ... }) })
 * ```
 * Options are validated at boot; every problem is reported together in one
 * `InvalidOptionsError` (code `SECRETS_INVALID_OPTIONS`). The module never calls
 * `ScheduleModule.forRoot()` or `EventEmitterModule.forRoot()`: import those once in the app.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    RotationHandlersExplorer,
    {
      provide: SECRETS_CONFIG,
      useFactory: (options: VaultConfig & { isGlobal?: boolean }) => {
        const { isGlobal: _isGlobal, ...vault } = options ?? {};
        return resolveVaultConfig(vault);
      },
      inject: [SECRETS_MODULE_OPTIONS],
    },
    SecretsService,
  ],
  exports: [SecretsService, SECRETS_CONFIG],
})
export class SecretsModule extends ConfigurableSecretsModule {}
