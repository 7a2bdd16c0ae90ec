import type { VaultMethod } from '../contracts/vault-request.js';

/** Engine path segments that name what a call does, and the operation family they belong to. */
const ENGINE_VERBS: Readonly<Record<string, string>> = {
  data: 'kv',
  metadata: 'kv',
  delete: 'kv',
  undelete: 'kv',
  destroy: 'kv',
  subkeys: 'kv',
  config: 'engine',
  creds: 'creds',
  'static-creds': 'creds',
  sts: 'creds',
  issue: 'pki',
  'sign-verbatim': 'pki',
  'sign-intermediate': 'pki',
  revoke: 'pki',
  encrypt: 'transit',
  decrypt: 'transit',
  rewrap: 'transit',
  datakey: 'transit',
  hmac: 'transit',
  verify: 'transit',
};

const KV_DATA_OPERATION: Readonly<Record<VaultMethod, string>> = {
  GET: 'kv.read',
  LIST: 'kv.list',
  POST: 'kv.write',
  PUT: 'kv.write',
  PATCH: 'kv.patch',
  DELETE: 'kv.delete',
};

const GENERIC_OPERATION: Readonly<Record<VaultMethod, string>> = {
  GET: 'read',
  LIST: 'list',
  POST: 'write',
  PUT: 'write',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** Index of the first engine verb after the mount's first segment; -1 when none. */
function verbIndex(segments: readonly string[]): number {
  for (let i = 1; i < segments.length; i += 1) if (Object.hasOwn(ENGINE_VERBS, segments[i] as string)) return i;
  return -1;
}

/**
 * A low-cardinality name of what a Vault call does, from its method and path (never a key name):
 * `kv.read`, `kv.list`, `kv.metadata`, `auth.login`, `token.renew`, `token.lookup`, `lease.renew`,
 * `lease.revoke`, `sys.health`, `creds.read`, `pki.issue`, `transit.encrypt`, ...; `read`,
 * `write`, `list`, `delete` for paths no rule names (KV v1 reads, custom engines).
 */
export function vaultOperation(method: VaultMethod, path: string): string {
  const segments = path.split('/');
  const [first, second, third] = segments;
  if (first === 'sys') {
    if (second === 'health') return 'sys.health';
    if (second === 'leases' || second === 'renew' || second === 'revoke') {
      const verb = second === 'leases' ? third : second;
      return verb === 'renew' || verb === 'revoke' || verb === 'lookup' ? `lease.${verb}` : 'lease.other';
    }
    if (second === 'wrapping') return third === 'unwrap' ? 'wrapping.unwrap' : 'wrapping.other';
    return 'sys.other';
  }
  if (first === 'auth') {
    if (second === 'token') {
      const verb = (third ?? '').replace(/-self$/, '');
      return verb === 'lookup' || verb === 'renew' || verb === 'revoke' || verb === 'create' ? `token.${verb}` : 'token.other';
    }
    return segments.includes('login') ? 'auth.login' : 'auth.other';
  }
  const at = verbIndex(segments);
  if (at < 0) return GENERIC_OPERATION[method];
  const verb = segments[at] as string;
  const family = ENGINE_VERBS[verb] as string;
  if (verb === 'data') return KV_DATA_OPERATION[method];
  if (verb === 'metadata') return method === 'LIST' ? 'kv.list' : method === 'DELETE' ? 'kv.metadata.delete' : 'kv.metadata';
  if (family === 'creds') return 'creds.read';
  if (family === 'engine') return method === 'GET' ? 'engine.config' : 'engine.configure';
  return `${family}.${verb}`;
}

/**
 * The path shown to diagnostics_channel subscribers and set on spans as `vault.path`. Paths carry
 * key names (`secret/data/app/db`), role names and, for `userpass`, the user name; unless the
 * user opted in (`telemetry.includeKeyNames`), everything after the segment that names the
 * operation is replaced by `*`: `secret/data/*`, `database/creds/*`, `sys/leases/renew`,
 * `auth/userpass/login/*`. Auth paths are cut after `login` even when opted in (a user name is
 * not a key name).
 */
export function telemetryPath(path: string, includeKeyNames: boolean): string {
  const segments = path.split('/');
  let keep: number;
  if (segments[0] === 'sys') keep = 3;
  else if (segments[0] === 'auth') {
    const login = segments.indexOf('login');
    keep = login > 0 ? login + 1 : 3;
  } else if (includeKeyNames) keep = segments.length;
  else {
    const at = verbIndex(segments);
    keep = at < 0 ? 1 : at + 1;
  }
  return segments.length > keep ? `${segments.slice(0, keep).join('/')}/*` : path;
}
