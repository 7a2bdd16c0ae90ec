import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { resolveVaultConfig } from '../core/resolve-vault-config.js';
import type { VaultConfig } from '../options/vault-config.js';
import { SECRETS_CONFIG } from './secrets.constants.js';
import { RotationHandlersExplorer } from './rotation-handlers.explorer.js';
import type { SecretFeature } from './secret-feature.js';
import { SecretsFeatureModule } from './secrets-feature.module.js';
import { ConfigurableSecretsModule, SECRETS_MODULE_OPTIONS } from './secrets.module-definition.js';
import { registerBuild } from '../util/build-registry.js';

registerBuild();

/**
 * Gives the app its secrets from HashiCorp Vault.
 *
 * ```ts
 * SecretsModule.forRoot({ address: 'https://vault:8200', token, secretsPath: 'secret/data/app', isGlobal: true })
 * SecretsModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory: (c) => ({ ... }) })
 * SecretsModule.forRoot({ address: 'https://billing-vault:8200', name: 'billing' }) // a second, named Vault
 * SecretsModule.forFeature([{ key: 'database', schema: DbSecret }])                  // @InjectSecret('database')
 * ```
 * Options are validated at boot; every problem is reported together in one
 * `InvalidOptionsError` (code `SECRETS_INVALID_OPTIONS`). The module never calls
 * `ScheduleModule.forRoot()` or `EventEmitterModule.forRoot()`; it uses them when the app has them.
 */
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
export class SecretsModule extends ConfigurableSecretsModule {
  /**
   * Declares secrets the module's providers inject, read and validated at boot and kept current:
   * `{ key, schema?, optional?, engine?, path? }` → a live `SecretRef` (`@InjectSecret(key, vault)`);
   * `{ provide, secret, build, dispose? }` → a `Rotating<R>` resource (`@Inject(provide)`).
   * The Vault's `SecretsService` must be visible: `forRoot({ isGlobal: true })`, or a named Vault.
   *
   * @param vault - the named Vault to read from; default the unnamed module.
   * @throws at boot: SecretValidationError (a value does not match its schema, every field listed),
   *   SecretNotFoundError (unless `optional`), or SecretFeatureError listing several failures.
   */
  static forFeature(entries: readonly SecretFeature[], vault?: string): DynamicModule {
    return SecretsFeatureModule.register(entries, vault);
  }
}
