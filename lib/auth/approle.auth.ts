import { isJsonObject, type VaultEnvelope } from '../transport/vault-envelope.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';
import type { AuthContext, AuthMethod } from '../contracts/auth-method.js';
import type { AuthResult } from '../contracts/auth-result.js';
import { readCredential, type CredentialSource } from './credential-source.js';
import { postLogin } from './login-request.js';
import { fingerprint } from './credential-fingerprint.js';
import type { PreparedLogin } from './prepared-login.js';
import type { AppRoleAuthOptions } from '../options/auth-options.js';

/** AppRole login: `POST auth/<mount>/login` with `{ role_id, secret_id }`. */
export class AppRoleAuthMethod implements AuthMethod {
  readonly name = 'approle';
  readonly canLogin = true;
  readonly #options: AppRoleAuthOptions;
  #unwrappedSecretId: string | undefined;
  /** Fingerprint of the wrapping token the secret_id came from: a new wrapping token is unwrapped again. */
  #unwrappedFrom: string | undefined;

  constructor(options: AppRoleAuthOptions) {
    this.#options = options;
  }

  async login(context: AuthContext): Promise<AuthResult> {
    return (await this.prepareLogin(context)).send();
  }

  /**
   * Reads role_id and secret_id (or the wrapping token) now and fingerprints them; `send()` posts
   * the login (unwrapping first when the secret_id is wrapped).
   */
  async prepareLogin(context: AuthContext): Promise<PreparedLogin> {
    const o = this.#options;
    const mount = o.mount ?? 'approle';
    const roleId = await readCredential({ value: o.roleId, file: o.roleIdFile, env: o.roleIdEnv }, 'the AppRole role_id');
    const hasSecret = o.secretId !== undefined || o.secretIdFile !== undefined || o.secretIdEnv !== undefined;
    const secretSource: CredentialSource = { value: o.secretId, file: o.secretIdFile, env: o.secretIdEnv };
    const secret = hasSecret
      ? await readCredential(secretSource, o.secretIdWrapped ? 'the wrapped AppRole secret_id' : 'the AppRole secret_id')
      : undefined;
    return {
      identity: fingerprint('approle', mount, roleId),
      secret: secret === undefined ? '' : fingerprint(secret),
      files: [o.roleIdFile, o.secretIdFile].filter((f): f is string => f !== undefined),
      send: async () => {
        const body: Record<string, unknown> = { role_id: roleId };
        if (secret !== undefined) body.secret_id = o.secretIdWrapped ? await this.#unwrap(context, secret) : secret;
        return postLogin(context, mount, body);
      },
    };
  }

  /** `POST sys/wrapping/unwrap` with the wrapping token as `X-Vault-Token`; done once per wrapping token. */
  async #unwrap(context: AuthContext, wrappingToken: string): Promise<string> {
    const wrapped = fingerprint(wrappingToken);
    if (this.#unwrappedSecretId !== undefined && this.#unwrappedFrom === wrapped) return this.#unwrappedSecretId;
    const path = 'sys/wrapping/unwrap';
    const response = await context.client.request<VaultEnvelope<{ secret_id?: unknown }>>({
      method: 'POST',
      path,
      token: wrappingToken,
      priority: 'high',
    });
    const data = response.body?.data;
    if (!isJsonObject(data) || typeof data.secret_id !== 'string') {
      throw new MalformedResponseError('the unwrapped response holds no secret_id (was a secret_id wrapped?)', {
        path,
        status: response.status,
      });
    }
    this.#unwrappedSecretId = data.secret_id;
    this.#unwrappedFrom = wrapped;
    return data.secret_id;
  }

  toJSON(): Record<string, unknown> {
    return { method: this.name, mount: this.#options.mount ?? 'approle' };
  }
}
