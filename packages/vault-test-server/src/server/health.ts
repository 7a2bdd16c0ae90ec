/**
 * Raw (non-envelope) `sys/health` and `sys/seal-status` handlers
 * (https://developer.hashicorp.com/vault/api-docs/system/health,
 * https://developer.hashicorp.com/vault/api-docs/system/seal-status).
 */
import { asStruct } from './go-json.js';
import { emptyResult, errorResult, jsonResult, type HttpResult } from './envelope.js';
import { parseGoBool } from './fields.js';

/** Node state reported by the health endpoints. */
export interface HealthState {
  readonly initialized: boolean;
  readonly sealed: boolean;
  /** Shares needed to unseal (`t`) and shares issued (`n`). */
  readonly sealThreshold: number;
  readonly sealShares: number;
  /** Shares given so far to `sys/unseal`, and the nonce of that unseal (`''` when none). */
  readonly unsealProgress: number;
  readonly unsealNonce: string;
  readonly standby: boolean;
  readonly performanceStandby: boolean;
  /** e.g. `1.17.6` */
  readonly version: string;
  readonly buildDate: string;
  readonly clusterName: string;
  readonly clusterId: string;
  /** Current time in **ms** (from the test clock). */
  readonly nowMs: number;
}

/** Go's weak bool decoding of a query value (`""` → false); undefined when invalid. */
function queryBool(params: URLSearchParams, name: string): boolean | undefined | 'invalid' {
  const value = params.get(name);
  if (value === null) return undefined;
  if (value === '') return false;
  return parseGoBool(value) ?? 'invalid';
}

/** `GET|HEAD sys/health`: status from the table of https://developer.hashicorp.com/vault/api-docs/system/health, raw JSON body. */
export function sysHealth(method: string, params: URLSearchParams, state: HealthState): HttpResult {
  if (method !== 'GET' && method !== 'HEAD') return errorResult(405);
  const standbyOk = queryBool(params, 'standbyok');
  const perfStandbyOk = queryBool(params, 'perfstandbyok');
  if (standbyOk === 'invalid' || perfStandbyOk === 'invalid') return errorResult(400);
  const codes: Record<string, number> = {
    uninitcode: 501,
    removedcode: 530,
    sealedcode: 503,
    haunhealthycode: 474,
    drsecondarycode: 472,
    performancestandbycode: 473,
    standbycode: 429,
    activecode: 200,
  };
  for (const name of Object.keys(codes)) {
    const value = params.get(name);
    if (value === null) continue;
    if (!/^[-+]?\d+$/.test(value)) return errorResult(400);
    codes[name] = Number.parseInt(value, 10);
  }
  let code = codes['activecode'] ?? 200;
  if (!state.initialized) code = codes['uninitcode'] ?? 501;
  else if (state.sealed) code = codes['sealedcode'] ?? 503;
  else if (state.performanceStandby) code = perfStandbyOk === true ? code : (codes['performancestandbycode'] ?? 473);
  else if (state.standby) code = standbyOk === true ? code : (codes['standbycode'] ?? 429);

  const unavailable = state.sealed || !state.initialized;
  const body = asStruct({
    initialized: state.initialized,
    sealed: state.sealed,
    standby: unavailable ? true : state.standby,
    performance_standby: state.performanceStandby,
    replication_performance_mode: unavailable ? 'unknown' : 'disabled',
    replication_dr_mode: unavailable ? 'unknown' : 'disabled',
    server_time_utc: Math.floor(state.nowMs / 1000),
    version: state.version,
    enterprise: false,
    cluster_name: unavailable ? undefined : state.clusterName,
    cluster_id: unavailable ? undefined : state.clusterId,
    echo_duration_ms: 0,
    clock_skew_ms: 0,
    replication_primary_canary_age_ms: 0,
  });
  if (method === 'HEAD') return emptyResult(code);
  return jsonResult(code, body);
}

/** `GET sys/seal-status`: always 200, raw JSON body. */
export function sysSealStatus(method: string, state: HealthState): HttpResult {
  if (method !== 'GET') return errorResult(405);
  return jsonResult(
    200,
    asStruct({
      type: 'shamir',
      initialized: state.initialized,
      sealed: state.sealed,
      t: state.sealThreshold,
      n: state.sealShares,
      progress: state.unsealProgress,
      nonce: state.unsealNonce,
      version: state.version,
      build_date: state.buildDate,
      migration: false,
      cluster_name: state.sealed ? undefined : state.clusterName,
      cluster_id: state.sealed ? undefined : state.clusterId,
      recovery_seal: false,
      storage_type: 'inmem',
    }),
  );
}
