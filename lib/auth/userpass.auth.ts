import type { AuthContext, AuthMethod } from '../contracts/auth-method.js';
import type { AuthResult } from '../contracts/auth-result.js';
import { readCredential } from './credential-source.js';
import { postLogin } from './login-request.js';
import { fingerprint } from './credential-fingerprint.js';
import type { PreparedLogin } from './prepared-login.js';
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
    return (await this.prepareLogin(context)).send();
  }

  /** Reads the password now and fingerprints it; `send()` posts the login. */
  async prepareLogin(context: AuthContext): Promise<PreparedLogin> {
    const o = this.#options;
    const mount = o.mount ?? 'userpass';
    const password = await readCredential({ value: o.password, file: o.passwordFile, env: o.passwordEnv }, 'the userpass password');
    return {
      // Vault's lockout is keyed by the lowercased username.
      identity: fingerprint('userpass', mount, o.username.toLowerCase()),
      secret: fingerprint(password),
      files: o.passwordFile === undefined ? [] : [o.passwordFile],
      send: () => postLogin(context, mount, { password }, o.username),
    };
  }

  toJSON(): Record<string, unknown> {
    return { method: this.name, mount: this.#options.mount ?? 'userpass', username: this.#options.username };
  }
}
