import type { AuthContext, AuthMethod } from '../contracts/auth-method.js';
import type { AuthResult } from '../contracts/auth-result.js';
import { readCredential } from './credential-source.js';
import { postLogin } from './login-request.js';
import { fingerprint } from './credential-fingerprint.js';
import type { PreparedLogin } from './prepared-login.js';
import type { KubernetesAuthOptions } from '../options/auth-options.js';

/** Where Kubernetes mounts the pod's service-account token. */
export const DEFAULT_KUBERNETES_JWT_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Kubernetes login: `POST auth/<mount>/login` with `{ role, jwt }`, the JWT read from the file each time. */
export class KubernetesAuthMethod implements AuthMethod {
  readonly name = 'kubernetes';
  readonly canLogin = true;

  readonly #options: KubernetesAuthOptions;

  constructor(options: KubernetesAuthOptions) {
    this.#options = options;
  }

  async login(context: AuthContext): Promise<AuthResult> {
    return (await this.prepareLogin(context)).send();
  }

  /** Reads the service-account token file now and fingerprints it; `send()` posts the login. */
  async prepareLogin(context: AuthContext): Promise<PreparedLogin> {
    const file = this.#options.jwtFile ?? DEFAULT_KUBERNETES_JWT_FILE;
    const mount = this.#options.mount ?? 'kubernetes';
    const jwt = await readCredential({ file }, 'the Kubernetes service-account token');
    return {
      identity: fingerprint('kubernetes', mount, this.#options.role),
      secret: fingerprint(jwt),
      files: [file],
      send: () => postLogin(context, mount, { role: this.#options.role, jwt }),
    };
  }

  toJSON(): Record<string, unknown> {
    return { method: this.name, mount: this.#options.mount ?? 'kubernetes', role: this.#options.role };
  }
}
