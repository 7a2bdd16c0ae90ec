/**
 * The HTTP front of the test server: request log, fault rules, raw `sys/` handlers
 * (`sys/health`, `sys/seal-status`, and the operator endpoints of `operator-endpoints.ts`), HTTP
 * parsing, then the core's logical pipeline.
 * Every answer carries `Cache-Control: no-store`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { errorResult, type HttpResult } from './envelope.js';
import { VaultError } from './errors.js';
import type { FaultInjector, FaultRule } from './fault-injector.js';
import { sysHealth, sysSealStatus } from './health.js';
import { buildLogicalRequest, clientTokenFrom, MAX_REQUEST_BYTES, queryRecord } from './http-request.js';
import { LIST_MARKER_HEADER } from './list-method-shim.js';
import { registerOperatorEndpoints } from './operator-endpoints.js';
import type { RequestLog, RequestLogEntry } from './request-log.js';
import type { VaultCore } from './vault-core.js';

/** What a raw handler sees. */
export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly params: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** The request body (empty when none). */
  readonly body: Buffer;
}

/** A handler that bypasses the logical pipeline (and the seal check). */
export type RawHandler = (request: RawRequest) => HttpResult;

/** Routes HTTP requests of one server. */
export class HttpRouter {
  private readonly rawHandlers = new Map<string, RawHandler>();
  /** Requests per connection whose body is being read. */
  private readonly reading = new WeakMap<object, number>();

  constructor(
    private readonly core: VaultCore,
    private readonly faults: FaultInjector,
    private readonly log: RequestLog,
  ) {
    this.registerRawHandler('sys/health', (r) => sysHealth(r.method, r.params, this.core.healthState()));
    this.registerRawHandler('sys/seal-status', (r) => sysSealStatus(r.method, this.core.healthState()));
    registerOperatorEndpoints(this, this.core);
  }

  /** Registers a raw handler for an exact path (without `/v1/`). */
  registerRawHandler(path: string, handler: RawHandler): void {
    this.rawHandlers.set(path, handler);
  }

  /** Node `request` listener. Never rejects. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.route(req, res);
    } catch (error: unknown) {
      write(res, errorResult(500, [error instanceof Error ? error.message : String(error)]));
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseTarget(req.url ?? '/');
    let method = (req.method ?? 'GET').toUpperCase();
    if (method === 'GET' && req.headers[LIST_MARKER_HEADER] !== undefined) {
      method = 'LIST';
      delete req.headers[LIST_MARKER_HEADER];
    }
    const isApi = url.pathname === '/v1' || url.pathname.startsWith('/v1/');
    const path = decodePath(isApi ? url.pathname.slice(4) : url.pathname.replace(/^\//, ''));
    const query = queryRecord(url.searchParams);
    const token = clientTokenFrom(req.headers);
    const namespace = namespaceFrom(req.headers);
    const accessor = token ? this.core.tokens.peek(token)?.accessor : undefined;
    const at = this.core.clock.now();
    const record = (status: number): void => {
      // Keys in this order: method, path, query, status, token and namespace when present, at.
      const entry: Partial<Record<keyof RequestLogEntry, unknown>> = { method, path, query, status };
      if (accessor !== undefined) entry.token = accessor;
      if (namespace !== '') entry.namespace = namespace;
      entry.at = at;
      this.log.record(Object.freeze(entry) as RequestLogEntry);
    };

    try {
      const fault = this.faults.take(method, path, query);
      if (fault) {
        if (fault.latencyMs !== undefined && fault.latencyMs > 0) {
          const completed = await this.faults.delay(fault.latencyMs);
          if (!completed) {
            record(0);
            req.socket.destroy();
            return;
          }
        }
        if (fault.drop) {
          record(0);
          req.socket.destroy();
          return;
        }
        if (fault.status !== undefined) {
          const result = faultResult(fault);
          record(result.status);
          write(res, result);
          return;
        }
      }

      const body = this.mustReadBody(req) ? await this.readBody(req) : NO_BODY;
      let result: HttpResult;
      const raw = isApi ? this.rawHandlers.get(path) : undefined;
      if (!isApi) {
        result = errorResult(404);
      } else if (body === 'too-large') {
        result = errorResult(413, ['http: request body too large']);
      } else if (raw) {
        result = raw({ method, path, params: url.searchParams, headers: req.headers, body });
      } else {
        result = await this.handleLogical(method, path, url.searchParams, req, body, namespace);
      }
      record(result.status);
      write(res, result);
    } catch (error: unknown) {
      const result = errorResult(500, [error instanceof Error ? error.message : String(error)]);
      record(result.status);
      write(res, result);
    }
  }

  /**
   * Whether to read the request's body before handling it: when it has one, or when an earlier
   * request on the same connection is still reading its body (pipelined requests then start in
   * the order they came, as when every request waited for its body's end).
   */
  private mustReadBody(req: IncomingMessage): boolean {
    return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined || this.reading.has(req.socket);
  }

  /** Reads the body, counting the connection's requests still reading. */
  private readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
    const connection = req.socket;
    this.reading.set(connection, (this.reading.get(connection) ?? 0) + 1);
    const done = (): void => {
      const left = (this.reading.get(connection) ?? 1) - 1;
      if (left > 0) this.reading.set(connection, left);
      else this.reading.delete(connection);
    };
    return readBody(req, done);
  }

  private async handleLogical(
    method: string,
    path: string,
    params: URLSearchParams,
    req: IncomingMessage,
    body: Buffer,
    namespace: string,
  ): Promise<HttpResult> {
    try {
      const logical = buildLogicalRequest({
        method,
        path,
        params,
        headers: req.headers,
        body,
        peerCertificates: peerCertificateChain(req),
        namespace,
      });
      return await this.core.handle(logical);
    } catch (error: unknown) {
      if (error instanceof VaultError) return errorResult(error.status, error.errors);
      throw error;
    }
  }
}

/** The request's namespace from `X-Vault-Namespace`, canonical (`a/b/`), `''` for the root namespace. */
export function namespaceFrom(headers: IncomingMessage['headers']): string {
  const header = headers['x-vault-namespace'];
  if (header === undefined) return '';
  const raw = (Array.isArray(header) ? header[0] : header) ?? '';
  const segments = raw.split('/').filter((s) => s !== '');
  if (segments.length === 0 || (segments.length === 1 && segments[0] === 'root')) return '';
  return `${segments.join('/')}/`;
}

/** The client certificate chain of a TLS connection (DER, leaf first), empty without one. */
function peerCertificateChain(req: IncomingMessage): Buffer[] {
  // Over HTTPS the HTTP server reads from the LIST-method shim, whose `socket` is the TLS socket.
  const inner = (req.socket as unknown as { socket?: unknown }).socket;
  const tls = inner as Partial<TLSSocket> | undefined;
  if (typeof tls?.getPeerCertificate !== 'function') return [];
  const chain: Buffer[] = [];
  let current = tls.getPeerCertificate(true) as { raw?: Buffer; issuerCertificate?: unknown } | undefined;
  for (let depth = 0; depth < 10 && current?.raw; depth += 1) {
    if (chain.some((der) => der.equals(current?.raw as Buffer))) break;
    chain.push(current.raw);
    current = current.issuerCertificate as typeof current;
  }
  return chain;
}

/**
 * A request target the URL parser leaves as it is: an origin-form path of unreserved characters
 * and `/` (no `%`, no leading `//`), then an optional query of characters it does not encode.
 */
const PLAIN_TARGET = /^(\/(?!\/)[A-Za-z0-9\-._~/]*)(?:\?([A-Za-z0-9\-._~%=&+]*))?$/;
/** A `.` or `..` path segment (the URL parser resolves those). */
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/**
 * The pathname and query of a request target, as `new URL(target, 'http://127.0.0.1')` gives
 * them; plain targets (the usual API call) skip the URL parser.
 */
function parseTarget(target: string): { readonly pathname: string; readonly searchParams: URLSearchParams } {
  const plain = PLAIN_TARGET.exec(target);
  if (plain && !DOT_SEGMENT.test(plain[1] ?? '')) {
    return { pathname: plain[1] ?? '', searchParams: new URLSearchParams(plain[2] ?? '') };
  }
  return new URL(target, 'http://127.0.0.1');
}

/** An empty request body. */
const NO_BODY = Buffer.alloc(0);

function decodePath(path: string): string {
  if (!path.includes('%')) return path; // nothing to decode
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** The request body; `done` runs once it ended or failed, before the promise settles. */
function readBody(req: IncomingMessage, done: () => void): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      done();
      resolve(tooLarge ? 'too-large' : Buffer.concat(chunks));
    });
    req.on('error', (error: Error) => {
      done();
      reject(error);
    });
  });
}

function faultResult(rule: FaultRule): HttpResult {
  const status = rule.status ?? 500;
  let body: string;
  if (status === 204 || status === 304) body = '';
  else if (rule.body === undefined) body = status >= 400 ? '{"errors":[]}\n' : '';
  else body = typeof rule.body === 'string' ? rule.body : JSON.stringify(rule.body);
  return { status, headers: { 'Content-Type': 'application/json', ...rule.headers }, body };
}

function write(res: ServerResponse, result: HttpResult): void {
  if (res.destroyed || res.writableEnded) return;
  const headers: Record<string, string | number> = { 'Cache-Control': 'no-store', ...result.headers };
  const body = result.bytes ?? result.body;
  if (body.length > 0) headers['Content-Length'] = Buffer.byteLength(body);
  res.writeHead(result.status, headers);
  res.end(body.length === 0 ? undefined : body);
}
