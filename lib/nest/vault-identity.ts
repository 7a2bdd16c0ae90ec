import { AgentAuthMethod } from '../auth/agent.auth.js';
import { CertAuthMethod } from '../auth/cert.auth.js';
import { fingerprint } from '../auth/credential-fingerprint.js';
import { prepareLogin } from '../auth/prepared-login.js';
import type { AuthMethod } from '../contracts/auth-method.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import type { ResolvedVaultConfig } from '../options/resolved-vault-config.js';

/** Stands in for the client while a login is only read and fingerprinted: never asked to send anything. */
const noClient: VaultRequester = {
  request: () => Promise.reject(new Error('a login read for comparison is never sent')),
};

/** A per-process id for each custom auth method object: two of them are the same identity only when they are one object. */
const customMethods = new WeakMap<AuthMethod, string>();
let nextCustom = 0;

/**
 * Who the configuration logs in as, as a fingerprint: the method's name, its identity (mount and
 * role, role_id or username) and the fingerprint of its credential (token, secret_id, password,
 * JWT), read once from its value, file or variable; never the clear credential. The agent and
 * cert methods are identified by the address and the client certificate (compared with the rest
 * of the configuration); a custom method only by being the same object.
 * @returns `undefined` when the credential cannot be read now (such a configuration shares nothing).
 */
async function authIdentity(method: AuthMethod): Promise<string | undefined> {
  if (method instanceof AgentAuthMethod || method instanceof CertAuthMethod) return fingerprint('method', method.name);
  if (typeof (method as { prepareLogin?: unknown }).prepareLogin !== 'function') {
    let id = customMethods.get(method);
    if (id === undefined) customMethods.set(method, (id = `custom#${++nextCustom}`));
    return fingerprint('custom', id);
  }
  try {
    const login = await prepareLogin(method, { client: noClient });
    return fingerprint(method.name, login.identity, login.secret);
  } catch {
    return undefined;
  }
}

/**
 * @internal A fingerprint of where and as whom a configuration reads its secrets: the address,
 * the namespaces (secrets and auth), the auth identity (see {@link authIdentity}), the client
 * certificate and the KV locations (`secretsPath`, `secretsMount`, `kvVersion`, `paths`). Two
 * configurations with the same fingerprint read the same values; anything else must not share a
 * client or values. `undefined` when the credential cannot be read.
 */
export async function vaultIdentity(config: ResolvedVaultConfig): Promise<string | undefined> {
  const auth = await authIdentity(config.authMethod);
  if (auth === undefined) return undefined;
  const paths = Object.entries(config.paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return fingerprint(
    config.address,
    config.namespace ?? '',
    config.authNamespace ?? config.namespace ?? '',
    auth,
    config.clientCert ?? '',
    config.secretsPath,
    config.secretsMount ?? '',
    String(config.kvVersion),
    JSON.stringify(paths),
  );
}
