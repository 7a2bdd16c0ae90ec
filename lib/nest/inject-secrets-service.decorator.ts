import { Inject } from '@nestjs/common';
import { getSecretsServiceToken } from './secrets-service-token.js';

/**
 * Injects the {@link SecretsService} of a named Vault (`SecretsModule.forRoot({ name: 'billing' })`),
 * or of the default module without a name.
 *
 * ```ts
 * constructor(@InjectSecretsService('billing') private readonly billing: SecretsService) {}
 * ```
 */
export function InjectSecretsService(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getSecretsServiceToken(name));
}
