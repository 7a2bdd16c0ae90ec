import { Module, type DynamicModule, type InjectionToken, type Provider } from '@nestjs/common';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { isRotatingDeclaration, type SecretFeature } from './secret-feature.js';
import { SecretFeatures } from './secret-features.js';
import { getSecretRefToken } from './secret-ref-token.js';
import { getSecretsServiceToken } from './secrets-service-token.js';
import type { SecretsService } from './secrets.service.js';
import { coreServiceToken } from './vault-core-tokens.js';

let features = 0;

/** The module `SecretsModule.forFeature([...])` returns (one instance per call). */
@Module({})
export class SecretsFeatureModule {
  /**
   * Registers a `SecretRef` per secret entry (token {@link getSecretRefToken}) and a `Rotating`
   * per resource entry (its `provide` token), all exported. The Vault's service comes from its
   * global core module (`SecretsModule.forRoot*`), or else from a visible `SecretsService` provider
   * (`SecretsTestingModule`).
   * @param vault - the named Vault they come from; default the unnamed module.
   * @throws at boot: InvalidOptionsError naming the Vault and the keys when no module provides the Vault.
   */
  static register(entries: readonly SecretFeature[], vault?: string): DynamicModule {
    const loader = Symbol(`SecretFeatures#${++features}`);
    const sources = [...new Set([coreServiceToken(vault), getSecretsServiceToken(vault)])];
    const providers: Provider[] = [
      {
        provide: loader,
        useFactory: (...found: Array<SecretsService | undefined>) => {
          const service = found.find((candidate) => candidate !== undefined);
          if (service === undefined) throw missingRootModule(entries, vault);
          return SecretFeatures.load(service, entries);
        },
        inject: sources.map((token) => ({ token, optional: true })),
      },
    ];
    const tokens: InjectionToken[] = entries.map((entry) =>
      isRotatingDeclaration(entry) ? entry.provide : getSecretRefToken(entry.key, vault),
    );
    tokens.forEach((token, index) => {
      providers.push({ provide: token, useFactory: (loaded: SecretFeatures) => loaded.handles[index], inject: [loader] });
    });
    return { module: SecretsFeatureModule, providers, exports: tokens };
  }
}

/** The boot error of a `forFeature` whose Vault has no `SecretsModule.forRoot*` in the app. */
function missingRootModule(entries: readonly SecretFeature[], vault: string | undefined): InvalidOptionsError {
  const keys = entries.map((entry) => {
    if (!isRotatingDeclaration(entry)) return entry.key;
    return typeof entry.secret === 'string' ? entry.secret : entry.secret.key;
  });
  const declared = `SecretsModule.forFeature([${keys.map((key) => JSON.stringify(key)).join(', ')}]${vault === undefined ? '' : `, ${JSON.stringify(vault)}`})`;
  const which = vault === undefined ? 'the default Vault' : `the Vault named ${JSON.stringify(vault)}`;
  const fix =
    vault === undefined
      ? 'import SecretsModule.forRoot(...) (or forRootAsync) first, in the app module'
      : `import SecretsModule.forRoot(...) (or forRootAsync) first, with name: ${JSON.stringify(vault)}`;
  return new InvalidOptionsError([`${declared} reads from ${which}, but the app imports no SecretsModule for it: ${fix}`]);
}
