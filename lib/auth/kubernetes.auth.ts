import type { AuthContext, AuthMethod } from '../contracts/auth-method.js';
import type { AuthResult } from '../contracts/auth-result.js';
import { readCredential } from './credential-source.js';
import { postLogin } from './login-request.js';
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
    const jwt = await readCredential(
      { file: this.#options.jwtFile ?? DEFAULT_KUBERNETES_JWT_FILE },
      'the Kubernetes service-account token',
    );
    return postLogin(context, this.#options.mount ?? 'kubernetes', { role: this.#options.role, jwt });
  }

  toJSON(): Record<string, unknown> {
    return { method: this.name, mount: this.#options.mount ?? 'kubernetes', role: this.#options.role };
  }
}
