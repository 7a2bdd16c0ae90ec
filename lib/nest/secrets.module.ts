import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { SECRETS_CONFIG } from './secrets.constants.js';
import type { SecretFeature } from './secret-feature.js';
import { SecretsCoreModule } from './secrets-core.module.js';
import { SecretsFeatureModule } from './secrets-feature.module.js';
import type { SecretsModuleAsyncOptions, SecretsModuleExtras, SecretsModuleOptions } from './secrets.module-definition.js';
import { SecretsService } from './secrets.service.js';
import { DEFAULT_VAULT_CONFIG, DEFAULT_VAULT_SERVICE } from './vault-core-tokens.js';
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
@Module({})
export class SecretsModule {
  /**
   * The Vault client of the app (one per `name`), configured with a plain {@link VaultConfig}
   * plus `isGlobal` and `name`. Validates the options when the app boots.
   * @throws at boot: InvalidOptionsError listing every problem of the options.
   */
  static forRoot(options: SecretsModuleOptions): DynamicModule {
    return around(SecretsCoreModule.forRoot(options), options);
  }

  /**
   * Like {@link SecretsModule.forRoot}, with the options from `useFactory` (with `inject` and
   * `imports`), `useClass` or `useExisting` (a {@link SecretsOptionsFactory}).
   * @throws at boot: InvalidOptionsError listing every problem of the options the factory returned.
   */
  static forRootAsync(options: SecretsModuleAsyncOptions): DynamicModule {
    return around(SecretsCoreModule.forRootAsync(options), options);
  }

  /**
   * Declares secrets the module's providers inject, read and validated at boot and kept current:
   * `{ key, schema?, optional?, engine?, path? }` → a live `SecretRef` (`@InjectSecret(key, vault)`);
   * `{ provide, secret, build, dispose? }` → a `Rotating<R>` resource (`@Inject(provide)`).
   * Works in any module once the app imports the Vault's `SecretsModule.forRoot*` (global or not).
   *
   * @param vault - the named Vault to read from; default the unnamed module.
   * @throws at boot: InvalidOptionsError when the app imports no `SecretsModule.forRoot*` for
   *   that Vault (naming the Vault and the keys), SecretValidationError (a value does not match its
   *   schema, every field listed), SecretNotFoundError (unless `optional`), or SecretFeatureError
   *   listing several failures.
   */
  static forFeature(entries: readonly SecretFeature[], vault?: string): DynamicModule {
    return SecretsFeatureModule.register(entries, vault);
  }
}

/**
 * The module the app imports: the Vault's global core module, and for the default Vault
 * `SecretsService` and `SECRETS_CONFIG` exported to the importing module (to every module with `isGlobal`).
 */
function around(core: DynamicModule, extras: SecretsModuleExtras): DynamicModule {
  if (extras.name !== undefined) return { module: SecretsModule, imports: [core] };
  const providers: Provider[] = [
    { provide: SecretsService, useExisting: DEFAULT_VAULT_SERVICE },
    { provide: SECRETS_CONFIG, useExisting: DEFAULT_VAULT_CONFIG },
  ];
  return { module: SecretsModule, imports: [core], providers, exports: [SecretsService, SECRETS_CONFIG], global: extras.isGlobal === true };
}
