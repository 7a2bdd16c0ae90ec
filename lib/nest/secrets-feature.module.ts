import { Module, type DynamicModule, type InjectionToken, type Provider } from '@nestjs/common';
import { isRotatingDeclaration, type SecretFeature } from './secret-feature.js';
import { SecretFeatures } from './secret-features.js';
import { getSecretRefToken } from './secret-ref-token.js';
import { getSecretsServiceToken } from './secrets-service-token.js';
import type { SecretsService } from './secrets.service.js';

let features = 0;

/** The module `SecretsModule.forFeature([...])` returns (one instance per call). */
@Module({})
export class SecretsFeatureModule {
  /**
   * Registers a `SecretRef` per secret entry (token {@link getSecretRefToken}) and a `Rotating`
   * per resource entry (its `provide` token), all exported.
   * @param vault - the named Vault they come from; default the unnamed module.
   */
  static register(entries: readonly SecretFeature[], vault?: string): DynamicModule {
    const loader = Symbol(`SecretFeatures#${++features}`);
    const providers: Provider[] = [
      {
        provide: loader,
        useFactory: (service: SecretsService) => SecretFeatures.load(service, entries),
        inject: [getSecretsServiceToken(vault)],
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
