import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { resolveVaultConfig } from '../core/resolve-vault-config.js';
import type { VaultConfig } from '../options/vault-config.js';
import { RotationHandlersExplorer } from './rotation-handlers.explorer.js';
import { SECRETS_CONFIG } from './secrets.constants.js';
import { ConfigurableSecretsModule, SECRETS_MODULE_OPTIONS } from './secrets.module-definition.js';

/**
 * @internal The global module that holds one Vault's `SecretsService`, imported by
 * `SecretsModule.forRoot*` (like `TypeOrmCoreModule`): global so that `forFeature` anywhere in
 * the app finds the service whether or not the app asked for `isGlobal`.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    RotationHandlersExplorer,
    {
      provide: SECRETS_CONFIG,
      useFactory: (options: VaultConfig & { isGlobal?: boolean; name?: string }) => {
        const { isGlobal: _isGlobal, name: _name, ...vault } = options ?? {};
        return resolveVaultConfig(vault);
      },
      inject: [SECRETS_MODULE_OPTIONS],
    },
  ],
})
export class SecretsCoreModule extends ConfigurableSecretsModule {}
