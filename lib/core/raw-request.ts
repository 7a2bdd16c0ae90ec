import type { VaultRequest } from '../contracts/vault-request.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import type { VaultEnvelope } from '../transport/vault-envelope.js';
import { encodeSegments } from '../transport/vault-path.js';
import { InvalidRequestError } from '../errors/invalid-request.error.js';
import { quoteInput } from '../util/quote-input.js';
import { sentStrings } from '../util/redact-sent.js';

/** Methods {@link sendRawRequest} sends. `LIST` goes out as `GET ?list=true`, which Vault treats identically. */
export const RAW_REQUEST_METHODS = ['GET', 'LIST', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** One of {@link RAW_REQUEST_METHODS} (upper case; lower case is accepted and normalised). */
export type RawRequestMethod = (typeof RAW_REQUEST_METHODS)[number];

/** A query value: scalars only (Vault turns each query parameter into one request field). */
export type RawQueryValue = string | number | boolean;

/** An authenticated call to any Vault endpoint (`secrets.request(...)`). */
export interface RawVaultRequest {
  /** `GET`, `LIST`, `POST`, `PUT`, `PATCH` or `DELETE`. */
  method: RawRequestMethod | Lowercase<RawRequestMethod>;
  /**
   * The API path relative to `/v1/`, e.g. `transit/keys/my-key` or `sys/mounts` (one leading
   * `/` is tolerated). Segments are URL-encoded for you. Not accepted: a `v1/` prefix, a scheme
   * or host, `.`/`..` or empty segments, `?`/`#` (use `query`), control characters.
   */
  path: string;
  /** JSON body (`POST`, `PUT`, `PATCH` only): a plain object, as Vault expects. `PATCH` is sent as `application/merge-patch+json`. */
  body?: Record<string, unknown>;
  /** Query parameters. */
  query?: Record<string, RawQueryValue | undefined>;
}

/** What {@link sendRawRequest} returns: Vault's status and its parsed JSON envelope. */
export interface RawVaultResponse<TData = Record<string, unknown>> {
  /** HTTP status (200, or 204 for a write with no answer body). */
  status: number;
  /** The parsed envelope; `undefined` for an empty body (204). */
  body: VaultEnvelope<TData> | undefined;
  /** `body.data`, or `undefined` when Vault returned none. */
  data: TData | undefined;
  /** Vault's `warnings`, `[]` when none. */
  warnings: string[];
}

/** Longest accepted path, in characters. */
const MAX_PATH_LENGTH = 4096;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * Checks a raw request and turns it into a {@link VaultRequest}.
 * @throws InvalidRequestError naming the argument and the fix; nothing is sent.
 */
export function toVaultRequest(request: RawVaultRequest): VaultRequest {
  if (typeof request !== 'object' || request === null) {
    throw new InvalidRequestError('request', 'pass an object such as { method: "GET", path: "sys/mounts" }');
  }
  const method = normaliseMethod(request.method);
  const path = normalisePath(request.path);
  const body = checkBody(method, request.body);
  const query = checkQuery(request.query);
  // Vault's reasons may echo any value sent (`error converting input <value> for field "ttl"`).
  const sent = sentStrings(body, query);
  return {
    method,
    path,
    ...(query === undefined ? {} : { query }),
    ...(body === undefined ? {} : { body }),
    ...(sent.length === 0 ? {} : { redact: sent }),
    ...(method === 'PATCH' ? { contentType: 'application/merge-patch+json' } : {}),
  };
}

/**
 * Sends an authenticated request to any Vault endpoint through the module's transport: the
 * managed token (re-login once on `invalid token`), `X-Vault-Namespace`, the request timeout,
 * retries for `GET`/`LIST` only (writes are never sent twice), the per-mount circuit breaker and
 * the typed errors. Never cached. Endpoint: `/v1/<path>` as given. Every string value of `body`
 * and `query` is redacted from the errors (in every form Vault might echo it).
 *
 * @throws InvalidRequestError before sending anything when the request is malformed;
 *   SecretNotFoundError (404), PermissionDeniedError / InvalidTokenError (403),
 *   VaultRequestError (other 4xx, with Vault's `errors`), VaultUnavailableError / VaultSealedError
 *   (network, timeout, 5xx, 429, open circuit), MalformedResponseError (a body that is not JSON).
 */
export async function sendRawRequest<TData = Record<string, unknown>>(
  requester: VaultRequester,
  request: RawVaultRequest,
): Promise<RawVaultResponse<TData>> {
  const response = await requester.request<VaultEnvelope<TData>>(toVaultRequest(request));
  const body = typeof response.body === 'object' && response.body !== null ? response.body : undefined;
  const data = body?.data ?? undefined;
  const warnings = Array.isArray(body?.warnings) ? body.warnings.filter((w): w is string => typeof w === 'string') : [];
  return { status: response.status, body, data, warnings };
}

function normaliseMethod(method: unknown): RawRequestMethod {
  const upper = typeof method === 'string' ? method.toUpperCase() : undefined;
  if (upper !== undefined && (RAW_REQUEST_METHODS as readonly string[]).includes(upper)) return upper as RawRequestMethod;
  const shown = typeof method === 'string' ? quoteInput(method) : typeof method;
  throw new InvalidRequestError('method', `${shown} is not one of ${RAW_REQUEST_METHODS.join(', ')}`);
}

/** Validates the path; returns it without a leading `/`, each segment URL-encoded, a trailing `/` kept. */
function normalisePath(path: unknown): string {
  if (typeof path !== 'string') throw new InvalidRequestError('path', `expected a string such as "sys/mounts", got ${typeof path}`);
  const fix = 'give the API path relative to /v1/, e.g. "transit/keys/my-key"';
  if (path.length > MAX_PATH_LENGTH)
    throw new InvalidRequestError('path', `it is ${path.length} characters long (at most ${MAX_PATH_LENGTH})`);
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('//')) {
    throw new InvalidRequestError(
      'path',
      `${quoteInput(path)} names a scheme or host; the address comes from the module's options: ${fix}`,
    );
  }
  if (CONTROL_CHARS.test(path)) throw new InvalidRequestError('path', `${quoteInput(path)} contains a control character`);
  if (!path.isWellFormed()) throw new InvalidRequestError('path', 'it contains an unpaired UTF-16 surrogate');
  if (/[?#]/.test(path))
    throw new InvalidRequestError('path', `${quoteInput(path)} contains "?" or "#"; pass query parameters in \`query\``);
  const relative = path.startsWith('/') ? path.slice(1) : path;
  if (/^v1(\/|$)/.test(relative)) {
    throw new InvalidRequestError('path', `${quoteInput(path)} starts with "v1/"; the module adds /v1/ itself: ${fix}`);
  }
  const trailingSlash = relative.endsWith('/');
  const inner = trailingSlash ? relative.slice(0, -1) : relative;
  if (inner === '') throw new InvalidRequestError('path', `it is empty: ${fix}`);
  const segments = inner.split('/');
  if (segments.some((s) => s === '')) throw new InvalidRequestError('path', `${quoteInput(path)} has an empty segment (a doubled "/")`);
  if (segments.some((s) => s === '.' || s === '..')) {
    throw new InvalidRequestError('path', `${quoteInput(path)} has a "." or ".." segment; Vault paths are never relative`);
  }
  return `${encodeSegments(segments)}${trailingSlash ? '/' : ''}`;
}

function checkBody(method: RawRequestMethod, body: unknown): Record<string, unknown> | undefined {
  if (body === undefined) return undefined;
  if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH') {
    throw new InvalidRequestError('body', `a ${method} request carries no body; use \`query\` for parameters`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError(
      'body',
      `Vault expects a JSON object, got ${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}`,
    );
  }
  try {
    JSON.stringify(body);
  } catch {
    // Never the value nor the engine's message (it may quote a part of it).
    throw new InvalidRequestError('body', 'it cannot be turned into JSON (a BigInt, a circular reference or a toJSON that throws)');
  }
  return body as Record<string, unknown>;
}

function checkQuery(query: unknown): Record<string, RawQueryValue> | undefined {
  if (query === undefined) return undefined;
  if (typeof query !== 'object' || query === null || Array.isArray(query)) {
    throw new InvalidRequestError('query', 'expected an object of parameter names to strings, numbers or booleans');
  }
  const out: Record<string, RawQueryValue> = {};
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new InvalidRequestError(
        'query',
        `parameter ${quoteInput(name)} must be a string, number or boolean, got ${value === null ? 'null' : typeof value}`,
      );
    }
    out[name] = value;
  }
  return out;
}
