import { isJsonObject, type VaultEnvelope } from '../transport/vault-envelope.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';
import type { AuthContext, AuthMethod } from '../contracts/auth-method.js';
import type { AuthResult } from '../contracts/auth-result.js';
import { readCredential, type CredentialSource } from './credential-source.js';
import { postLogin } from './login-request.js';
import type { AppRoleAuthOptions } from '../options/auth-options.js';

/** AppRole login: `POST auth/<mount>/login` with `{ role_id, secret_id }`. */
export class AppRoleAuthMethod implements AuthMethod {
  readonly name = 'approle';
  readonly canLogin = true;
  readonly #options: AppRoleAuthOptions;
  #unwrappedSecretId: string | undefined;

  constructor(options: AppRoleAuthOptions) {
    this.#options = options;
  }

  async login(context: AuthContext): Promise<AuthResult> {
    const o = this.#options;
    const roleId = await readCredential({ value: o.roleId, file: o.roleIdFile, env: o.roleIdEnv }, 'the AppRole role_id');
    const body: Record<string, unknown> = { role_id: roleId };
    const secretSource: CredentialSource = { value: o.secretId, file: o.secretIdFile, env: o.secretIdEnv };
    if (o.secretId !== undefined || o.secretIdFile !== undefined || o.secretIdEnv !== undefined) {
      body.secret_id = o.secretIdWrapped
        ? await this.#unwrap(context, secretSource)
        : await readCredential(secretSource, 'the AppRole secret_id');
    }
    return postLogin(context, o.mount ?? 'approle', body);
  }

  /** `POST sys/wrapping/unwrap` with the wrapping token as `X-Vault-Token`; done once. */
  async #unwrap(context: AuthContext, source: CredentialSource): Promise<string> {
    if (this.#unwrappedSecretId !== undefined) return this.#unwrappedSecretId;
    const wrappingToken = await readCredential(source, 'the wrapped AppRole secret_id');
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
    return data.secret_id;
  }

  toJSON(): Record<string, unknown> {
    return { method: this.name, mount: this.#options.mount ?? 'approle' };
  }
}
