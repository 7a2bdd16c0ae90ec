/**
 * The logical request/response model of the server, mirroring Vault's `logical.Request` /
 * `logical.Response`: the HTTP layer turns a request into a {@link LogicalRequest}, backends
 * answer with a {@link LogicalResponse} (or `null`, Go's nil response), and the core turns that
 * into the wire envelope.
 */
import type { MountEntry } from './mount-table.js';
import type { TokenEntry } from './token-store.js';

/** Vault operations. POST/PUT arrive as `update`; the core turns them into `create` when the backend's existence check says the target does not exist. */
export type Operation = 'read' | 'list' | 'create' | 'update' | 'delete' | 'patch';

/** A request after HTTP parsing, as seen by the core and the backends. */
export interface LogicalRequest {
  /** Request id (UUID), echoed as `request_id`. */
  readonly id: string;
  /** The operation; may be changed from `update` to `create` by the core. */
  operation: Operation;
  /** Full path without `/v1/` (LIST requests end with `/`). */
  readonly path: string;
  /** Body (writes) or query parameters (GET/DELETE/LIST). Always an object. */
  readonly data: Record<string, unknown>;
  /** Request headers (lower-case names). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw client token as sent, if any. */
  readonly clientToken: string | undefined;
  /** The authenticated token entry (set by the core before the backend runs). */
  token: TokenEntry | undefined;
  /** The mount the path was routed to (set by the core). */
  mount: MountEntry | undefined;
  /** Path relative to the mount (`data/foo` for `secret/data/foo`). */
  subPath: string;
  /** The TLS client certificate chain the connection presented (DER, leaf first); empty over plain HTTP. */
  readonly peerCertificates?: readonly Buffer[];
  /** The request's namespace (`X-Vault-Namespace`, canonical `a/b/`; `''` = root). */
  readonly namespace?: string;
}

/** The `auth` block of an envelope (Go `HTTPAuth`), fields in wire order. */
export interface AuthBlock {
  client_token: string;
  accessor: string;
  policies: string[] | null;
  token_policies?: string[];
  identity_policies?: string[];
  metadata: Record<string, string> | null;
  /** Token TTL in **seconds**. */
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: 'service' | 'batch';
  orphan: boolean;
  mfa_requirement: null;
  num_uses: number;
}

/** Lease fields of an envelope. */
export interface LeaseInfo {
  /** `lease_id` ("" for advisory TTLs such as KV v1). */
  readonly leaseId: string;
  readonly renewable: boolean;
  /** `lease_duration` in **seconds**. */
  readonly durationSeconds: number;
}

/** A normal envelope answer (status 200 unless `status` says otherwise). */
export interface DataResponse {
  readonly kind: 'data';
  readonly data: Record<string, unknown> | null;
  readonly warnings?: readonly string[];
  readonly auth?: AuthBlock;
  readonly lease?: LeaseInfo;
  readonly status?: number;
  /** Legacy `sys/` routes copy every `data` key to the top level as well. */
  readonly injectDataAtTopLevel?: boolean;
  /** Overrides the `mount_type` (e.g. `""` for login responses). */
  readonly mountType?: string;
}

/** A pre-serialised body written as-is (Vault's raw responses, e.g. plugin 404 envelopes). */
export interface RawResponse {
  readonly kind: 'raw';
  readonly status: number;
  /** Exact body bytes (may be empty). */
  readonly body: string;
  /** Binary body (DER); when set it is written instead of `body`. */
  readonly bytes?: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** An empty body with a status (204 No Content, 202 Accepted). */
export interface EmptyResponse {
  readonly kind: 'empty';
  readonly status: number;
}

/** What a backend handler returns; `null` means Go's nil response (404 on read/list, 204 otherwise). */
export type LogicalResponse = DataResponse | RawResponse | EmptyResponse;

/** Builds a {@link DataResponse}. */
export function respondData(data: Record<string, unknown> | null, extras: Omit<DataResponse, 'kind' | 'data'> = {}): DataResponse {
  return { kind: 'data', data, ...extras };
}

/** Builds an {@link EmptyResponse} (default 204). */
export function respondEmpty(status = 204): EmptyResponse {
  return { kind: 'empty', status };
}
