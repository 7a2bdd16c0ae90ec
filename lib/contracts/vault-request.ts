/**
 * Queue order of a request waiting for a slot: `high` (logins, token and lease renewals and
 * revocations) goes ahead of every `normal` one (reads, lists, the watcher).
 */
export type RequestPriority = 'high' | 'normal';

/** HTTP methods the client sends. `LIST` is sent as `GET ?list=true`, which Vault treats identically. */
export type VaultMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'LIST';

/** One Vault API call. */
export interface VaultRequest {
  method: VaultMethod;
  /** API path without `/v1/`, already URL-encoded per segment, e.g. `secret/data/app/db`. */
  path: string;
  /** Query parameters. */
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON body. */
  body?: unknown;
  /** Content type for the body; default `application/json`. */
  contentType?: string;
  /** Send the token (default `true`). Logins and `sys/health` send none. */
  authenticated?: boolean;
  /** Statuses that are returned to the caller instead of being thrown as errors (e.g. `[404]` for KV reads). */
  acceptStatus?: readonly number[];
  /**
   * Send this token instead of asking the token source (token lookup/renew/revoke of a known
   * token, unwrapping with a wrapping token). No re-login retry happens for such a request.
   */
  token?: string;
  /** Timeout for this request in milliseconds, instead of `requestTimeoutMs`. */
  timeoutMs?: number;
  /**
   * Namespace of this request instead of the configured `namespace` (canonical, e.g. `team-a/`;
   * `''` = the root namespace, no header). The token manager sends logins, renewals and lookups
   * to the namespace the token lives in (`auth.namespace`).
   */
  namespace?: string;
  /**
   * Queue order when `maxConcurrentRequests` are already in flight: `high` for logins and
   * token/lease renewals and revocations, which go ahead of reads; default `normal`.
   */
  priority?: RequestPriority;
  /**
   * Strings sent in the body that must never appear in an error built from the answer (transit
   * plaintexts and ciphertexts): they are redacted from Vault's `errors` before the error is made,
   * so neither the error nor a log line about it (the supervisor logs outages) can echo them.
   */
  redact?: readonly string[];
  /**
   * A probe of whether Vault serves (the supervisor's and the health indicator's): sent once, with
   * no retry and outside the mount's circuit breaker, within its own timeout. Its answer is
   * returned as it came when its status is accepted: an empty or HTML 404/405 (a proxy hiding
   * `sys/health`) is an answer, not a "does not answer like Vault" error. Default false.
   */
  probe?: boolean;
}

/** What came back: the status, the parsed JSON body (`undefined` for an empty body) and the headers. */
export interface VaultResponse<TBody = unknown> {
  status: number;
  body: TBody | undefined;
  headers: Record<string, unknown>;
}
