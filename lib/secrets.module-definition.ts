import { ConfigurableModuleBuilder } from '@nestjs/common';
import { VaultConfig } from './options/vault-config.js';

/** Extra `forRoot` / `forRootAsync` options that are not Vault settings. */
export interface SecretsModuleExtras {
  /** Register the module globally so every module can inject `SecretsService`. Default `false`. */
  isGlobal?: boolean;
}

/**
 * Built by Nest's `ConfigurableModuleBuilder`: the base class of `SecretsModule` (its `forRoot` /
 * `forRootAsync`), the options injection token and the option types.
 *
 * `SECRETS_MODULE_OPTIONS` is the injection token (`string | symbol`) of the options exactly as
 * passed to `SecretsModule.forRoot()` or returned by the `forRootAsync()` factory: a
 * {@link VaultConfig} plus `isGlobal`, not yet validated nor merged with the `VAULT_*` environment
 * variables. Inject `SECRETS_CONFIG` for the resolved, validated configuration (validation happens
 * when that provider is created and throws `InvalidOptionsError`).
 */
export const {
  ConfigurableModuleClass: ConfigurableSecretsModule,
  /** Injection token of the raw `forRoot` / `forRootAsync` options (see the statement's comment). */
  MODULE_OPTIONS_TOKEN: SECRETS_MODULE_OPTIONS,
  OPTIONS_TYPE: SECRETS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SECRETS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<VaultConfig>({ moduleName: 'Secrets', optionsInjectionToken: 'NESTJS_VAULT_SECRETS_MODULE_OPTIONS' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createSecretsOptions')
  .setExtras<SecretsModuleExtras>({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal === true }))
  .build();

/** Options of `SecretsModule.forRoot()`: a {@link VaultConfig} plus `isGlobal`. */
export type SecretsModuleOptions = typeof SECRETS_OPTIONS_TYPE;
/** Options of `SecretsModule.forRootAsync()`: `imports`, `inject`, `useFactory | useClass | useExisting`, `isGlobal`. */
export type SecretsModuleAsyncOptions = typeof SECRETS_ASYNC_OPTIONS_TYPE;

/** What a `useClass` / `useExisting` provider of `forRootAsync` implements. */
export interface SecretsOptionsFactory {
  createSecretsOptions(): VaultConfig | Promise<VaultConfig>;
}
