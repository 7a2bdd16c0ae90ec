/**
 * Vault's raw operator handlers (registered on the HTTP mux before the logical router, so they
 * answer while sealed and without the ACL pipeline): `sys/init`
 * (https://developer.hashicorp.com/vault/api-docs/system/init), `sys/seal` (…/system/seal),
 * `sys/unseal` (…/system/unseal) and `sys/leader` (…/system/leader); `sys/rekey/*` and
 * `sys/generate-root/*` are registered from their own files.
 */
import { asStruct } from './go-json.js';
import { emptyResult, errorResult, jsonResult, type HttpResult } from './envelope.js';
import { aclDenied, VaultError } from './errors.js';
import { registerGenerateRootEndpoints } from './generate-root-endpoints.js';
import { sysSealStatus } from './health.js';
import { clientTokenFrom } from './http-request.js';
import { decodeKeyShare, keyLengthProblem, RawBody } from './raw-body.js';
import { registerRekeyEndpoints } from './rekey-endpoints.js';
import type { RawHandler, RawRequest } from './router.js';
import type { VaultCore } from './vault-core.js';

/** Where raw handlers are registered (the HTTP router). */
export interface RawHandlerRegistry {
  registerRawHandler(path: string, handler: RawHandler): void;
}

/** Runs a raw handler, turning a thrown {@link VaultError} into Vault's error body. */
export function guarded(handler: RawHandler): RawHandler {
  return (request) => {
    try {
      return handler(request);
    } catch (error: unknown) {
      if (error instanceof VaultError) return errorResult(error.status, error.errors);
      throw error;
    }
  };
}

/** 503 `Vault is sealed` (Vault's `consts.ErrSealed` after `AdjustErrorStatusCode`). */
export function sealedError(): VaultError {
  return new VaultError(503, ['Vault is sealed']);
}

/** Registers `sys/init`, `sys/seal`, `sys/unseal`, `sys/leader`, `sys/rekey/*` and `sys/generate-root/*`. */
export function registerOperatorEndpoints(router: RawHandlerRegistry, core: VaultCore): void {
  router.registerRawHandler(
    'sys/init',
    guarded((r) => sysInit(r)),
  );
  router.registerRawHandler(
    'sys/seal',
    guarded((r) => sysSeal(core, r)),
  );
  router.registerRawHandler(
    'sys/unseal',
    guarded((r) => sysUnseal(core, r)),
  );
  router.registerRawHandler(
    'sys/leader',
    guarded((r) => sysLeader(core, r)),
  );
  registerRekeyEndpoints(router, core);
  registerGenerateRootEndpoints(router, core);
}

/** `GET sys/init` → `{"initialized": true}`; `PUT`/`POST` on this (always initialized) server → 400. */
function sysInit(r: RawRequest): HttpResult {
  if (r.method === 'GET') return jsonResult(200, asStruct({ initialized: true }));
  if (r.method !== 'PUT' && r.method !== 'POST') return errorResult(405);
  const body = RawBody.parse(r.body);
  const recovery =
    body.int('recovery_shares') !== 0 || body.int('recovery_threshold') !== 0 || body.strings('recovery_pgp_keys').length > 0;
  // A Shamir seal refuses the auto-unseal parameters before anything else (`validateInitParameters`).
  if (recovery) throw new VaultError(400, ['parameters specific to auto unseal seals present']);
  throw new VaultError(400, ['Vault is already initialized']);
}

/** `PUT sys/seal`: needs a token with `sudo` on `sys/seal` (or root); 204 (also when already sealed). */
function sysSeal(core: VaultCore, r: RawRequest): HttpResult {
  if (r.method !== 'PUT' && r.method !== 'POST') return errorResult(405);
  if (core.sealed) return emptyResult(204);
  const token = core.authenticate(clientTokenFrom(r.headers));
  const exhausted = core.tokens.use(token);
  try {
    if (!core.aclFor(token).isSudo('sys/seal')) throw aclDenied();
  } finally {
    if (exhausted) core.tokens.revokeTree(token.id);
  }
  core.sealed = true;
  core.unsealKeys.resetUnseal();
  return emptyResult(204);
}

/** `PUT sys/unseal` with `key` (hex or base64) or `reset`; answers the seal status. */
function sysUnseal(core: VaultCore, r: RawRequest): HttpResult {
  if (r.method !== 'PUT' && r.method !== 'POST') return errorResult(405);
  const body = RawBody.parse(r.body);
  if (body.bool('reset')) {
    if (!core.sealed) throw new VaultError(400, ['vault is unsealed']);
    core.unsealKeys.resetUnseal();
    return sysSealStatus('GET', core.healthState());
  }
  const text = body.string('key');
  if (text === '') throw new VaultError(400, ["'key' must be specified in request body as JSON, or 'reset' set to true"]);
  const key = decodeKeyShare(text);
  const lengthProblem = keyLengthProblem(key);
  if (lengthProblem !== undefined) throw new VaultError(400, [`invalid key: ${lengthProblem}`]);
  if (core.sealed) {
    let outcome: 'pending' | 'unsealed';
    try {
      outcome = core.unsealKeys.submitUnsealShare(key);
    } catch (error: unknown) {
      throw new VaultError(500, [error instanceof Error ? error.message : String(error)]);
    }
    if (outcome === 'unsealed') core.sealed = false;
  }
  return sysSealStatus('GET', core.healthState());
}

/**
 * `GET sys/leader`: a single node without HA storage, like `vault server -dev`
 * (`ha_enabled: false`); with the standby flags set, an HA standby that knows no active node.
 */
function sysLeader(core: VaultCore, r: RawRequest): HttpResult {
  if (r.method !== 'GET') return errorResult(405);
  if (core.sealed) throw sealedError();
  const haEnabled = core.standby || core.performanceStandby;
  return jsonResult(
    200,
    asStruct({
      ha_enabled: haEnabled,
      is_self: false,
      active_time: '0001-01-01T00:00:00Z',
      leader_address: '',
      leader_cluster_address: '',
      performance_standby: core.performanceStandby,
      performance_standby_last_remote_wal: 0,
    }),
  );
}
