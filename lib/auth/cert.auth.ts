import type { AuthContext, AuthMethod } from '../contracts/auth-method.js';
import type { AuthResult } from '../contracts/auth-result.js';
import { postLogin } from './login-request.js';
import type { CertAuthOptions } from '../options/auth-options.js';

/**
 * TLS certificate login: `POST auth/<mount>/login` with `{ name? }`, authenticated by the client
 * certificate presented in the TLS handshake (Vault API docs `/v1/auth/cert/login`,
 * `website/content/api-docs/auth/cert.mdx`). Vault answers 400 `invalid certificate or no client
 * certificate supplied` when no configured role trusts the certificate (a `VaultRequestError`).
 */
export class CertAuthMethod implements AuthMethod {
  readonly name = 'cert';
  readonly canLogin = true;
  readonly #options: CertAuthOptions;

  constructor(options: CertAuthOptions) {
    this.#options = options;
  }

  login(context: AuthContext): Promise<AuthResult> {
    const body: Record<string, unknown> = {};
    if (this.#options.name !== undefined) body.name = this.#options.name;
    return postLogin(context, this.#options.mount ?? 'cert', body);
  }

  toJSON(): Record<string, unknown> {
    return {
      method: this.name,
      mount: this.#options.mount ?? 'cert',
      ...(this.#options.name === undefined ? {} : { name: this.#options.name }),
    };
  }
}
