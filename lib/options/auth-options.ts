/**
 * The plain shapes of `VaultConfig.auth`, one per built-in method (data only: `auth/` builds the
 * methods from them, see `createAuthMethod`).
 */

/** `VaultConfig.auth`: one of the built-in methods by name, or your own {@link AuthMethod}. */
export type AuthOptions =
  AgentAuthOptions | TokenAuthOptions | AppRoleAuthOptions | KubernetesAuthOptions | JwtAuthOptions | UserpassAuthOptions | CertAuthOptions;

/** Options of the `agent` mode: `address` is a Vault Agent / Vault Proxy with auto-auth. */
export interface AgentAuthOptions {
  method: 'agent';
}

/** Options of the `token` auth method. */
export interface TokenAuthOptions {
  method: 'token';
  /** Namespace to log in to and keep the token in, when it differs from `namespace` (e.g. the parent of the secrets' one). */
  namespace?: string;
  /** The token. Default: the top-level `token` option, then `VAULT_TOKEN`, then `~/.vault-token`. */
  token?: string;
  /** A file holding the token, re-read at every "login" (e.g. a Vault Agent sink file). */
  tokenFile?: string;
}

/** Options of the `approle` auth method. Give the role ID and the secret ID each as a value, a file or an env var. */
export interface AppRoleAuthOptions {
  method: 'approle';
  /** Namespace to log in to and keep the token in, when it differs from `namespace` (e.g. the parent of the secrets' one). */
  namespace?: string;
  /** Mount path of the AppRole method, default `approle` (may contain `/`). */
  mount?: string;
  roleId?: string;
  roleIdFile?: string;
  roleIdEnv?: string;
  secretId?: string;
  secretIdFile?: string;
  secretIdEnv?: string;
  /**
   * The secret ID source holds a response-wrapping token, not the secret ID: it is unwrapped
   * once with `POST sys/wrapping/unwrap` and the secret ID kept in memory for later logins.
   */
  secretIdWrapped?: boolean;
}

/** Options of the `kubernetes` auth method. */
export interface KubernetesAuthOptions {
  method: 'kubernetes';
  /** Namespace to log in to and keep the token in, when it differs from `namespace` (e.g. the parent of the secrets' one). */
  namespace?: string;
  /** The Vault role bound to the service account. */
  role: string;
  /** Mount path, default `kubernetes`. */
  mount?: string;
  /** Service-account JWT file, default `/var/run/secrets/kubernetes.io/serviceaccount/token`. Re-read at every login (projected tokens rotate). */
  jwtFile?: string;
}

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

/** Options of the `userpass` auth method. */
export interface UserpassAuthOptions {
  method: 'userpass';
  /** Namespace to log in to and keep the token in, when it differs from `namespace` (e.g. the parent of the secrets' one). */
  namespace?: string;
  username: string;
  password?: string;
  passwordFile?: string;
  passwordEnv?: string;
  /** Mount path, default `userpass`. */
  mount?: string;
}

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
