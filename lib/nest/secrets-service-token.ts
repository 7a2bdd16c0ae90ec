import type { InjectionToken } from '@nestjs/common';
import { SecretsService } from './secrets.service.js';

/**
 * The injection token of a Vault's {@link SecretsService}: the `SecretsService` class for the
 * default (unnamed) module, `SecretsService:<name>` for `SecretsModule.forRoot({ name })`.
 * Like `getDataSourceToken(name)` of `@nestjs/typeorm`.
 *
 * ```ts
 * moduleRef.get<SecretsService>(getSecretsServiceToken('billing'))
 * ```
 */
export function getSecretsServiceToken(name?: string): InjectionToken<SecretsService> {
  return name === undefined ? SecretsService : `SecretsService:${name}`;
}
