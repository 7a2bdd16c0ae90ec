import { homedir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { isJsonObject, type VaultEnvelope } from '../transport/vault-envelope.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';
import type { AuthContext, AuthMethod } from '../contracts/auth-method.js';
import type { AuthResult } from '../contracts/auth-result.js';
import { readCredential, type CredentialSource } from './credential-source.js';
import { fingerprint } from './credential-fingerprint.js';
import type { PreparedLogin } from './prepared-login.js';

/** Where the Vault CLI stores the token after `vault login`. */
export function defaultTokenFile(): string {
  return join(homedir(), '.vault-token');
}

/**
 * Uses a token the app was given. "Logging in" looks it up (`GET auth/token/lookup-self`) to learn
 * its TTL, renewability and type. With a fixed value the module cannot obtain a new token
 * (`canLogin` false); with a file it re-reads the file.
 */
export class TokenAuthMethod implements AuthMethod {
  readonly name = 'token';
  readonly canLogin: boolean;
  readonly #source: CredentialSource;

  /**
   * @param source - `{ value }` for a fixed token, `{ file }` for a token file re-read at each login.
   */
  constructor(source: CredentialSource) {
    this.#source = source;
    this.canLogin = source.file !== undefined;
  }

  /** Builds the method from options and the environment: option, `VAULT_TOKEN`, then `~/.vault-token` if it exists. */
  static fromOptions(options: { token?: string; tokenFile?: string }, env: NodeJS.ProcessEnv = process.env): TokenAuthMethod | undefined {
    if (options.tokenFile) return new TokenAuthMethod({ file: options.tokenFile });
    const token = options.token ?? (env.VAULT_TOKEN?.trim() || undefined);
    if (token) return new TokenAuthMethod({ value: token });
    const file = defaultTokenFile();
    return existsSync(file) ? new TokenAuthMethod({ file }) : undefined;
  }

  /** `GET auth/token/lookup-self` with the token. */
  async login(context: AuthContext): Promise<AuthResult> {
    return (await this.prepareLogin(context)).send();
  }

  /** Reads the token now (a file is re-read each time) and fingerprints it; `send()` looks it up. */
  async prepareLogin(context: AuthContext): Promise<PreparedLogin> {
    const token = await readCredential(this.#source, 'the Vault token');
    return {
      identity: fingerprint('token'),
      secret: fingerprint(token),
      files: this.#source.file === undefined ? [] : [this.#source.file],
      send: () => this.#lookup(context, token),
    };
  }

  async #lookup(context: AuthContext, token: string): Promise<AuthResult> {
    const path = 'auth/token/lookup-self';
    const response = await context.client.request<VaultEnvelope<Record<string, unknown>>>({ method: 'GET', path, token, priority: 'high' });
    const data = response.body?.data;
    if (!isJsonObject(data)) throw new MalformedResponseError('lookup-self must return data', { path, status: response.status });
    return {
      token,
      accessor: typeof data.accessor === 'string' ? data.accessor : undefined,
      policies: Array.isArray(data.policies) ? data.policies.filter((p): p is string => typeof p === 'string') : [],
      leaseDuration: typeof data.ttl === 'number' ? data.ttl : 0,
      renewable: data.renewable === true,
      tokenType: data.type === 'batch' ? 'batch' : 'service',
      explicitMaxTtl: typeof data.explicit_max_ttl === 'number' ? data.explicit_max_ttl : undefined,
      createdAt: typeof data.creation_time === 'number' && data.creation_time > 0 ? data.creation_time * 1000 : undefined,
    };
  }

  toJSON(): Record<string, unknown> {
    return { method: this.name, source: this.#source.file ? 'file' : 'value' };
  }
}
