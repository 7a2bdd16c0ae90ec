import { Inject } from '@nestjs/common';
import { getSecretRefToken } from './secret-ref-token.js';

/**
 * Injects the live {@link SecretRef} of a secret declared with `SecretsModule.forFeature`:
 *
 * ```ts
 * constructor(@InjectSecret('database') private readonly db: SecretRef<DbSecret>) {}
 * // this.db.value is always the current value
 * ```
 * @param key - the key given to `forFeature` (a KV key, or the key of an engine secret).
 * @param vault - the named Vault it was declared on (`forFeature([...], 'billing')`); default the unnamed module.
 */
export function InjectSecret(key: string, vault?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getSecretRefToken(key, vault));
}
