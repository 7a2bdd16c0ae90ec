/**
 * Response wrapping (https://developer.hashicorp.com/vault/docs/concepts/response-wrapping, `vault/wrapping.go`, `sys/wrapping/*`).
 *
 * A request with `X-Vault-Wrap-TTL` gets its response stored behind a single-use wrapping token
 * (policy `response-wrapping`, TTL = wrap TTL, orphan) and answered with the wrap-only envelope.
 * `sys/wrapping/unwrap` returns the stored response (first party: the wrapping token is the
 * client token; third party: `{"token": ...}` with any token allowed to unwrap),
 * `sys/wrapping/lookup` (unauthenticated) describes a wrapping token, `sys/wrapping/rewrap`
 * moves the response to a new token and `sys/wrapping/wrap` wraps arbitrary data.
 * Invalid, used or expired wrapping tokens give 400 `wrapping token is not valid or does not exist`.
 */
import { Acl } from './acl.js';
import type { HttpResult } from './envelope.js';
import { badRequest } from './errors.js';
import { isPlainObject } from './fields.js';
import { DurationParseError, parseDurationSeconds } from './go-duration.js';
import { asStruct, encodeGoJson } from './go-json.js';
import type { DataResponse, LogicalRequest, LogicalResponse, RawResponse } from './logical.js';
import { respondData } from './logical.js';
import type { PathDefinition } from './path-router.js';
import { parsePolicy } from './policy-parser.js';
import type { TestClock } from './test-clock.js';
import { formatRfc3339Nano } from './time-format.js';
import type { TokenEntry, TokenStore } from './token-store.js';

/** Name of the policy carried by wrapping tokens. */
export const RESPONSE_WRAPPING_POLICY = 'response-wrapping';

/** Vault's built-in `response-wrapping` policy. */
const RESPONSE_WRAPPING_HCL = `
path "cubbyhole/response" {
    capabilities = ["create", "read"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
`;

const INVALID_WRAPPING_TOKEN = 'wrapping token is not valid or does not exist';

/** Paths that validate a wrapping token before anything else (`wrappingVerificationFunc`). */
const VERIFIED_PATHS = new Set(['sys/wrapping/unwrap', 'sys/wrapping/lookup', 'sys/wrapping/rewrap']);

/** What the wrapper needs from the core. */
export interface WrappingDeps {
  readonly clock: TestClock;
  readonly tokens: TokenStore;
}

interface WrappedResponse {
  /** The original envelope as Go's `json.Marshal` wrote it (request id replaced on unwrap). */
  readonly body: string;
  readonly status: number;
  readonly creationPath: string;
  /** RFC3339Nano. */
  readonly creationTime: string;
  /** Seconds. */
  readonly ttl: number;
}

function headerValue(headers: LogicalRequest['headers'], name: string): string | undefined {
  const raw = headers[name];
  return Array.isArray(raw) ? raw[0] : raw;
}

/**
 * The requested wrap TTL in **seconds** (0 = no wrapping), from `X-Vault-Wrap-TTL` (Go duration
 * or integer seconds).
 * @throws VaultError 400 `error parsing X-Vault-Wrap-TTL header: ...`
 */
export function parseWrapTtl(headers: LogicalRequest['headers']): number {
  const raw = headerValue(headers, 'x-vault-wrap-ttl');
  if (raw === undefined || raw === '') return 0;
  let seconds: number;
  try {
    seconds = parseDurationSeconds(raw);
  } catch (error: unknown) {
    if (error instanceof DurationParseError) throw badRequest(`error parsing X-Vault-Wrap-TTL header: ${error.message}`);
    throw error;
  }
  if (seconds < 0) throw badRequest('error parsing X-Vault-Wrap-TTL header: requested wrap ttl cannot be negative');
  return seconds;
}

/** Whether a token is a response-wrapping token. */
export function isWrappingToken(entry: TokenEntry): boolean {
  return entry.policies.length === 1 && entry.policies[0] === RESPONSE_WRAPPING_POLICY;
}

/** Response-wrapping state of one server. */
export class ResponseWrapping {
  /** The ACL of wrapping tokens (Vault's built-in `response-wrapping` policy). */
  readonly acl = new Acl(parsePolicy(RESPONSE_WRAPPING_HCL));
  private readonly stored = new Map<string, WrappedResponse>();

  constructor(private readonly deps: WrappingDeps) {
    deps.tokens.onRevoke((entry) => this.stored.delete(entry.id));
  }

  /**
   * Validates the wrapping token of `sys/wrapping/{unwrap,lookup,rewrap}` before auth and
   * routing, like Vault's HTTP layer.
   * @throws VaultError 400 for a missing, used, expired or non-wrapping token
   */
  preflight(req: LogicalRequest): void {
    if (!VERIFIED_PATHS.has(req.path)) return;
    const raw = req.data['token'];
    let id: string | undefined;
    if (raw !== undefined && raw !== null) {
      if (typeof raw !== 'string') throw badRequest('error validating wrapping token: could not decode token in request body');
      if (raw === '') throw badRequest('error validating wrapping token: empty token in request body');
      id = raw;
    } else {
      id = req.clientToken;
    }
    if (!this.wrappingEntry(id)) throw badRequest(INVALID_WRAPPING_TOKEN);
  }

  /** A live, unused wrapping token that still holds a response. */
  private wrappingEntry(id: string | undefined): TokenEntry | undefined {
    if (!id) return undefined;
    const entry = this.deps.tokens.get(id);
    if (!entry || entry.numUses === -1 || !isWrappingToken(entry) || !this.stored.has(entry.id)) return undefined;
    return entry;
  }

  /**
   * Wraps a rendered answer when the request asked for it: only successful responses with a
   * body (status 200 envelopes) are wrapped; errors and 204s pass through.
   */
  maybeWrap(req: LogicalRequest, response: LogicalResponse | null, result: HttpResult, ttlSeconds: number): HttpResult {
    if (ttlSeconds <= 0 || response === null || response.kind !== 'data' || result.status !== 200 || result.body === '') return result;
    const wrappedAccessor = response.auth?.accessor;
    return this.store(req.path, result.body.replace(/\n$/, ''), result.status, ttlSeconds, wrappedAccessor);
  }

  /** Stores a response behind a new wrapping token and renders the wrap-only envelope. */
  private store(creationPath: string, body: string, status: number, ttlSeconds: number, wrappedAccessor?: string): HttpResult {
    const nowMs = this.deps.clock.now();
    const creationTime = formatRfc3339Nano(this.deps.clock.nowNanos());
    const entry = this.deps.tokens.insert({
      policies: [RESPONSE_WRAPPING_POLICY],
      path: creationPath,
      meta: null,
      displayName: '',
      numUses: 1,
      creationTimeMs: nowMs,
      creationTtlSeconds: ttlSeconds,
      explicitMaxTtlSeconds: ttlSeconds,
      periodSeconds: 0,
      type: 'service',
      parentId: null,
      entityId: '',
      lease: { issueTimeMs: nowMs, expireTimeMs: nowMs + ttlSeconds * 1000, ttlSeconds, lastRenewalMs: null, renewable: false },
    });
    this.stored.set(entry.id, { body, status, creationPath, creationTime, ttl: ttlSeconds });
    const wrapInfo = asStruct({
      token: entry.id,
      accessor: entry.accessor,
      ttl: ttlSeconds,
      creation_time: creationTime,
      creation_path: creationPath,
      wrapped_accessor: wrappedAccessor === undefined || wrappedAccessor === '' ? undefined : wrappedAccessor,
    });
    const envelope = asStruct({
      request_id: '',
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: null,
      wrap_info: wrapInfo,
      warnings: null,
      auth: null,
      mount_type: '',
    });
    return { status: 200, headers: { 'Content-Type': 'application/json' }, body: encodeGoJson(envelope) };
  }

  /** The wrapping token a `sys/wrapping/*` request targets, and whether it came from the body. */
  private target(req: LogicalRequest): { entry: TokenEntry; thirdParty: boolean } {
    const bodyToken = typeof req.data['token'] === 'string' && req.data['token'] !== '' ? req.data['token'] : undefined;
    if (bodyToken !== undefined) {
      const entry = this.wrappingEntry(bodyToken);
      if (!entry) throw badRequest(INVALID_WRAPPING_TOKEN);
      return { entry, thirdParty: true };
    }
    // First party: the core authenticated the wrapping token and consumed its single use.
    const entry = req.token;
    if (!entry || !isWrappingToken(entry) || !this.stored.has(entry.id)) throw badRequest(INVALID_WRAPPING_TOKEN);
    return { entry, thirdParty: false };
  }

  /** `POST sys/wrapping/unwrap`: the original response with a new `request_id` (raw body, like Vault). */
  unwrap(req: LogicalRequest): RawResponse {
    const { entry, thirdParty } = this.target(req);
    const stored = this.stored.get(entry.id);
    if (!stored) throw badRequest(INVALID_WRAPPING_TOKEN);
    this.stored.delete(entry.id);
    if (thirdParty) this.deps.tokens.revokeOrphan(entry.id);
    const body = stored.body.replace(/^\{"request_id":"[^"]*"/, `{"request_id":${JSON.stringify(req.id)}`);
    return { kind: 'raw', status: stored.status, body, headers: { 'Content-Type': 'application/json' } };
  }

  /** `sys/wrapping/lookup` (unauthenticated): creation path, time and TTL of a wrapping token. */
  lookup(req: LogicalRequest): DataResponse {
    const id = typeof req.data['token'] === 'string' && req.data['token'] !== '' ? req.data['token'] : req.clientToken;
    if (!id) throw badRequest('missing "token" value in input');
    const entry = this.wrappingEntry(id);
    const stored = entry ? this.stored.get(entry.id) : undefined;
    if (!stored) throw badRequest(INVALID_WRAPPING_TOKEN);
    return respondData({ creation_path: stored.creationPath, creation_time: stored.creationTime, creation_ttl: stored.ttl });
  }

  /** `POST sys/wrapping/rewrap`: the same response behind a new token with the original TTL. */
  rewrap(req: LogicalRequest): RawResponse {
    const { entry } = this.target(req);
    const stored = this.stored.get(entry.id);
    if (!stored) throw badRequest(INVALID_WRAPPING_TOKEN);
    this.stored.delete(entry.id);
    this.deps.tokens.revokeOrphan(entry.id);
    const result = this.store(stored.creationPath, stored.body, stored.status, stored.ttl);
    return { kind: 'raw', status: result.status, body: result.body, headers: result.headers };
  }

  /** `POST sys/wrapping/wrap`: wraps the request body; needs `X-Vault-Wrap-TTL`. */
  wrapData(req: LogicalRequest): DataResponse {
    if (parseWrapTtl(req.headers) === 0) throw badRequest('endpoint requires response wrapping to be used');
    return respondData(isPlainObject(req.data) ? { ...req.data } : {});
  }
}

/** The `sys/wrapping/*` paths of the system backend (sub-paths of `sys/`). */
export function wrappingPaths(wrapping: () => ResponseWrapping): PathDefinition[] {
  return [
    { pattern: /^wrapping\/wrap$/, operations: { update: (req) => wrapping().wrapData(req) } },
    { pattern: /^wrapping\/unwrap$/, operations: { update: (req) => wrapping().unwrap(req) } },
    { pattern: /^wrapping\/rewrap$/, operations: { update: (req) => wrapping().rewrap(req) } },
    {
      pattern: /^wrapping\/lookup$/,
      operations: { read: (req) => wrapping().lookup(req), update: (req) => wrapping().lookup(req) },
      unauthenticated: true,
    },
  ];
}
