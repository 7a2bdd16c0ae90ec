import type { AuthContext, AuthMethod } from '../contracts/auth-method.js';
import type { AuthResult } from '../contracts/auth-result.js';
import { readCredential } from './credential-source.js';
import { postLogin } from './login-request.js';
import { fingerprint } from './credential-fingerprint.js';
import type { PreparedLogin } from './prepared-login.js';
import type { JwtAuthOptions } from '../options/auth-options.js';

/** JWT/OIDC login: `POST auth/<mount>/login` with `{ role, jwt }`. */
export class JwtAuthMethod implements AuthMethod {
  readonly name = 'jwt';
  readonly canLogin = true;

  readonly #options: JwtAuthOptions;

  constructor(options: JwtAuthOptions) {
    this.#options = options;
  }

  async login(context: AuthContext): Promise<AuthResult> {
    return (await this.prepareLogin(context)).send();
  }

  /** Reads the JWT now (file, value, or `jwtProvider` called each time) and fingerprints it; `send()` posts the login. */
  async prepareLogin(context: AuthContext): Promise<PreparedLogin> {
    const o = this.#options;
    const mount = o.mount ?? 'jwt';
    const jwt = await readCredential({ callback: o.jwtProvider, value: o.jwt, file: o.jwtFile }, 'the JWT');
    const body: Record<string, unknown> = { jwt };
    if (o.role !== undefined) body.role = o.role;
    return {
      identity: fingerprint('jwt', mount, o.role ?? ''),
      secret: fingerprint(jwt),
      files: o.jwtProvider === undefined && o.jwt === undefined && o.jwtFile !== undefined ? [o.jwtFile] : [],
      send: () => postLogin(context, mount, body),
    };
  }

  toJSON(): Record<string, unknown> {
    return { method: this.name, mount: this.#options.mount ?? 'jwt', role: this.#options.role };
  }
}
