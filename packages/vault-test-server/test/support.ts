/**
 * Helpers of the test-server conformance suite: plain `fetch` calls (not our client library).
 */
import { VaultTestServer, type VaultTestServerOptions } from '../src/index.js';

/** A parsed answer. */
export interface VaultAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** Raw body text. */
  readonly text: string;
  /** Parsed JSON body (undefined when empty). */
  readonly json: unknown;
}

/** The success envelope (REFERENCE §0.2). */
export interface Envelope<D = Record<string, unknown>> {
  request_id: string;
  lease_id: string;
  renewable: boolean;
  lease_duration: number;
  data: D;
  wrap_info: unknown;
  warnings: string[] | null;
  auth: AuthBlock | null;
  mount_type: string;
}

/** The `auth` block. */
export interface AuthBlock {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies?: string[];
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: string;
  orphan: boolean;
  mfa_requirement: null;
  num_uses: number;
}

/** Options of {@link call}. */
export interface CallOptions {
  /** Sent as X-Vault-Token (omit for none). */
  readonly token?: string;
  /** JSON-encoded unless a string. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** Sends `method /v1/<path>` to the server. */
export async function call(server: VaultTestServer, method: string, path: string, options: CallOptions = {}): Promise<VaultAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers['X-Vault-Token'] = options.token;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const response = await fetch(`${server.address}/v1/${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let json: unknown;
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Calls with the root token. */
export function root(
  server: VaultTestServer,
  method: string,
  path: string,
  options: Omit<CallOptions, 'token'> = {},
): Promise<VaultAnswer> {
  return call(server, method, path, { ...options, token: server.rootToken });
}

/** The envelope of an answer (typed view of `json`). */
export function envelope<D = Record<string, unknown>>(answer: VaultAnswer): Envelope<D> {
  return answer.json as Envelope<D>;
}

/** `errors` of an error answer. */
export function errors(answer: VaultAnswer): string[] {
  return (answer.json as { errors: string[] }).errors;
}

/** The envelope keys in wire order. */
export const ENVELOPE_KEYS = [
  'request_id',
  'lease_id',
  'renewable',
  'lease_duration',
  'data',
  'wrap_info',
  'warnings',
  'auth',
  'mount_type',
];

/** Starts a server for a test file. */
export function startServer(options: VaultTestServerOptions = {}): Promise<VaultTestServer> {
  return VaultTestServer.start(options);
}

let counter = 0;
/** A unique path segment per test. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}
