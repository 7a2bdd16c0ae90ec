import type { AuthContext, AuthMethod } from './auth-method.js';
import type { AuthResult } from './auth-result.js';
import { postLogin } from './login-request.js';

/**
 * Options of the `cert` (TLS certificate) auth method. The certificate is the TLS client
 * certificate of every connection (`clientCert` / `clientKey`, or `VAULT_CLIENT_CERT` /
 * `VAULT_CLIENT_KEY`), so it is not repeated here.
 */
export interface CertAuthOptions {
  method: 'cert';
  /** Mount path of the cert method, default `cert` (may contain `/`). */
  mount?: string;
  /**
   * The certificate role to log in against (`auth/<mount>/certs/<name>`); without it Vault tries
   * every role whose CA the client certificate chains to.
   */
  name?: string;
  /** Namespace to log in to, when it differs from `namespace` (e.g. the parent of the secrets' one). */
  namespace?: string;
}

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
