import type { VaultAuthBlock } from '../transport/vault-envelope.js';
import { isJsonObject } from '../transport/vault-envelope.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';

/** What a login gives: the token and what Vault says about it. Never logged. */
export interface AuthResult {
  /** The client token (`hvs.` / `hvb.` ...). */
  token: string;
  /** The token's accessor (safe to log). */
  accessor?: string;
  /** Policies attached to the token. */
  policies: string[];
  /** Token TTL in seconds at issue time; 0 means it never expires (root-like). */
  leaseDuration: number;
  /** Whether `auth/token/renew-self` may extend it. */
  renewable: boolean;
  /** `service` or `batch` (batch tokens cannot be renewed or revoked). */
  tokenType: 'service' | 'batch';
  /** Warnings Vault attached to the login (e.g. a capped TTL). */
  warnings?: string[];
}

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
