import type { AuthMethod } from '../contracts/auth-method.js';
import type { AuthMethodBuilder } from './auth-method-builder.js';
import type { AuthOptions } from './auth-options.js';
import type { ResolveContext } from './resolve-context.js';

/**
 * Checks `token` and `auth` and builds the auth method with `auth/`'s builder: `auth` as given,
 * else `token`, `VAULT_TOKEN` or `~/.vault-token`. Undefined when a problem was found (every one
 * recorded, none quoting a credential).
 */
export function resolveAuthMethod(context: ResolveContext, builder: AuthMethodBuilder, env: NodeJS.ProcessEnv): AuthMethod | undefined {
  const { config, vaultEnv, problems, safeInput } = context;
  const token = config.token ?? vaultEnv.VAULT_TOKEN;
  if (typeof token === 'string' && /\s/.test(token)) {
    problems.push('token must not contain whitespace (check for a trailing newline when it is read from a file)');
  }
  const rawAuth = safeInput['auth'];
  const authProblems = builder.problems(rawAuth);
  problems.push(...authProblems);
  if (authProblems.length > 0) return undefined;
  const authMethod = builder.create(rawAuth as AuthOptions | AuthMethod | undefined, token, { ...env, VAULT_TOKEN: vaultEnv.VAULT_TOKEN });
  if (!authMethod) {
    problems.push(
      'a token is required: set `token`, the VAULT_TOKEN environment variable or ~/.vault-token, or configure `auth` (approle, kubernetes, jwt, userpass)',
    );
  }
  return authMethod;
}

/** The `cert` auth method logs in with the TLS client certificate: a problem when none is configured (and none was reported yet). */
export function certAuthProblem(authMethod: AuthMethod | undefined, clientCert: string | undefined, problems: readonly string[]): string[] {
  if (authMethod?.name !== 'cert' || clientCert !== undefined) return [];
  if (problems.some((p) => p.includes('clientCert') || p.includes('VAULT_CLIENT_CERT'))) return [];
  return [
    'the cert auth method logs in with the TLS client certificate: set clientCert and clientKey (or VAULT_CLIENT_CERT and VAULT_CLIENT_KEY)',
  ];
}
