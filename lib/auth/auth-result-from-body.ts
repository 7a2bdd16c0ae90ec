import type { AuthResult } from '../contracts/auth-result.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';
import type { VaultAuthBlock } from '../transport/vault-envelope.js';
import { isJsonObject } from '../transport/vault-envelope.js';

/**
 * Reads the `auth` block of a login / token-create / renew-self response into an {@link AuthResult}.
 * @throws MalformedResponseError when there is no auth block with a client token.
 */
export function authResultFromBody(body: unknown, path: string): AuthResult {
  const auth = isJsonObject(body) && isJsonObject(body.auth) ? (body.auth as unknown as VaultAuthBlock) : undefined;
  if (!auth || typeof auth.client_token !== 'string' || auth.client_token === '') {
    throw new MalformedResponseError('a login response must carry auth.client_token', { path });
  }
  const warnings =
    isJsonObject(body) && Array.isArray(body.warnings) ? body.warnings.filter((w): w is string => typeof w === 'string') : undefined;
  return {
    token: auth.client_token,
    accessor: typeof auth.accessor === 'string' ? auth.accessor : undefined,
    policies: Array.isArray(auth.policies) ? auth.policies : [],
    leaseDuration: typeof auth.lease_duration === 'number' ? auth.lease_duration : 0,
    renewable: auth.renewable === true,
    tokenType: auth.token_type === 'batch' ? 'batch' : 'service',
    warnings,
  };
}
