import type { Socket } from 'node:net';
import { clearTimeout, setTimeout } from 'node:timers';
import { inspect } from 'node:util';
import type { IncomingHttpHeaders } from 'node:http';
import {
  AxiosError,
  AxiosHeaders,
  type AxiosAdapter,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
  type RawAxiosHeaders,
} from 'axios';
import { Pool, buildConnector, errors, type Dispatcher } from 'undici';
import type { TlsConnectOptions } from './tls-settings.js';
import { clientCertRefusal } from './client-cert-refusal.js';
import { RequestLimiter } from './request-limiter.js';
import { LARGE_BODIES_AT_ONCE } from './response-body.js';
import { ResponseCollector, type CollectedResponse } from './response-collector.js';
import { requestTarget } from './request-target.js';
import type { AbortLike } from '../timing/deadline.js';

export { LARGE_BODIES_AT_ONCE, LARGE_BODY_BYTES } from './response-body.js';

/** How the adapter connects and what it accepts. */
export interface UndiciAdapterOptions {
  /** TLS options of every connection (`tlsConnectOptions(buildTlsSettings(config))`). */
  tls: TlsConnectOptions;
  /** Time allowed to open a connection (TCP connect plus TLS handshake), in milliseconds. */
  connectTimeoutMs: number;
  /** Largest response body accepted, in bytes; a larger one fails with `ERR_BAD_RESPONSE`. */
  maxResponseBytes: number;
  /** Most connections per Vault address (the pool's size). */
  connections: number;
  /** Bodies over {@link LARGE_BODY_BYTES} read at once (default {@link LARGE_BODIES_AT_ONCE}); the others wait, paused. */
  largeBodiesAtOnce?: number;
}

/**
 * An axios adapter that sends requests through an undici `Pool` per origin (keep-alive
 * connections, TLS through undici's connector with {@link TlsConnectOptions}, a connect timeout)
 * instead of axios's Node adapter, which costs several times the CPU of the request itself.
 * Each answer is read by a dispatch handler ({@link ResponseCollector}), with no stream per response.
 *
 * It keeps axios's contract: the full URL from `url` (or `baseURL` + `url`) and `params`,
 * the `signal` as the deadline, `validateStatus` (an `AxiosError` with the response for
 * statuses it rejects), `responseType: 'text'` bodies (decoded as UTF-8; gzip, deflate and br
 * are decompressed), and `maxContentLength`, or the adapter's own cap, on the body size.
 * Network failures become an `AxiosError` whose `code` is the underlying one (e.g.
 * `ECONNREFUSED`, `UND_ERR_CONNECT_TIMEOUT`, a TLS verification code) and whose `cause` is the
 * original error. Redirects are not followed: the caller sees the 3xx.
 */
export class UndiciAdapter {
  readonly #options: UndiciAdapterOptions;
  readonly #pools = new Map<string, Pool>();
  /** Requests under way per origin. */
  readonly #inFlight = new Map<string, number>();
  /** TLS errors (e.g. a listener's "certificate required" alert) by the local port of their socket. */
  readonly #tlsErrors = new Map<number, Error>();
  /** When each connection finished its TLS handshake (`performance.now()` ms), by local port. */
  readonly #securedAt = new Map<number, number>();
  /** Slots of the bodies over {@link LARGE_BODY_BYTES} being read: bounds the memory of many huge answers at once. */
  readonly #largeBodies: RequestLimiter;
  #closed = false;

  constructor(options: UndiciAdapterOptions) {
    this.#options = options;
    this.#largeBodies = new RequestLimiter(options.largeBodiesAtOnce ?? LARGE_BODIES_AT_ONCE);
  }

  /** Bodies over 1 MiB being read now, and waiting for a slot (their responses paused). */
  get largeBodies(): { reading: number; waiting: number } {
    return { reading: this.#largeBodies.active, waiting: this.#largeBodies.queued };
  }

  /** The function to give axios as `adapter`. */
  readonly adapter: AxiosAdapter = (config) => this.#send(config);

  /** The pool of one origin (`https://vault:8200`), created on first use. */
  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: this.#options.connections,
        pipelining: 1,
        // The deadline of every request is its AbortSignal: no header/body timers of undici's own.
        headersTimeout: 0,
        bodyTimeout: 0,
        connect: connectorWithTimeout(this.#options.tls, this.#options.connectTimeoutMs, this.#tlsErrors, this.#securedAt),
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  async #send(config: InternalAxiosRequestConfig): Promise<AxiosResponse<string>> {
    if (this.#closed) throw new AxiosError('the Vault client is closed', AxiosError.ERR_CANCELED, config);
    const { origin, path } = requestTarget(config);
    const data: unknown = config.data;
    const max =
      config.maxContentLength !== undefined && config.maxContentLength > -1 ? config.maxContentLength : this.#options.maxResponseBytes;
    // The signal is an AbortSignal, or the client's Deadline (an EventTarget-like object).
    const collector = new ResponseCollector(
      Math.min(max, this.#options.maxResponseBytes),
      this.#largeBodies,
      config.signal as AbortLike | undefined,
    );
    const options: Dispatcher.DispatchOptions = {
      origin,
      path,
      method: (config.method ?? 'get').toUpperCase() as Dispatcher.HttpMethod,
      headers: requestHeaders(config),
      body: typeof data === 'string' || data instanceof Uint8Array ? data : undefined,
    };
    this.#inFlight.set(origin, (this.#inFlight.get(origin) ?? 0) + 1);
    const startedAt = performance.now();
    let answer: CollectedResponse;
    try {
      answer = await collector.send(this.#pool(origin), options);
    } catch (error) {
      if (error instanceof AxiosError) {
        error.config = config;
        throw error;
      }
      // Only a failure before the answer can be the connection's TLS alert.
      throw wrap(collector.responded ? error : this.#tlsCause(error, startedAt), config);
    } finally {
      this.#inFlight.set(origin, (this.#inFlight.get(origin) ?? 1) - 1);
    }
    const status = answer.status;
    const response: AxiosResponse<string> = {
      data: answer.text,
      status,
      statusText: '',
      headers: responseHeaders(answer.headers),
      config,
      request: undefined,
    };
    const validate = config.validateStatus;
    if (validate && !validate(status)) {
      throw new AxiosError(
        `Request failed with status code ${status}`,
        status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST,
        config,
        undefined,
        response,
      );
    }
    return response;
  }

  /**
   * A TLS alert after the handshake (TLS 1.3 servers refuse a missing or bad client certificate
   * then) reaches undici as "other side closed": the alert recorded for that socket is the real cause.
   */
  #tlsCause(error: unknown, startedAt: number): unknown {
    const port = (error as { code?: unknown; socket?: { localPort?: unknown } } | null)?.socket?.localPort;
    if ((error as { code?: unknown } | null)?.code !== 'UND_ERR_SOCKET' || typeof port !== 'number') return error;
    const tlsError = this.#tlsErrors.get(port);
    if (tlsError !== undefined) {
      this.#tlsErrors.delete(port);
      return tlsError;
    }
    // No alert: a listener that refuses the client certificate may just close right after the handshake.
    if (this.#options.tls.cert === undefined) return error;
    const securedAt = this.#securedAt.get(port);
    return clientCertRefusal(error, { requestStartedAt: startedAt, securedAt, now: performance.now() }) ?? error;
  }

  /**
   * Closes the connections of every origin with no request under way (the next request opens a
   * new one). Keep-alive connections otherwise stay open until the server's keep-alive hint, or
   * 4 s of idleness, runs out.
   */
  async closeIdle(): Promise<void> {
    const idle = [...this.#pools.entries()].filter(([origin]) => (this.#inFlight.get(origin) ?? 0) === 0);
    for (const [origin] of idle) this.#pools.delete(origin);
    await Promise.all(idle.map(([, pool]) => pool.close().catch(() => undefined)));
  }

  /** Closes every pool: idle connections at once, busy ones when their request is done. */
  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => undefined)));
  }

  /** Destroys every pool and its connections now (requests in flight fail); resolves once the sockets are closed. */
  async destroy(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.destroy().catch(() => undefined)));
  }

  toJSON(): Record<string, unknown> {
    return { origins: [...this.#pools.keys()] };
  }

  [inspect.custom](): string {
    return `UndiciAdapter { origins: ${inspect([...this.#pools.keys()])} }`;
  }
}

/**
 * The answer's headers ready for axios, which would otherwise normalise every one again
 * (`AxiosHeaders.from` passes an AxiosHeaders through): undici's names are lowercase already, its
 * values strings (a repeated header an array). A header named `__proto__` (a broken or hostile
 * proxy) goes through AxiosHeaders' own `set`, which stores it aside: plain assignment would
 * replace the object's prototype.
 */
function responseHeaders(headers: IncomingHttpHeaders): InstanceType<typeof AxiosHeaders> {
  return Object.hasOwn(headers, '__proto__') ? new AxiosHeaders(headers as RawAxiosHeaders) : Object.assign(new AxiosHeaders(), headers);
}

/**
 * A request config that also carries headers prepared by its sender, as undici's flat
 * `[name, value, name, value, …]` list, sent ahead of axios's `headers` (which then need no
 * normalising per request). A name must not appear in both.
 */
export interface PreparedHeadersConfig {
  preparedHeaders?: readonly string[];
}

/** The headers undici sends: the prepared list, then axios's (unset ones, null, undefined or false, left out). */
function requestHeaders(config: InternalAxiosRequestConfig & PreparedHeadersConfig): string[] | Record<string, string> {
  // AxiosHeaders.toJSON leaves out unset headers and gives strings.
  const fromAxios = config.headers.toJSON(true) as Record<string, string>;
  const prepared = config.preparedHeaders;
  if (prepared === undefined) return fromAxios;
  let headers: string[] | undefined;
  for (const name in fromAxios) (headers ??= prepared.slice()).push(name, fromAxios[name] as string);
  return headers ?? (prepared as string[]);
}

/**
 * undici's connector (TLS from `tls`) with a connect timeout on `node:timers` (unref'd): the TCP
 * connect plus TLS handshake must finish within `timeoutMs` milliseconds, else the socket is
 * destroyed with undici's `ConnectTimeoutError` (`UND_ERR_CONNECT_TIMEOUT`). With a client
 * certificate, a handshake Vault drops after it started becomes the client-certificate refusal
 * ({@link clientCertRefusal}); the handshake time of each connection goes to `securedAt`.
 */
function connectorWithTimeout(
  tls: TlsConnectOptions,
  timeoutMs: number,
  tlsErrors: Map<number, Error>,
  securedAt: Map<number, number>,
): buildConnector.connector {
  const connect = buildConnector({ ...tls, timeout: 0 });
  return (options, callback) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      socket?.destroy(new errors.ConnectTimeoutError(`could not connect to Vault within ${timeoutMs} ms (connectTimeoutMs)`));
    }, timeoutMs);
    timer.unref();
    const startedAt = performance.now();
    // Vault answered the handshake once TLS key material exists (its hello arrived); only the fact is
    // kept, never the key log line.
    let vaultAnswered = false;
    const socket = connect(options, (error, connected) => {
      settled = true;
      clearTimeout(timer);
      const refusal =
        error && tls.cert !== undefined
          ? clientCertRefusal(error, {
              requestStartedAt: startedAt,
              securedAt: undefined,
              vaultAnswered,
              now: performance.now(),
            })
          : undefined;
      if (error) callback(refusal ?? error, null);
      else callback(null, connected as NonNullable<typeof connected>);
    }) as Socket | undefined;
    if (tls.cert !== undefined) socket?.once('keylog', () => (vaultAnswered = true));
    // The local port identifies the connection in undici's SocketError; read it while connected.
    let port: number | undefined;
    socket
      ?.once('secureConnect', () => {
        port = socket.localPort;
        if (port === undefined || tls.cert === undefined) return;
        if (securedAt.size >= 256) securedAt.clear();
        securedAt.set(port, performance.now());
      })
      .once('connect', () => (port = socket.localPort));
    socket?.on('error', (error: Error & { code?: unknown }) => {
      port ??= socket.localPort;
      if (typeof error.code !== 'string' || !TLS_ERROR.test(error.code) || port === undefined) return;
      if (tlsErrors.size >= 64) tlsErrors.clear();
      tlsErrors.set(port, error);
    });
  };
}

/** Codes of TLS failures worth reporting instead of a bare "socket closed". */
const TLS_ERROR = /^(?:ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/;

/** An axios error carrying the underlying code and the original error as `cause`. */
function wrap(error: unknown, config: InternalAxiosRequestConfig): AxiosError {
  if (error instanceof AxiosError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const wrapped = new AxiosError(message, typeof code === 'string' ? code : undefined, config);
  Object.defineProperty(wrapped, 'cause', { value: error, enumerable: false, configurable: true, writable: true });
  return wrapped;
}
