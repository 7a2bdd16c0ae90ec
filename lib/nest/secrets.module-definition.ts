import { ConfigurableModuleBuilder, type DynamicModule, type Provider } from '@nestjs/common';
import { VaultConfig } from '../options/vault-config.js';
import { SECRETS_CONFIG, SECRETS_VAULT_NAME } from './secrets.constants.js';
import { getSecretsServiceToken } from './secrets-service-token.js';
import { SecretsService } from './secrets.service.js';
import { DEFAULT_VAULT_CONFIG, DEFAULT_VAULT_SERVICE } from './vault-core-tokens.js';

/** Extra `forRoot` / `forRootAsync` options that are not Vault settings. */
export interface SecretsModuleExtras {
  /**
   * Make `SecretsService` and `SECRETS_CONFIG` injectable in every module, not only in the modules
   * that import `SecretsModule`. Default `false`. `forFeature` works either way, and a named Vault's
   * service (`@InjectSecretsService(name)`) is always injectable everywhere.
   */
  isGlobal?: boolean;
  /**
   * Name of this Vault, to import the module several times (one per Vault or per set of
   * settings). Inject it with `@InjectSecretsService(name)`; declare its secrets with
   * `forFeature([...], name)`; its handlers use `@OnSecretRotated(key, { vault: name })`; its
   * events are published as `<name>.secrets.*` and its timers registered as `<timer>@<name>`.
   * Default: none (the default Vault, injected as `SecretsService`).
   */
  name?: string;
}

/**
 * Adds the service of one Vault to its (global) core module: exported under the default Vault's
 * internal token, or under `SecretsService:<name>` for a named Vault.
 */
function withVault(definition: DynamicModule, extras: SecretsModuleExtras): DynamicModule {
  const name = extras.name;
  const providers: Provider[] = [...(definition.providers ?? []), { provide: SECRETS_VAULT_NAME, useValue: name }];
  if (name === undefined) {
    providers.push(
      SecretsService,
      { provide: DEFAULT_VAULT_SERVICE, useExisting: SecretsService },
      { provide: DEFAULT_VAULT_CONFIG, useExisting: SECRETS_CONFIG },
    );
    return { ...definition, providers, exports: [DEFAULT_VAULT_SERVICE, DEFAULT_VAULT_CONFIG], global: true };
  }
  // A named Vault's service exists only under its own token, so `get(SecretsService)` never finds it.
  const token = getSecretsServiceToken(name);
  providers.push({ provide: token, useClass: SecretsService });
  return { ...definition, providers, exports: [token], global: true };
}

/**
 * Built by Nest's `ConfigurableModuleBuilder`: the base class of the core module (its `forRoot` /
 * `forRootAsync`, which `SecretsModule.forRoot*` import), the options injection token and the
 * option types.
 *
 * `SECRETS_MODULE_OPTIONS` is the injection token (`string | symbol`) of the options exactly as
 * passed to `SecretsModule.forRoot()` or returned by the `forRootAsync()` factory: a
 * {@link VaultConfig}, not yet validated nor merged with the `VAULT_*` environment
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
  .setExtras<SecretsModuleExtras>({ isGlobal: false, name: undefined }, withVault)
  .build();

/** Options of `SecretsModule.forRoot()`: a {@link VaultConfig} plus `isGlobal` and `name`. */
export type SecretsModuleOptions = typeof SECRETS_OPTIONS_TYPE;
/** Options of `SecretsModule.forRootAsync()`: `imports`, `inject`, `useFactory | useClass | useExisting`, `isGlobal`, `name`. */
export type SecretsModuleAsyncOptions = typeof SECRETS_ASYNC_OPTIONS_TYPE;

/** What a `useClass` / `useExisting` provider of `forRootAsync` implements. */
export interface SecretsOptionsFactory {
  createSecretsOptions(): VaultConfig | Promise<VaultConfig>;
}
