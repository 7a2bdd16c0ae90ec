import { isJsonObject } from '../transport/vault-envelope.js';
import type { OptionSpec } from '../options/option-spec.js';
import { OPTIONS_SCHEMA } from '../options/options.schema.js';
import type { AuthOptions } from '../options/auth-options.js';
import { AgentAuthMethod } from './agent.auth.js';
import { AppRoleAuthMethod } from './approle.auth.js';
import { CertAuthMethod } from './cert.auth.js';
import { isAuthMethod, type AuthMethod } from '../contracts/auth-method.js';
import { JwtAuthMethod } from './jwt.auth.js';
import { KubernetesAuthMethod } from './kubernetes.auth.js';
import { TokenAuthMethod } from './token.auth.js';
import { UserpassAuthMethod } from './userpass.auth.js';

const AUTH_FIELDS: Readonly<Record<string, OptionSpec>> = OPTIONS_SCHEMA.auth.fields;

/** The fields each method accepts besides `method`, from `OPTIONS_SCHEMA.auth.fields` (in schema order). */
const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  OPTIONS_SCHEMA.auth.fields.method.methods.map((method) => [
    method,
    Object.keys(AUTH_FIELDS).filter((field) => field !== 'method' && AUTH_FIELDS[field]?.methods?.includes(method)),
  ]),
);

function exactlyOne(o: Record<string, unknown>, keys: string[], what: string, required: boolean): string[] {
  const given = keys.filter((k) => o[k] !== undefined);
  if (given.length > 1) return [`auth: give ${what} only once, through one of ${keys.join(' / ')} (got ${given.join(', ')})`];
  if (given.length === 0 && required) return [`auth: ${what} is required: set one of ${keys.join(' / ')}`];
  return given.flatMap((k) => {
    const value = o[k];
    if (k === 'jwtProvider') return typeof value === 'function' ? [] : ['auth.jwtProvider must be a function returning the JWT'];
    return typeof value === 'string' && value.trim() !== '' ? [] : [`auth.${k} must be a non-empty string`];
  });
}

/**
 * Lists what is wrong with `VaultConfig.auth` (empty when it is fine). Values are never echoed.
 */
export function authOptionProblems(auth: unknown): string[] {
  if (auth === undefined) return [];
  if (isAuthMethod(auth)) return typeof auth.name === 'string' ? [] : ['auth: a custom AuthMethod needs a string `name`'];
  if (!isJsonObject(auth)) return ['auth must be an object such as { method: "approle", roleId, secretIdFile } or an AuthMethod instance'];
  const method = auth.method;
  if (typeof method !== 'string' || !Object.hasOwn(KNOWN_KEYS, method)) {
    return [`auth.method must be one of ${Object.keys(KNOWN_KEYS).join(', ')}`];
  }
  const known = KNOWN_KEYS[method] ?? [];
  const problems = Reflect.ownKeys(auth)
    .map(String)
    .filter((k) => k !== 'method' && !known.includes(k))
    .map((k) => `unknown option "auth.${k}" for the ${method} method (known: ${known.join(', ')})`);
  if (auth.mount !== undefined && (typeof auth.mount !== 'string' || auth.mount.replace(/\//g, '') === '')) {
    problems.push('auth.mount must be a mount path such as "approle" or "k8s/prod"');
  }
  if (auth.namespace !== undefined && typeof auth.namespace !== 'string')
    problems.push('auth.namespace must be a namespace path such as "team-a/" (the namespace the auth method is mounted in)');
  switch (method) {
    case 'cert':
      if (auth.name !== undefined && (typeof auth.name !== 'string' || auth.name.trim() === ''))
        problems.push('auth.name must be the name of a certificate role (auth/cert/certs/<name>)');
      break;
    case 'token':
      problems.push(...exactlyOne(auth, ['token', 'tokenFile'], 'the token', false));
      break;
    case 'approle':
      problems.push(...exactlyOne(auth, ['roleId', 'roleIdFile', 'roleIdEnv'], 'the role_id', true));
      problems.push(...exactlyOne(auth, ['secretId', 'secretIdFile', 'secretIdEnv'], 'the secret_id', false));
      if (auth.secretIdWrapped !== undefined && typeof auth.secretIdWrapped !== 'boolean')
        problems.push('auth.secretIdWrapped must be true or false');
      break;
    case 'kubernetes':
      problems.push(...exactlyOne(auth, ['role'], 'the Vault role', true));
      problems.push(...exactlyOne(auth, ['jwtFile'], 'the JWT file', false));
      break;
    case 'jwt':
      problems.push(...exactlyOne(auth, ['jwt', 'jwtFile', 'jwtProvider'], 'the JWT', true));
      if (auth.jwtProvider !== undefined && typeof auth.jwtProvider !== 'function')
        problems.push('auth.jwtProvider must be a function returning the JWT');
      if (auth.role !== undefined && (typeof auth.role !== 'string' || auth.role === ''))
        problems.push('auth.role must be a non-empty string');
      break;
    case 'userpass':
      problems.push(...exactlyOne(auth, ['username'], 'the username', true));
      problems.push(...exactlyOne(auth, ['password', 'passwordFile', 'passwordEnv'], 'the password', true));
      break;
  }
  return problems;
}

/**
 * Builds the {@link AuthMethod} for validated options. Without `auth`, the token method is
 * used with `token`, `VAULT_TOKEN` or `~/.vault-token` (in that order).
 *
 * @returns the method, or undefined when no token can be found anywhere.
 */
export function createAuthMethod(
  auth: AuthOptions | AuthMethod | undefined,
  token: string | undefined,
  env: NodeJS.ProcessEnv,
): AuthMethod | undefined {
  if (isAuthMethod(auth)) return auth;
  switch (auth?.method) {
    case undefined:
      return TokenAuthMethod.fromOptions({ token }, env);
    case 'token':
      return TokenAuthMethod.fromOptions({ token: auth.token ?? token, tokenFile: auth.tokenFile }, env);
    case 'agent':
      return new AgentAuthMethod();
    case 'approle':
      return new AppRoleAuthMethod(auth);
    case 'kubernetes':
      return new KubernetesAuthMethod(auth);
    case 'jwt':
      return new JwtAuthMethod(auth);
    case 'userpass':
      return new UserpassAuthMethod(auth);
    case 'cert':
      return new CertAuthMethod(auth);
  }
}
