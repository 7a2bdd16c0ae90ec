import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { pathProblem } from '../util/path-problem.js';
import type { AuthMethodBuilder } from './auth-method-builder.js';
import { readVaultEnv } from './env-defaults.js';
import { checkOptionShapes } from './option-problems.js';
import { certAuthProblem, resolveAuthMethod } from './resolve-auth.js';
import { resolveAddress } from './resolve-address.js';
import type { ResolveContext } from './resolve-context.js';
import { resolveDefaultedOptions } from './resolve-defaults.js';
import { resolveFallbackJson } from './resolve-fallback-json.js';
import { resolveNamespaces } from './resolve-namespaces.js';
import { resolvePaths } from './resolve-paths.js';
import { resolveTls } from './resolve-tls.js';
import type { ResolvedVaultConfig } from './resolved-vault-config.js';

/** Hidden fields: never shown by `util.inspect`, `JSON.stringify` or a spread of the configuration. */
function defineHidden(target: object, fields: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(fields)) Object.defineProperty(target, name, { value, enumerable: false });
}

/**
 * Validates module options, fills defaults from the schema and the Vault CLI environment
 * variables, loads the CA and client certificate files and builds the auth method. Called once at
 * boot by `SecretsModule` and `SecretsManager` (through `resolveVaultConfig` in `core/`).
 *
 * @param input - the options object given by the app (plain object or `VaultConfig` instance).
 * @param env - environment to read `VAULT_*` from.
 * @param auth - checks `auth` and builds the method (given by `auth/`: options never import auth).
 * @returns the frozen resolved configuration; the private key, functions and engines non-enumerable.
 * @throws InvalidOptionsError (code `SECRETS_INVALID_OPTIONS`) listing every problem found.
 */
export function resolveVaultOptions(input: unknown, env: NodeJS.ProcessEnv, auth: AuthMethodBuilder): ResolvedVaultConfig {
  if (input === null || input === undefined) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidOptionsError(['options must be an object such as { address, token, secretsPath }']);
  }
  const { safeInput, config, problems } = checkOptionShapes(input as Record<string, unknown>);
  const context: ResolveContext = { config, safeInput, vaultEnv: readVaultEnv(env), problems, warnings: [] };
  const address = resolveAddress(context);
  const authMethod = resolveAuthMethod(context, auth, env);
  const tls = resolveTls(context, address);
  const namespaces = resolveNamespaces(context);
  problems.push(...certAuthProblem(authMethod, tls.clientCert, problems));
  const paths = resolvePaths(context);
  const fallbackJson = resolveFallbackJson(context);
  for (const key of config.watch?.keys ?? []) {
    const problem = typeof key === 'string' ? pathProblem(key) : undefined;
    if (problem) problems.push(`watch.keys entry "${key}" ${problem}`);
  }
  const defaulted = resolveDefaultedOptions(context);
  // A nested unknown key is found both by the schema check and by class-validator's whitelist: list it once.
  if (problems.length > 0) throw new InvalidOptionsError([...new Set(problems)]);

  const { clientKey, ...shownTls } = tls;
  const resolved = { ...defaulted, address, ...namespaces, ...shownTls, ...paths, fallbackJson, warnings: Object.freeze(context.warnings) };
  const raw = safeInput as { onTokenRenewalFailed?: unknown; onRotate?: unknown; engines?: unknown; rotation?: unknown };
  defineHidden(resolved, {
    authMethod,
    clientKey,
    rotation: Object.freeze({ ...(raw.rotation as object | undefined) }),
    onTokenRenewalFailed: raw.onTokenRenewalFailed,
    onRotate: raw.onRotate,
    engines: Array.isArray(raw.engines) ? [...raw.engines] : [],
  });
  return Object.freeze(resolved) as ResolvedVaultConfig;
}
