/**
 * HTTP → logical request translation (https://developer.hashicorp.com/vault/api-docs#api-operations): method to operation, `?list=true`,
 * query parameters as data for GET/DELETE/LIST, JSON or form bodies for writes, the PATCH
 * content type, and the client token headers.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { VaultError } from './errors.js';
import { isPlainObject, parseGoBool } from './fields.js';
import { newUuid } from './ids.js';
import type { LogicalRequest, Operation } from './logical.js';

/** Max request body in bytes (Vault default 32 MiB). */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/** The client token: `X-Vault-Token` wins over `Authorization: Bearer`. */
export function clientTokenFrom(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-vault-token'];
  const direct = Array.isArray(header) ? header[0] : header;
  if (direct) return direct.trim();
  const authorization = headers.authorization;
  if (authorization && /^bearer\s+/i.test(authorization)) {
    const token = authorization.replace(/^bearer\s+/i, '').trim();
    return token === '' ? undefined : token;
  }
  return undefined;
}

/** Query parameters as a record (repeated keys become arrays), like Vault's `parseQuery`. */
export function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (params.size === 0) return out;
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    out[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return out;
}

/** Inputs of {@link buildLogicalRequest}. */
export interface HttpRequestParts {
  readonly method: string;
  /** Path without `/v1/`, URL-decoded. */
  readonly path: string;
  readonly params: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The TLS client certificate chain (DER, leaf first), for the logical request. */
  readonly peerCertificates: readonly Buffer[];
  /** The canonical namespace (`''` = root), for the logical request. */
  readonly namespace: string;
}

/**
 * Builds the logical request or throws the HTTP-level error Vault gives before routing
 * (405, 400 bad list flag / bad JSON / trailing slash, 415/400 PATCH content type).
 */
export function buildLogicalRequest(parts: HttpRequestParts): LogicalRequest {
  let path = parts.path;
  let operation: Operation;
  let data: Record<string, unknown>;
  switch (parts.method) {
    case 'GET': {
      operation = 'read';
      const query = queryRecord(parts.params);
      const listValue = parts.params.get('list');
      if (listValue !== null && listValue !== '') {
        const list = parseGoBool(listValue);
        if (list === undefined) throw new VaultError(400, []);
        if (list) {
          operation = 'list';
          delete query['list'];
        }
      }
      data = query;
      break;
    }
    case 'LIST':
      operation = 'list';
      data = queryRecord(parts.params);
      break;
    case 'DELETE':
      operation = 'delete';
      data = queryRecord(parts.params);
      break;
    case 'POST':
    case 'PUT':
      operation = 'update';
      data = parseBody(parts.body, parts.headers['content-type']);
      break;
    case 'PATCH': {
      operation = 'patch';
      const mediaType = (parts.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (mediaType === '') throw new VaultError(400, ['mime: no media type']);
      if (mediaType !== 'application/merge-patch+json') {
        throw new VaultError(415, [`PATCH requires Content-Type of application/merge-patch+json, provided ${mediaType}`]);
      }
      data = parseBody(parts.body, undefined);
      break;
    }
    default:
      throw new VaultError(405, []);
  }
  if (operation === 'list' && !path.endsWith('/')) path += '/';
  if ((operation === 'update' || operation === 'patch') && path.endsWith('/')) {
    throw new VaultError(400, ["cannot write to a path ending in '/'"]);
  }
  return {
    id: newUuid(),
    operation,
    path,
    data,
    headers: parts.headers,
    clientToken: clientTokenFrom(parts.headers),
    token: undefined,
    mount: undefined,
    subPath: '',
    peerCertificates: parts.peerCertificates,
    namespace: parts.namespace,
  };
}

function parseBody(body: Buffer, contentType: string | undefined): Record<string, unknown> {
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  const isForm = (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
  if (isForm && !/^\s*[{[]/.test(text)) return queryRecord(new URLSearchParams(text));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new VaultError(400, ['error parsing JSON']);
  }
  if (parsed === null) return {};
  if (!isPlainObject(parsed)) throw new VaultError(400, ['error parsing JSON']);
  return parsed;
}
