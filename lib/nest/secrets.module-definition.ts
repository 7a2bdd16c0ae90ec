import { ConfigurableModuleBuilder, type DynamicModule, type Provider } from '@nestjs/common';
import { VaultConfig } from '../options/vault-config.js';
import { SECRETS_CONFIG, SECRETS_VAULT_NAME } from './secrets.constants.js';
import { getSecretsServiceToken } from './secrets-service-token.js';
import { SecretsService } from './secrets.service.js';

/** Extra `forRoot` / `forRootAsync` options that are not Vault settings. */
export interface SecretsModuleExtras {
  /** Register the module globally so every module can inject `SecretsService`. Default `false` (a named Vault is always global). */
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

/** Adds the name and the exports of one Vault to the dynamic module. */
function withVault(definition: DynamicModule, extras: SecretsModuleExtras): DynamicModule {
  const name = extras.name;
  const providers: Provider[] = [...(definition.providers ?? []), { provide: SECRETS_VAULT_NAME, useValue: name }];
  if (name === undefined) {
    providers.push(SecretsService);
    return { ...definition, providers, exports: [SecretsService, SECRETS_CONFIG], global: extras.isGlobal === true };
  }
  // A named Vault's service exists only under its own token, so `get(SecretsService)` never finds it.
  const token = getSecretsServiceToken(name);
  providers.push({ provide: token, useClass: SecretsService });
  return { ...definition, providers, exports: [token], global: true };
}

/**
 * Built by Nest's `ConfigurableModuleBuilder`: the base class of `SecretsModule` (its `forRoot` /
 * `forRootAsync`), the options injection token and the option types.
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
