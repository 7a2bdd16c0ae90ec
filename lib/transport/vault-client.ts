import { inspect } from 'node:util';
import { Axios, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import type { TokenSource } from '../contracts/token-source.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';
import { SecretNotFoundError } from '../errors/secret-not-found.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import type { VaultRequest, VaultResponse } from '../contracts/vault-request.js';
import type { ResolvedVaultConfig } from '../options/resolved-vault-config.js';
import { mapTransportError, mapVaultStatus } from './map-vault-error.js';
import { vaultErrors } from './vault-envelope.js';
import type { VaultTransport } from './vault-transport.js';
import { redactText } from '../util/redact.js';
import { redactSent } from '../util/redact-sent.js';
import { assertSendable } from './header-value.js';
import { notVaultAnswer } from './not-vault-answer.js';
import { redirectTarget } from './redirect-target.js';
import { encodeBody, parseBody, parseProbeBody } from './json-body.js';
import { PathBackoff } from './path-backoff.js';
import { ResiliencePolicy } from './resilience-policy.js';
import { RequestLimiter } from './request-limiter.js';
import { buildTlsSettings, tlsConnectOptions } from './tls-settings.js';
import { UndiciAdapter, type PreparedHeadersConfig } from './undici.adapter.js';
import { Deadline } from '../timing/deadline.js';
import type { RequestObserver, VaultTelemetry } from '../telemetry/vault-telemetry.js';

const NO_OBSERVER: RequestObserver = { retry: () => undefined, redirect: () => undefined };

/** Largest response body accepted, in bytes (16 MiB). */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** Most standby redirects (307) followed for one request. */
export const MAX_REDIRECTS = 3;

/**
 * The one HTTP client of the module: axios as the API, sending through an undici `Pool` per
 * Vault address ({@link UndiciAdapter}: keep-alive connections, TLS from `buildTlsSettings`,
 * `connectTimeoutMs` to open a connection). At most `maxConcurrentRequests` requests are in
 * flight; the others queue, logins and renewals ahead of reads. Sends `X-Vault-Token` (from the
 * {@link TokenSource}), `X-Vault-Request: true` and `X-Vault-Namespace` when configured;
 * verifies TLS with the configured CA unless `verifySsl` is false; applies the request timeout
 * (milliseconds) to every call; maps Vault's statuses and error bodies to the module's errors
 * (https://developer.hashicorp.com/vault/api-docs#http-status-codes). On 403 `invalid token` it asks the token source for a new token
 * once and retries the request once. A path that answered 429 is backed off alone
 * ({@link PathBackoff}); a probe (`probe: true`) is sent once, outside retries and breakers.
 *
 * Holds the token only inside the token source: `util.inspect` and `JSON.stringify` of a client
 * show the address and namespace, nothing else.
 */
export class VaultClient implements VaultTransport {
  readonly #http: InstanceType<typeof Axios>;
  readonly #undici: UndiciAdapter;
  readonly #limiter: RequestLimiter;
  #tokens: TokenSource;
  readonly #address: string;
  readonly #namespace: string | undefined;
  readonly #timeoutMs: number;
  readonly #policy: ResiliencePolicy;
  readonly #backoff = new PathBackoff();
  readonly #hasClientCert: boolean;
  readonly #telemetry: VaultTelemetry | undefined;
  /** The headers every request sends (Accept, X-Vault-Request) as undici's flat list, built once; #sendOnce adds the token and namespace. */
  readonly #baseHeaders: readonly string[];

  /** @param telemetry - metrics, spans and the `nestjs-vault-secrets:request` channel of every call (none when omitted). */
  constructor(config: ResolvedVaultConfig, tokens: TokenSource, telemetry?: VaultTelemetry) {
    this.#tokens = tokens;
    this.#telemetry = telemetry;
    this.#address = config.address;
    this.#namespace = config.namespace;
    this.#timeoutMs = config.requestTimeoutMs;
    this.#policy = new ResiliencePolicy(config.maxRetries);
    this.#limiter = new RequestLimiter(config.maxConcurrentRequests);
    this.#undici = new UndiciAdapter({
      tls: tlsConnectOptions(buildTlsSettings(config)),
      connectTimeoutMs: config.connectTimeoutMs,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      connections: config.maxConcurrentRequests,
    });
    this.#hasClientCert = config.clientCert !== undefined;
    // The Accept axios.create's defaults sent before, so proxies in front of Vault see the same request.
    this.#baseHeaders = ['Accept', 'application/json, text/plain, */*', 'X-Vault-Request', 'true'];
    // An Axios instance with nothing for axios to merge per request but the adapter (not
    // axios.create, whose defaults it would walk each time): redirects are followed by hand
    // (#sendOnce), the deadline is a per-call signal, bodies are JSON text already and answers
    // are parsed once (no transforms), every status is answered, bodies are capped by the
    // adapter (16 MiB), and the headers above, the token and the namespace reach the adapter
    // ready to send (`preparedHeaders`), not through axios's header normalising.
    this.#http = new Axios({ adapter: this.#undici.adapter });
  }

  /** Replaces the token source (the auth layer installs its token manager here). */
  useTokenSource(tokens: TokenSource): void {
    this.#tokens = tokens;
  }

  /** Vault's base address, e.g. `http://127.0.0.1:8200`. */
  get address(): string {
    return this.#address;
  }

  /**
   * Sends one request and returns the answer when its status is 2xx or listed in
   * `acceptStatus`.
   *
   * @throws VaultUnavailableError on network errors, timeouts, 5xx, 429 and 412;
   *   VaultSealedError on 503 sealed; VaultTlsError on TLS verification failures;
   *   InvalidTokenError / PermissionDeniedError on 403; SecretNotFoundError on 404;
   *   VaultRequestError on other 4xx; MalformedResponseError when a body is not JSON;
   *   VaultUnavailableError with kind `path-backoff` (nothing sent) while the path is backed off
   *   after a 429, kind `circuit-open` while its path's breaker is open.
   */
  request<TBody = unknown>(req: VaultRequest): Promise<VaultResponse<TBody>> {
    // The telemetry seam: one span, one histogram entry and one traced channel call per request.
    if (!this.#telemetry) return this.#request<TBody>(req, NO_OBSERVER);
    const call = { method: req.method, path: req.path, namespace: req.namespace ?? this.#namespace ?? '' };
    return this.#telemetry.request(call, (observer) => this.#request<TBody>(req, observer));
  }

  #request<TBody>(req: VaultRequest, observer: RequestObserver): Promise<VaultResponse<TBody>> {
    // A request that brings its token (the supervised transport's, every data path) is sent as is.
    if (req.token !== undefined || req.authenticated === false)
      return this.#send<TBody>(req, req.authenticated === false ? undefined : req.token, observer);
    return this.#requestWithOwnToken<TBody>(req, observer);
  }

  /** A request with the token source's token; a 403 `invalid token` asks the source for a new one once and retries once. */
  async #requestWithOwnToken<TBody>(req: VaultRequest, observer: RequestObserver): Promise<VaultResponse<TBody>> {
    const token = await this.#tokens.getToken();
    try {
      return await this.#send<TBody>(req, token, observer);
    } catch (error) {
      if (error instanceof InvalidTokenError && this.#tokens.handleInvalidToken) {
        if (await this.#tokens.handleInvalidToken(token)) return this.#send<TBody>(req, await this.#tokens.getToken(), observer);
      }
      throw error;
    }
  }

  /**
   * One call: the path's 429 back-off, then retries (idempotent methods) and the circuit breaker,
   * all within one deadline of `timeoutMs`. A probe is sent once, outside both.
   */
  async #send<TBody>(req: VaultRequest, token: string | undefined, observer: RequestObserver): Promise<VaultResponse<TBody>> {
    const timeoutMs = req.timeoutMs ?? this.#timeoutMs;
    if (req.probe !== true) this.#backoff.check(req.path);
    // One deadline for the whole call, shared by its retries; its timer is cancelled once the call settles.
    const deadline = new Deadline(timeoutMs);
    try {
      if (req.probe === true) return await this.#attempt<TBody>(req, token, deadline, observer, 1);
      let attempt = 0;
      const once = (): Promise<VaultResponse<TBody>> => this.#attempt<TBody>(req, token, deadline, observer, ++attempt);
      const response = await this.#policy.execute(once, req.method === 'GET' || req.method === 'LIST', req.path, deadline);
      this.#backoff.succeeded(req.path);
      return response;
    } catch (error) {
      if (req.probe !== true && error instanceof VaultUnavailableError && error.status === 429 && error.kind === 'status')
        this.#backoff.rateLimited(req.path, error.retryAfterSeconds);
      throw error;
    } finally {
      deadline.clear();
    }
  }

  /** One attempt of a call (the `attempt`-th): a slot of the limiter, then the request. */
  #attempt<TBody>(
    req: VaultRequest,
    token: string | undefined,
    deadline: Deadline,
    observer: RequestObserver,
    attempt: number,
  ): Promise<VaultResponse<TBody>> {
    if (attempt > 1) observer.retry(attempt);
    const send = (): Promise<VaultResponse<TBody>> => this.#sendOnce<TBody>(req, token, deadline, observer);
    return this.#limiter.run(send, req.priority ?? 'normal', deadline).catch((error: unknown) => {
      // The deadline fired while the request waited for a slot: it never reached Vault.
      if (deadline.aborted && error === deadline.reason) throw timedOut(req.path, deadline.timeoutMs);
      throw error;
    });
  }

  /**
   * Closes every mount's circuit breaker (the supervisor calls it when Vault serves again, so the
   * first reads after an outage are not refused by a breaker that opened during it).
   */
  resetCircuits(): void {
    this.#policy.reset();
  }

  async #sendOnce<TBody>(
    req: VaultRequest,
    token: string | undefined,
    deadline: Deadline,
    observer: RequestObserver,
  ): Promise<VaultResponse<TBody>> {
    const isList = req.method === 'LIST';
    const preparedHeaders = this.#baseHeaders.slice();
    if (token !== undefined) preparedHeaders.push('X-Vault-Token', token);
    const namespace = req.namespace ?? this.#namespace;
    if (namespace) preparedHeaders.push('X-Vault-Namespace', namespace);
    assertSendable(req.path, token, namespace);
    // Content-Type stays with axios, which would otherwise set its own for a POST, PUT or PATCH.
    const headers = req.body === undefined ? undefined : { 'Content-Type': req.contentType ?? 'application/json' };
    let response: AxiosResponse<string>;
    let url = `${this.#address}/v1/${req.path}`;
    let params: Record<string, unknown> | undefined = isList ? { ...req.query, list: 'true' } : req.query;
    const data = encodeBody(req.body);
    for (let hop = 0; ; hop += 1) {
      try {
        const config: AxiosRequestConfig & PreparedHeadersConfig = { url, signal: deadline, preparedHeaders };
        // GET is axios's default method (a LIST is a GET with list=true).
        if (!isList && req.method !== 'GET') config.method = req.method;
        if (headers !== undefined) config.headers = headers;
        if (params !== undefined) config.params = params;
        if (data !== undefined) config.data = data;
        response = await this.#http.request<string>(config);
      } catch (error) {
        if (isTooLarge(error)) {
          // Not an outage: a malformed answer, never retried (it would be downloaded again).
          throw new MalformedResponseError(`the response is larger than 16 MiB (${MAX_RESPONSE_BYTES} bytes), which no Vault answer is`, {
            path: req.path,
          });
        }
        if (deadline.aborted) throw timedOut(req.path, deadline.timeoutMs);
        throw mapTransportError(error, req.path, { hasClientCert: this.#hasClientCert });
      }
      // A standby answers 307 with the active node's address (https://developer.hashicorp.com/vault/docs/concepts/ha): re-send the same
      // method, body, token and namespace there, at most MAX_REDIRECTS times, never from https to http.
      const location = response.headers.location;
      if ((response.status !== 307 && response.status !== 308) || typeof location !== 'string' || hop >= MAX_REDIRECTS) break;
      observer.redirect(response.status);
      url = redirectTarget(location, url, req.path, response.status);
      params = undefined;
    }
    // A probe takes a proxy's empty or HTML answer (e.g. a 404 hiding `sys/health`) as an answer.
    const notVault = req.probe === true ? undefined : notVaultAnswer(response.status, response.data, req.path, this.#address);
    if (notVault) throw notVault;
    const parsed = req.probe === true ? parseProbeBody(response.data) : parseBody(response.data, response.status, req.path);
    const status = response.status;
    // "no handler for route" is Vault's answer for a path under no mount: never an empty folder or
    // a missing secret, even where a 404 is otherwise an accepted answer
    // (https://developer.hashicorp.com/vault/api-docs#http-status-codes).
    // Vault's reasons may echo what was sent (a login's password, a raw request's body): redacted before any error quotes them.
    if (status === 404 && req.probe !== true && isNoHandler(parsed)) throw missingMount(req.path, shownBody(parsed, req.redact));
    if ((status >= 200 && status < 300) || req.acceptStatus?.includes(status)) {
      return { status, body: parsed as TBody | undefined, headers: { ...response.headers } };
    }
    throw mapVaultStatus(status, shownBody(parsed, req.redact), req.path, { ...response.headers });
  }

  /** Requests in flight now and waiting for a slot (never more than `maxConcurrentRequests` in flight). */
  get load(): { inFlight: number; queued: number } {
    return { inFlight: this.#limiter.active, queued: this.#limiter.queued };
  }

  /**
   * Closes the keep-alive connections that carry no request now; the client stays usable and
   * opens new connections when needed. Resolves when they are closed.
   */
  closeIdleConnections(): Promise<void> {
    return this.#undici.closeIdle();
  }

  /** Closes the keep-alive connections so nothing holds the process open. The client cannot be used afterwards. */
  close(): Promise<void> {
    return this.#undici.destroy();
  }

  /** Safe description for logs. */
  toJSON(): Record<string, unknown> {
    return { address: this.#address, namespace: this.#namespace };
  }

  [inspect.custom](): string {
    return `VaultClient { address: '${this.#address}'${this.#namespace ? `, namespace: '${this.#namespace}'` : ''} }`;
  }
}

/** The error of a request whose deadline fired. */
function timedOut(path: string, timeoutMs: number): Error {
  return mapTransportError(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }), path);
}

/** The body an error may quote: as parsed, or with what was sent redacted from Vault's `errors` when the request lists `redact`. */
function shownBody(parsed: unknown, redact: readonly string[] | undefined): unknown {
  return redact === undefined ? parsed : redactErrors(parsed, redact);
}

/** `body` with each of Vault's `errors` strings redacted of `secrets` (other fields are never shown in an error). */
function redactErrors(body: unknown, secrets: readonly string[]): unknown {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { errors?: unknown }).errors)) return body;
  const errors = (body as { errors: unknown[] }).errors.map((e) => (typeof e === 'string' ? redactSent(redactText(e), secrets) : e));
  return { ...body, errors };
}

/** axios's error for a body over `maxContentLength`. */
function isTooLarge(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /maxContentLength size of \d+ exceeded/.test(message);
}

function isNoHandler(body: unknown): boolean {
  return vaultErrors(body).some((e) => /no handler for route/.test(e));
}

/** SecretNotFoundError saying which mount is missing: Vault matched no mount, so nothing is mounted at the path's first segment. */
function missingMount(path: string, body: unknown): SecretNotFoundError {
  const mount = `${path.split('/')[0] ?? path}/`;
  return new SecretNotFoundError(path, 'no-mount', { path, status: 404, mount, vaultMessage: vaultErrors(body).join('; ') });
}
