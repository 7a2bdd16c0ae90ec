import { encodeSegments, splitSecretKey } from '../transport/vault-path.js';
import type { VaultEnvelope } from '../transport/vault-envelope.js';
import { envelopeData, envelopeLease, parseLeased } from './engine-response.js';
import type { EngineContext, EngineSecret, SecretEngine } from '../contracts/secret-engine.js';

/** Dynamic or static database credentials. */
export interface DatabaseCredentialsData {
  username: string;
  password: string;
}

/** Options of a database engine read. */
export interface DatabaseFetchOptions {
  /** Mount of the database engine, default `database`. */
  mount?: string;
  /** `dynamic` (`<mount>/creds/<role>`, default) or `static` (`<mount>/static-creds/<role>`). */
  kind?: 'dynamic' | 'static';
}

/** Seconds added to a static role's `ttl` before it is read again, so Vault has rotated by then. */
export const STATIC_ROLE_REFRESH_SKEW_MS = 2000;

/**
 * The database secrets engine (https://developer.hashicorp.com/vault/api-docs/secret/databases,
 * "Generate credentials" and "Get static credentials"): `GET <mount>/creds/<role>` for dynamic
 * credentials (a renewable lease), `GET <mount>/static-creds/<role>` for static roles (no lease;
 * re-read `ttl` seconds later, when Vault has rotated the password).
 */
export const databaseEngine: SecretEngine<DatabaseCredentialsData, DatabaseFetchOptions> = {
  name: 'database',
  async fetch(context: EngineContext, role: string, options: DatabaseFetchOptions = {}): Promise<EngineSecret<DatabaseCredentialsData>> {
    const mount = encodeSegments(splitSecretKey(options.mount ?? 'database'));
    const kind = options.kind ?? 'dynamic';
    const path = `${mount}/${kind === 'static' ? 'static-creds' : 'creds'}/${encodeSegments(splitSecretKey(role))}`;
    const response = await context.client.request<VaultEnvelope>({ method: 'GET', path });
    return parseLeased(context, response.body, () => {
      const data = envelopeData(response.body, path, ['username', 'password']);
      const credentials: DatabaseCredentialsData = { username: data.username as string, password: data.password as string };
      if (kind === 'dynamic') return { data: credentials, lease: envelopeLease(response.body, path) };
      const ttl = typeof data.ttl === 'number' && data.ttl > 0 ? data.ttl : undefined;
      return {
        data: credentials,
        refreshAfterMs: ttl === undefined ? undefined : ttl * 1000 + STATIC_ROLE_REFRESH_SKEW_MS,
        version: typeof data.last_vault_rotation === 'string' ? data.last_vault_rotation : undefined,
      };
    });
  },
};
