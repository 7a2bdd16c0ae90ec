import type { AuthContext, AuthMethod } from './auth-method.js';
import type { AuthResult } from './auth-result.js';
import { readCredential } from './credential-source.js';
import { postLogin } from './login-request.js';

/** Options of the `jwt` auth method. Give the JWT as a value, a file (re-read at each login) or a callback. */
export interface JwtAuthOptions {
  method: 'jwt';
  /** Namespace to log in to and keep the token in, when it differs from `namespace` (e.g. the parent of the secrets' one). */
  namespace?: string;
  /** The Vault role; optional when the mount has a `default_role`. */
  role?: string;
  /** Mount path, default `jwt`. */
  mount?: string;
  jwt?: string;
  jwtFile?: string;
  /** Called at every login for a fresh JWT (e.g. from your identity provider). */
  jwtProvider?: () => string | Promise<string>;
}

/** JWT/OIDC login: `POST auth/<mount>/login` with `{ role, jwt }`. */
export class JwtAuthMethod implements AuthMethod {
  readonly name = 'jwt';
  readonly canLogin = true;

  readonly #options: JwtAuthOptions;

  constructor(options: JwtAuthOptions) {
    this.#options = options;
  }

  async login(context: AuthContext): Promise<AuthResult> {
    const o = this.#options;
    const jwt = await readCredential({ callback: o.jwtProvider, value: o.jwt, file: o.jwtFile }, 'the JWT');
    const body: Record<string, unknown> = { jwt };
    if (o.role !== undefined) body.role = o.role;
    return postLogin(context, o.mount ?? 'jwt', body);
  }

  toJSON(): Record<string, unknown> {
    return { method: this.name, mount: this.#options.mount ?? 'jwt', role: this.#options.role };
  }
}
