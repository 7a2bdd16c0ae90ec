import { Injectable, Module, type DynamicModule, type InjectionToken, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { resolveVaultConfig } from '../core/resolve-vault-config.js';
import type { OnRotateCallback } from '../contracts/on-rotate-callback.js';
import { RotationHandlersExplorer } from '../nest/rotation-handlers.explorer.js';
import { SECRETS_CONFIG, SECRETS_TRANSPORT, SECRETS_VAULT_NAME } from '../nest/secrets.constants.js';
import { getSecretsServiceToken } from '../nest/secrets-service-token.js';
import { SecretsService } from '../nest/secrets.service.js';
import { InMemoryVault, type InMemorySecrets } from './in-memory-vault.js';

/** Options of {@link SecretsTestingModule.forRoot}. */
export interface SecretsTestingOptions {
  /**
   * Initial secrets: `{ database: { password: 'x' } }` for KV keys (relative to `secretsPath`),
   * `{ 'database/creds/app': { username, password } }` for dynamic credentials.
   */
  secrets?: InMemorySecrets;
  /** Default `secret` (keys are then plain names such as `database`). */
  secretsPath?: string;
  /** Called for every rotation, like `VaultConfig.onRotate`. */
  onRotate?: OnRotateCallback;
  /** Register globally (default `true`, so feature modules under test can inject `SecretsService`). */
  isGlobal?: boolean;
  /**
   * Stand in for a named Vault (`SecretsModule.forRoot({ name })`): provides
   * `getSecretsServiceToken(name)` (`@InjectSecretsService(name)`), serves
   * `forFeature([...], name)` and `@OnSecretRotated(key, { vault: name })`, and
   * {@link getSecretsTestingToken}`(name)` for its `SecretsTesting`. Import once per name.
   */
  name?: string;
}

/** Injection token of the {@link SecretsTesting} of a named in-memory Vault (the class itself without a name). */
export function getSecretsTestingToken(name?: string): InjectionToken<SecretsTesting> {
  return name === undefined ? SecretsTesting : `SecretsTesting:${name}`;
}

/**
 * Triggers rotations in a test so `@OnSecretRotated` handlers and `onRotate` run as they would
 * in production: `await testing.rotate('database', { password: 'new' })`.
 */
@Injectable()
export class SecretsTesting {
  constructor(
    private readonly secrets: SecretsService,
    /** The in-memory Vault, to `set()` or `delete()` values directly. */
    readonly vault: InMemoryVault,
  ) {}

  /**
   * Stores `value` as the new version of a KV key (or the next credentials of a dynamic secret
   * such as `database/creds/app`), then rotates it: the cache is refreshed and every handler runs.
   * Resolves when the handlers have finished.
   * @returns the new value as the app now reads it.
   */
  async rotate<T = Record<string, unknown>>(key: string, value: Record<string, unknown>): Promise<T> {
    // A leased key may be a custom one (`fetchDynamicDbCreds(role, { key })`): store under its Vault path.
    const path = this.secrets.leasePath(key);
    this.vault.set(path ?? key, value);
    // A dynamic secret the app has not fetched yet: the next fetch simply gets the new value.
    if (path === undefined && this.vault.isLeased(key)) return value as T;
    return this.secrets.rotateSecret<T>(key);
  }
}

/**
 * `SecretsService` backed by memory, for testing apps that use the module: no Vault, no HTTP,
 * no timers. Provides `SecretsService`, {@link SecretsTesting} (`rotate(key, value)`) and
 * {@link InMemoryVault}. `SecretsModule.forFeature([...])` refs and rotating resources work over
 * it (`rotate()` updates them); `forRoot({ name })` stands in for a named Vault.
 *
 * ```ts
 * const moduleRef = await Test.createTestingModule({
 *   imports: [EventEmitterModule.forRoot(), SecretsTestingModule.forRoot({ secrets: { database: { password: 'test' } } })],
 *   providers: [MyService],
 * }).compile();
 * await moduleRef.init();
 * await moduleRef.get(SecretsTesting).rotate('database', { password: 'rotated' });
 * ```
 */
@Module({})
export class SecretsTestingModule {
  /** @throws InvalidOptionsError when `secretsPath` is malformed. */
  static forRoot(options: SecretsTestingOptions = {}): DynamicModule {
    const secretsPath = options.secretsPath ?? 'secret';
    const vault = new InMemoryVault(options.secrets, secretsPath);
    const name = options.name;
    const providers: Provider[] = [
      {
        provide: SECRETS_CONFIG,
        useFactory: () =>
          resolveVaultConfig(
            {
              address: 'http://in-memory.invalid',
              token: 'in-memory',
              secretsPath,
              watch: { enabled: false },
              onRotate: options.onRotate,
            },
            {},
          ),
      },
      { provide: SECRETS_TRANSPORT, useValue: vault },
      { provide: SECRETS_VAULT_NAME, useValue: name },
      { provide: InMemoryVault, useValue: vault },
      RotationHandlersExplorer,
    ];
    if (name === undefined) {
      providers.push(SecretsService, SecretsTesting);
      return {
        module: SecretsTestingModule,
        global: options.isGlobal ?? true,
        imports: [DiscoveryModule],
        providers,
        exports: [SecretsService, SecretsTesting, InMemoryVault, SECRETS_CONFIG],
      };
    }
    // A named Vault's services exist only under their own tokens, so `get(SecretsService)` never finds them.
    providers.push(
      { provide: getSecretsServiceToken(name), useClass: SecretsService },
      {
        provide: getSecretsTestingToken(name),
        useFactory: (secrets: SecretsService, memory: InMemoryVault) => new SecretsTesting(secrets, memory),
        inject: [getSecretsServiceToken(name), InMemoryVault],
      },
    );
    return {
      module: SecretsTestingModule,
      global: true,
      imports: [DiscoveryModule],
      providers,
      exports: [getSecretsServiceToken(name), getSecretsTestingToken(name)],
    };
  }
}
