import { readdirSync, readFileSync, statSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { AuthMethodBuilder } from './auth-method-builder.js';
import { type AuthOptions } from './auth-options.js';
import type { AuthMethod } from '../contracts/auth-method.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { pathProblem } from '../util/path-problem.js';
import { parseGoBool, readVaultEnv } from './env-defaults.js';
import { FallbackJsonOptions } from './fallback-json-options.js';
import { normalizeNamespace } from './normalize-namespace.js';
import type { OptionSpec } from './option-spec.js';
import { OPTION_DEFAULTS, OPTIONS_SCHEMA } from './options.schema.js';
import type { ResolvedVaultConfig } from './resolved-vault-config.js';
import { VaultConfig } from './vault-config.js';

const UNKNOWN_HINT = 'check its spelling (see the configuration table in the README)';

/** The option names `resolveVaultConfig` accepts: every schema entry but the module-only ones (`isGlobal`). */
const KNOWN_OPTIONS: ReadonlySet<string> = new Set(
  Object.entries(OPTIONS_SCHEMA)
    .filter(([, spec]: [string, OptionSpec]) => spec.scope !== 'module')
    .map(([name]) => name),
);

/** Object options whose every key must be a schema field (`cache`, `leases`, `watch`), with their example. */
const STRICT_OBJECTS: readonly { name: string; fields: readonly string[]; example: string }[] = Object.entries(OPTIONS_SCHEMA).flatMap(
  ([name, spec]: [string, OptionSpec]) =>
    spec.fields && spec.objectExample !== undefined ? [{ name, fields: Object.keys(spec.fields), example: spec.objectExample }] : [],
);

function flatten(errors: ValidationError[], prefix = ''): string[] {
  const out: string[] = [];
  for (const error of errors) {
    const name = `${prefix}${error.property}`;
    const constraints = error.constraints ?? {};
    for (const [kind, message] of Object.entries(constraints)) {
      out.push(kind === 'whitelistValidation' ? `unknown option "${name}": ${UNKNOWN_HINT}` : message);
    }
    if (error.children && error.children.length > 0) out.push(...flatten(error.children, `${name}.`));
  }
  return out;
}

/**
 * Whether traffic to `hostname` (a URL's hostname: IPv6 in brackets) stays on this machine:
 * `localhost`, 127.0.0.0/8, `::1` (also IPv4-mapped loopback). A `.invalid` name (RFC 6761) never
 * resolves, so nothing can leave the machine either (the in-memory testing module uses one).
 */
function isLocalHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (host === 'localhost' || host === 'invalid' || host.endsWith('.invalid')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) {
    if (host === '::1') return true;
    // WHATWG URLs write IPv4-mapped addresses in hex: ::ffff:127.0.0.1 -> ::ffff:7f00:1
    const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(host);
    return mapped !== null && Number.parseInt(mapped[1] ?? '0', 16) >> 8 === 127;
  }
  return false;
}

function trimSlashes(value: string): string {
  return value.replace(/^\/+/, '').replace(/\/+$/, '');
}

/**
 * Validates module options, fills defaults from the Vault CLI environment variables and loads
 * the CA file. Called once at boot by `SecretsModule` and `SecretsManager`.
 *
 * @param input - the options object given by the app (plain object or `VaultConfig` instance).
 * @param env - environment to read `VAULT_*` from.
 * @param auth - checks `auth` and builds the method (given by `auth/`: options never import auth);
 *   `resolveVaultConfig` in `core/` passes it.
 * @returns the frozen resolved configuration.
 * @throws InvalidOptionsError (code `SECRETS_INVALID_OPTIONS`) listing every problem found.
 */
export function resolveVaultOptions(input: unknown, env: NodeJS.ProcessEnv, auth: AuthMethodBuilder): ResolvedVaultConfig {
  if (input === null || input === undefined) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidOptionsError(['options must be an object such as { address, token, secretsPath }']);
  }
  const source = input as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Reflect.ownKeys(source)) {
    if (typeof key !== 'string' || !KNOWN_OPTIONS.has(key)) problems.push(`unknown option "${String(key)}": ${UNKNOWN_HINT}`);
  }
  for (const { name, fields, example } of STRICT_OBJECTS) {
    const value = source[name];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const key of Reflect.ownKeys(value)) {
        if (typeof key !== 'string' || !fields.includes(key)) problems.push(`unknown option "${name}.${String(key)}": ${UNKNOWN_HINT}`);
      }
    }
    if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      problems.push(`${name} must be an object such as ${example}`);
    }
  }
  const safeInput = Object.fromEntries(Object.entries(source).filter(([key]) => KNOWN_OPTIONS.has(key)));
  const config = plainToInstance(VaultConfig, safeInput, { exposeDefaultValues: false });
  const notObjects = new Set(problems.filter((p) => p.includes(' must be an object')).map((p) => p.split(' ')[0]));
  problems.push(
    ...flatten(
      validateSync(config, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false, stopAtFirstError: true }).filter(
        (error) => !notObjects.has(error.property),
      ),
    ),
  );
  const vaultEnv = readVaultEnv(env);

  // address
  const rawAddress = config.address ?? vaultEnv.VAULT_ADDR;
  let address = '';
  if (rawAddress === undefined) {
    problems.push('address is required: set `address` (e.g. "http://127.0.0.1:8200") or the VAULT_ADDR environment variable');
  } else if (typeof rawAddress === 'string') {
    try {
      const url = new URL(rawAddress);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        problems.push(`address must use http:// or https://, got "${url.protocol}"`);
      } else if (url.username || url.password) {
        problems.push('address must not contain credentials; pass the token through `token` or VAULT_TOKEN');
      } else if (url.search || url.hash) {
        problems.push('address must not contain a query string or fragment');
      }
      address = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
      if (address.endsWith('/v1')) address = address.slice(0, -3);
    } catch {
      problems.push('address is not a valid URL: use the form "https://vault.example.com:8200"');
    }
  }

  const warnings: string[] = [];
  if (address.startsWith('http://') && !isLocalHost(new URL(address).hostname)) {
    warnings.push(
      `address ${address} uses plain http:// to a host that is not loopback: the token and every secret cross the network unencrypted; use https://`,
    );
  }

  // token and auth method
  const token = config.token ?? vaultEnv.VAULT_TOKEN;
  if (typeof token === 'string' && /\s/.test(token)) {
    problems.push('token must not contain whitespace (check for a trailing newline when it is read from a file)');
  }
  const rawAuth = (safeInput as { auth?: unknown }).auth;
  const authProblems = auth.problems(rawAuth);
  problems.push(...authProblems);
  let authMethod: AuthMethod | undefined;
  if (authProblems.length === 0) {
    authMethod = auth.create(rawAuth as AuthOptions | AuthMethod | undefined, token, { ...env, VAULT_TOKEN: vaultEnv.VAULT_TOKEN });
    if (!authMethod) {
      problems.push(
        'a token is required: set `token`, the VAULT_TOKEN environment variable or ~/.vault-token, or configure `auth` (approle, kubernetes, jwt, userpass)',
      );
    }
  }

  // TLS
  let verifySsl: boolean = config.verifySsl ?? OPTION_DEFAULTS.verifySsl;
  if (config.verifySsl === undefined && vaultEnv.VAULT_SKIP_VERIFY !== undefined) {
    const skip = parseGoBool(vaultEnv.VAULT_SKIP_VERIFY);
    if (skip === undefined) problems.push('VAULT_SKIP_VERIFY must be a boolean such as "true" or "false"');
    else verifySsl = !skip;
  }
  if (!verifySsl) {
    warnings.push(
      `TLS verification of Vault is off (${config.verifySsl === false ? 'verifySsl: false' : 'VAULT_SKIP_VERIFY'}): anyone on the network path can pose as Vault and receive the token; use it in development only, and set caCert / VAULT_CACERT instead`,
    );
  }
  const caParts: string[] = [];
  const caSource = config.caCert ?? vaultEnv.VAULT_CACERT;
  if (typeof caSource === 'string' && caSource.length > 0) {
    const pem = loadPem(caSource, config.caCert !== undefined ? 'caCert' : 'VAULT_CACERT', 'certificate', problems);
    if (pem !== undefined) caParts.push(pem);
  }
  const caPathSource = config.caPath ?? vaultEnv.VAULT_CAPATH;
  if (typeof caPathSource === 'string' && caPathSource.length > 0) {
    caParts.push(...loadCaDirectory(caPathSource, config.caPath !== undefined ? 'caPath' : 'VAULT_CAPATH', problems));
  }
  const caCert = caParts.length > 0 ? caParts.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('') : undefined;
  const certSource = config.clientCert ?? vaultEnv.VAULT_CLIENT_CERT;
  const keySource = config.clientKey ?? vaultEnv.VAULT_CLIENT_KEY;
  const certName = config.clientCert !== undefined ? 'clientCert' : 'VAULT_CLIENT_CERT';
  const keyName = config.clientKey !== undefined ? 'clientKey' : 'VAULT_CLIENT_KEY';
  let clientCert: string | undefined;
  let clientKey: string | undefined;
  if ((certSource === undefined) !== (keySource === undefined)) {
    problems.push(
      certSource === undefined
        ? `${keyName} is set but clientCert (or VAULT_CLIENT_CERT) is not: a client certificate needs both the certificate and its private key`
        : `${certName} is set but clientKey (or VAULT_CLIENT_KEY) is not: a client certificate needs both the certificate and its private key`,
    );
  } else if (typeof certSource === 'string' && typeof keySource === 'string') {
    clientCert = loadPem(certSource, certName, 'certificate', problems);
    clientKey = loadPem(keySource, keyName, 'private key', problems);
    if (clientCert !== undefined && clientKey !== undefined) {
      const mismatch = keyPairProblem(clientCert, clientKey, certName, keyName);
      if (mismatch) problems.push(mismatch);
    }
  }
  const tlsServerName = config.tlsServerName ?? vaultEnv.VAULT_TLS_SERVER_NAME;
  if (address.startsWith('http://') && (caCert !== undefined || clientCert !== undefined || tlsServerName !== undefined)) {
    warnings.push(`address ${address} uses plain http://, so the TLS settings (CA, client certificate, server name) are not used`);
  }

  // namespaces
  let namespace: string | undefined;
  const rawNamespace = config.namespace ?? vaultEnv.VAULT_NAMESPACE;
  if (typeof rawNamespace === 'string') {
    const normalized = normalizeNamespace(rawNamespace, config.namespace !== undefined ? 'namespace' : 'VAULT_NAMESPACE');
    if (normalized.problem) problems.push(normalized.problem);
    namespace = normalized.value;
  }
  let authNamespace: string | undefined = namespace;
  const rawAuthNamespace = isPlainRecord(rawAuth) && !isAuthMethodLike(rawAuth) ? rawAuth.namespace : undefined;
  if (typeof rawAuthNamespace === 'string') {
    const normalized = normalizeNamespace(rawAuthNamespace, 'auth.namespace');
    if (normalized.problem) problems.push(normalized.problem);
    authNamespace = normalized.value;
  }
  if (
    authMethod?.name === 'cert' &&
    clientCert === undefined &&
    !problems.some((p) => p.includes('clientCert') || p.includes('VAULT_CLIENT_CERT'))
  ) {
    problems.push(
      'the cert auth method logs in with the TLS client certificate: set clientCert and clientKey (or VAULT_CLIENT_CERT and VAULT_CLIENT_KEY)',
    );
  }

  // paths
  const secretsPath = trimSlashes(typeof config.secretsPath === 'string' ? config.secretsPath : OPTION_DEFAULTS.secretsPath);
  if (typeof config.secretsPath === 'string' || config.secretsPath === undefined) {
    const problem = pathProblem(secretsPath);
    if (problem) problems.push(`secretsPath "${secretsPath}" ${problem}`);
  }
  let secretsMount: string | undefined;
  if (typeof config.secretsMount === 'string' && config.secretsMount.length > 0) {
    secretsMount = trimSlashes(config.secretsMount);
    const problem = pathProblem(secretsMount);
    if (problem) problems.push(`secretsMount "${secretsMount}" ${problem}`);
    else if (secretsPath !== secretsMount && !secretsPath.startsWith(`${secretsMount}/`)) {
      problems.push(`secretsPath "${secretsPath}" must start with secretsMount "${secretsMount}"`);
    }
  }

  const paths: Record<string, string> = {};
  const rawPaths = (safeInput as { paths?: unknown }).paths;
  // JSON config can hold an own "__proto__" key, which class-transformer and any assignment drop silently.
  if (typeof rawPaths === 'object' && rawPaths !== null && Object.hasOwn(rawPaths, '__proto__')) {
    problems.push('paths name "__proto__" is reserved: choose another name');
  }
  if (typeof config.paths === 'object' && config.paths !== null) {
    for (const [name, value] of Object.entries(config.paths)) {
      if (!/^[A-Za-z0-9_-]+$/.test(name)) {
        problems.push(`paths name "${name}" must contain only letters, digits, "_" and "-" (it is written before ":" in keys)`);
        continue;
      }

      if (typeof value !== 'string') {
        problems.push(`paths.${name} must be a path string such as "secret/data/shared"`);
        continue;
      }
      const path = trimSlashes(value);
      const problem = pathProblem(path);
      if (problem) problems.push(`paths.${name} "${path}" ${problem}`);
      else paths[name] = path;
    }
  }

  // fallback file (used by the fallback chain)
  let fallbackJson: FallbackJsonOptions | undefined;
  if (typeof config.fallbackJson === 'string') {
    fallbackJson = { path: config.fallbackJson };
  } else if (typeof config.fallbackJson === 'object' && config.fallbackJson !== null) {
    const fallback = plainToInstance(FallbackJsonOptions, config.fallbackJson);
    const fallbackProblems = flatten(
      validateSync(fallback, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true }),
      'fallbackJson.',
    );
    problems.push(
      ...fallbackProblems.map((p) => (p.startsWith('unknown option') || p.startsWith('fallbackJson.') ? p : `fallbackJson.${p}`)),
    );
    fallbackJson = { ...fallback };
  }

  for (const key of config.watch?.keys ?? []) {
    const problem = typeof key === 'string' ? pathProblem(key) : undefined;
    if (problem) problems.push(`watch.keys entry "${key}" ${problem}`);
  }

  // A nested unknown key is found both by the schema check and by class-validator's whitelist: list it once.
  if (problems.length > 0) throw new InvalidOptionsError([...new Set(problems)]);

  const resolved = {
    address,
    namespace,
    authNamespace,
    verifySsl,
    caCert,
    clientCert,
    tlsServerName,
    kvVersion: config.kvVersion ?? OPTION_DEFAULTS.kvVersion,
    secretsPath,
    secretsMount,
    paths: Object.freeze(paths),
    fallbackJson,
    renewToken: config.renewToken ?? OPTION_DEFAULTS.renewToken,
    fallbackEnv:
      config.fallbackEnv === false
        ? (false as const)
        : typeof config.fallbackEnv === 'string'
          ? config.fallbackEnv
          : OPTION_DEFAULTS.fallbackEnv,
    maxStalenessMs: config.maxStalenessMs ?? OPTION_DEFAULTS.maxStalenessMs,
    failFast: config.failFast ?? OPTION_DEFAULTS.failFast,
    fallbackKeys: Object.freeze([...(config.fallbackKeys ?? OPTION_DEFAULTS.fallbackKeys)]),
    requestTimeoutMs: config.requestTimeoutMs ?? OPTION_DEFAULTS.requestTimeoutMs,
    connectTimeoutMs: config.connectTimeoutMs ?? OPTION_DEFAULTS.connectTimeoutMs,
    maxConcurrentRequests: config.maxConcurrentRequests ?? OPTION_DEFAULTS.maxConcurrentRequests,
    bulkConcurrency: config.bulkConcurrency ?? OPTION_DEFAULTS.bulkConcurrency,
    maxRetries: config.maxRetries ?? OPTION_DEFAULTS.maxRetries,
    watch: Object.freeze({
      enabled: config.watch?.enabled ?? OPTION_DEFAULTS.watch.enabled,
      keys: Object.freeze([...(config.watch?.keys ?? OPTION_DEFAULTS.watch.keys)]),
      intervalMs: config.watch?.intervalMs ?? OPTION_DEFAULTS.watch.intervalMs,
      events: config.watch?.events ?? OPTION_DEFAULTS.watch.events,
    }),
    leases: Object.freeze({
      overlapMs: config.leases?.overlapMs ?? OPTION_DEFAULTS.leases.overlapMs,
      handlerTimeoutMs: config.leases?.handlerTimeoutMs ?? OPTION_DEFAULTS.leases.handlerTimeoutMs,
      shutdownTimeoutMs: config.leases?.shutdownTimeoutMs ?? OPTION_DEFAULTS.leases.shutdownTimeoutMs,
    }),
    cache: Object.freeze({
      ttlMs: config.cache?.ttlMs ?? OPTION_DEFAULTS.cache.ttlMs,
      maxEntries: config.cache?.maxEntries ?? OPTION_DEFAULTS.cache.maxEntries,
    }),
    telemetry: Object.freeze({
      includeKeyNames: config.telemetry?.includeKeyNames ?? OPTION_DEFAULTS.telemetry.includeKeyNames,
    }),
    warnings: Object.freeze(warnings),
  };
  Object.defineProperty(resolved, 'authMethod', { value: authMethod, enumerable: false });
  // The private key never shows in util.inspect, JSON.stringify or a spread of the config.
  Object.defineProperty(resolved, 'clientKey', { value: clientKey, enumerable: false });
  const raw = safeInput as { onTokenRenewalFailed?: unknown; onRotate?: unknown; engines?: unknown; rotation?: unknown };
  Object.defineProperty(resolved, 'rotation', { value: Object.freeze({ ...(raw.rotation as object | undefined) }), enumerable: false });
  Object.defineProperty(resolved, 'onTokenRenewalFailed', { value: raw.onTokenRenewalFailed, enumerable: false });
  Object.defineProperty(resolved, 'onRotate', { value: raw.onRotate, enumerable: false });
  Object.defineProperty(resolved, 'engines', { value: Array.isArray(raw.engines) ? [...raw.engines] : [], enumerable: false });
  return Object.freeze(resolved) as ResolvedVaultConfig;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAuthMethodLike(value: Record<string, unknown>): boolean {
  return typeof value.login === 'function';
}

/**
 * Reads PEM text given inline or as a file path. Problems name the option and the file, never
 * the content (a private key must not reach a message).
 */
function loadPem(source: string, option: string, kind: 'certificate' | 'private key', problems: string[]): string | undefined {
  const marker = kind === 'certificate' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
  if (source.includes('-----BEGIN')) {
    if (!marker.test(source)) problems.push(`${option} holds PEM text without a ${kind} block`);
    return source;
  }
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    // A private key given inline without its PEM header (base64 of the PEM, a bare DER body) must
    // not be quoted: only a value that plainly is a file path is shown.
    const shown =
      kind === 'certificate' || /^(\/|\.{1,2}\/|~\/)[^\s]{0,1000}$/.test(source)
        ? `file "${source.slice(0, 200)}"`
        : `(${source.length} characters, not shown: not PEM text, and not a readable file)`;
    problems.push(`${option} ${shown} cannot be read (${code}): give the path of a PEM file or the PEM text itself`);
    return undefined;
  }
  if (!marker.test(text)) {
    problems.push(`${option} file "${source.slice(0, 200)}" holds no PEM ${kind}`);
    return undefined;
  }
  return text;
}

/**
 * Loads every CA certificate of a directory (Vault's `VAULT_CAPATH`): each regular file must
 * hold at least one PEM certificate (as Vault's CLI requires); hidden files are skipped.
 */
function loadCaDirectory(dir: string, option: string, problems: string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    problems.push(`${option} "${dir.slice(0, 200)}" cannot be read as a directory (${code}): give a directory of PEM CA files`);
    return [];
  }
  const pems: string[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
    } catch {
      continue;
    }
    const pem = loadPem(file, option, 'certificate', problems);
    if (pem !== undefined) pems.push(pem);
  }
  if (pems.length === 0 && !problems.some((p) => p.startsWith(option))) {
    problems.push(`${option} "${dir.slice(0, 200)}" holds no CA certificate file`);
  }
  return pems;
}

/** Whether the client certificate and key belong together (checked at boot, not at the first handshake). */
function keyPairProblem(certPem: string, keyPem: string, certName: string, keyName: string): string | undefined {
  try {
    const key = createPrivateKey(keyPem);
    const certificate = new X509Certificate(certPem);
    if (!certificate.checkPrivateKey(key))
      return `${keyName} is not the private key of ${certName}: give the key the certificate was issued for`;
    const expired = Date.parse(certificate.validTo) < Date.now();
    if (expired) return `${certName} expired on ${new Date(Date.parse(certificate.validTo)).toISOString()}: renew the client certificate`;
  } catch (error) {
    const code = (error as { code?: string }).code;
    return `${certName} / ${keyName} cannot be parsed${code ? ` (${code})` : ''}: give a PEM certificate and its unencrypted PEM private key`;
  }
  return undefined;
}
