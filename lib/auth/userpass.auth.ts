import type { AuthContext, AuthMethod } from '../contracts/auth-method.js';
import type { AuthResult } from '../contracts/auth-result.js';
import { readCredential } from './credential-source.js';
import { postLogin } from './login-request.js';
import type { UserpassAuthOptions } from '../options/auth-options.js';

/** Userpass login: `POST auth/<mount>/login/<username>` with `{ password }`. */
export class UserpassAuthMethod implements AuthMethod {
  readonly name = 'userpass';
  readonly canLogin = true;

  readonly #options: UserpassAuthOptions;

  constructor(options: UserpassAuthOptions) {
    this.#options = options;
  }

  async login(context: AuthContext): Promise<AuthResult> {
    const o = this.#options;
    const password = await readCredential({ value: o.password, file: o.passwordFile, env: o.passwordEnv }, 'the userpass password');
    return postLogin(context, o.mount ?? 'userpass', { password }, o.username);
  }

  toJSON(): Record<string, unknown> {
    return { method: this.name, mount: this.#options.mount ?? 'userpass', username: this.#options.username };
  }
}
