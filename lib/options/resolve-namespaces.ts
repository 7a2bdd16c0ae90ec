import { normalizeNamespace } from './normalize-namespace.js';
import type { ResolveContext } from './resolve-context.js';

/**
 * The namespace of the secrets (`namespace`, else `VAULT_NAMESPACE`) and the one the auth method
 * logs in to (`auth.namespace`, else the former), both canonical (`team-a/`); undefined = root.
 */
export function resolveNamespaces({ config, vaultEnv, problems, safeInput }: ResolveContext): {
  namespace: string | undefined;
  authNamespace: string | undefined;
} {
  let namespace: string | undefined;
  const rawNamespace = config.namespace ?? vaultEnv.VAULT_NAMESPACE;
  if (typeof rawNamespace === 'string') {
    const normalized = normalizeNamespace(rawNamespace, config.namespace !== undefined ? 'namespace' : 'VAULT_NAMESPACE');
    if (normalized.problem) problems.push(normalized.problem);
    namespace = normalized.value;
  }
  let authNamespace: string | undefined = namespace;
  const rawAuth = safeInput['auth'];
  // An AuthMethod object (one with `login`) is the app's own: its fields are not options.
  const isOptions =
    typeof rawAuth === 'object' &&
    rawAuth !== null &&
    !Array.isArray(rawAuth) &&
    !('login' in rawAuth && typeof rawAuth.login === 'function');
  const rawAuthNamespace = isOptions ? (rawAuth as Record<string, unknown>)['namespace'] : undefined;
  if (typeof rawAuthNamespace === 'string') {
    const normalized = normalizeNamespace(rawAuthNamespace, 'auth.namespace');
    if (normalized.problem) problems.push(normalized.problem);
    authNamespace = normalized.value;
  }
  return { namespace, authNamespace };
}
