import type { VaultMethod } from '../contracts/vault-request.js';
import { SecretsError } from '../errors/secrets.error.js';
import type { ObservableGaugeLike, ObservableResultLike, OtelApi, SpanLike, TelemetryAttributes, TracerLike } from './otel-api.js';
import { loadOtelApi } from './otel-api.js';
import { AttributeSets } from './attribute-sets.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './package-identity.js';
import type { ReadOutcome, ReadSource } from './read-source.js';
import { requestChannel, requestChannelActive, rotationChannel, stateChannel, type RequestChannelMessage } from './telemetry-channels.js';
import { NOOP_INSTRUMENTS, instrumentsFor, type Instruments } from './telemetry-instruments.js';
import { telemetryPath, vaultOperation } from './vault-operation.js';

/** Settings of one {@link VaultTelemetry}. */
export interface VaultTelemetryOptions {
  /** The named Vault (`vault.name` attribute); `undefined` for the default one (no attribute). */
  vault?: string;
  /** Put KV key names in read attributes, spans and channel paths (`telemetry.includeKeyNames`). */
  includeKeyNames: boolean;
  /** The auth method's name (`approle`, ...), the `vault.auth.method` of logins. */
  authMethod?: string;
  /** Replaces `import('@opentelemetry/api')` (tests). */
  importer?: () => Promise<unknown>;
}

/** What the module's gauges read when a metric reader collects. Times in milliseconds since the epoch. */
export interface TelemetryGauges {
  now(): number;
  state(): { state: string; reason?: string };
  tokenExpiresAt(): number | undefined;
  leases(): ReadonlyArray<{ engine: string; expiresAt: number | undefined }>;
  cacheEntries(): number;
}

/** Told by the HTTP client about the steps inside one call (span events). */
export interface RequestObserver {
  /** The call is sent again after a transient failure; `attempt` counts from 2. */
  retry(attempt: number): void;
  /** Vault answered a redirect (a standby's 307); `status` is its code. */
  redirect(status: number): void;
}

const NOOP_OBSERVER: RequestObserver = { retry: () => undefined, redirect: () => undefined };
const STATES: ReadonlyArray<{ state: string; reason?: string }> = [
  { state: 'starting' },
  { state: 'ready' },
  ...['unreachable', 'sealed', 'not-initialized', 'standby-no-active', 'dr-secondary', 'auth-failed', 'rate-limited'].map((reason) => ({
    state: 'degraded',
    reason,
  })),
];

/**
 * The module's telemetry for one Vault: OpenTelemetry metrics and spans through
 * `@opentelemetry/api` (loaded lazily at {@link enable}; without it, or with no SDK registered,
 * every call is a no-op), and the `node:diagnostics_channel` channels (`nestjs-vault-secrets:request`,
 * `:state`, `:rotation`), which work without OpenTelemetry. Register the OpenTelemetry SDK before
 * the module starts: the meter is taken at start.
 *
 * Attributes are low-cardinality; never a value, a token, a body, or (unless `includeKeyNames`)
 * a key name.
 */
export class VaultTelemetry {
  readonly #options: VaultTelemetryOptions;
  /** Every attribute set of this Vault's metrics and spans, built once. */
  readonly #sets: AttributeSets;
  #api: OtelApi | undefined;
  #tracer: TracerLike | undefined;
  #instruments: Instruments = NOOP_INSTRUMENTS;
  #gauges: TelemetryGauges | undefined;
  readonly #callbacks: Array<[ObservableGaugeLike, (result: ObservableResultLike) => void]> = [];
  readonly #cacheHit: TelemetryAttributes;
  /**
   * Cache hits not yet added to the reads counter: a warm read only bumps this integer (or, with
   * key names, its key's count); {@link #flushHits} adds them when a metric reader collects.
   */
  #pendingHits = 0;
  readonly #pendingHitsByKey = new Map<string, number>();
  /** The collection callback that flushes the pending hits, once registered. */
  #flushCallback: [ObservableGaugeLike, (result: ObservableResultLike) => void] | undefined;
  #enabled: Promise<boolean> | undefined;

  constructor(options: VaultTelemetryOptions) {
    this.#options = options;
    this.#sets = new AttributeSets(options.vault);
    this.#cacheHit = this.#sets.read('cache', 'ok');
  }

  /** Loads `@opentelemetry/api` (once) and registers the gauges. @returns whether the API is there. */
  enable(): Promise<boolean> {
    this.#enabled ??= loadOtelApi(this.#options.importer).then((api) => {
      if (!api) return false;
      this.#api = api;
      this.#tracer = api.trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
      this.#instruments = instrumentsFor(api);
      this.#registerFlush();
      this.#registerGauges();
      return true;
    });
    return this.#enabled;
  }

  /** Sets what the gauges read; they report once {@link enable} found the API. */
  observe(gauges: TelemetryGauges): void {
    this.#gauges = gauges;
    if (this.#api) this.#registerGauges();
  }

  /** Counts a read of `key` by where its value came from and how it ended. */
  read(key: string, source: ReadSource, outcome: ReadOutcome): void {
    this.#instruments.reads.add(
      1,
      this.#options.includeKeyNames ? { ...this.#sets.read(source, outcome), 'vault.secret.key': key } : this.#sets.read(source, outcome),
    );
  }

  /**
   * Counts a read answered by the cache (source `cache`, outcome `ok`). The warm path: it bumps a
   * plain integer (per key with `includeKeyNames`), added to `vault.client.reads` when a metric
   * reader collects, or at {@link close}; no SDK call and no allocation per read.
   */
  cacheHit(key: string): void {
    if (this.#options.includeKeyNames) this.#pendingHitsByKey.set(key, (this.#pendingHitsByKey.get(key) ?? 0) + 1);
    else this.#pendingHits += 1;
  }

  /** Counts a key starting to be served from a fallback. */
  fallbackActivated(source: ReadSource): void {
    this.#instruments.fallbackActivations.add(1, { ...this.#sets.base, 'vault.read.source': source });
  }

  /** Counts a rotation and publishes it on `nestjs-vault-secrets:rotation`. */
  rotated(rotation: { key: string; reason: string; engine: string }): void {
    this.#instruments.rotations.add(1, { ...this.#sets.base, 'vault.rotation.reason': rotation.reason, 'vault.engine': rotation.engine });
    if (rotationChannel.hasSubscribers) {
      rotationChannel.publish({
        reason: rotation.reason,
        engine: rotation.engine,
        vault: this.#options.vault,
        ...(this.#options.includeKeyNames ? { key: rotation.key } : {}),
      });
    }
  }

  /** Publishes a supervisor state change on `nestjs-vault-secrets:state` (`since` in ms since the epoch). */
  stateChanged(snapshot: { state: string; reason?: string; since: number }): void {
    if (stateChannel.hasSubscribers) {
      stateChannel.publish({ state: snapshot.state, reason: snapshot.reason, since: snapshot.since, vault: this.#options.vault });
    }
  }

  /**
   * Runs one Vault call under a span (`vault <operation>`, child of the caller's active span), the
   * request tracing channel and the duration histogram; counts errors, logins and renewals.
   * @param send - the call; it reports retries and redirects to the observer it is given.
   * @returns what `send` returns; rethrows its error.
   */
  async request<T extends { status: number }>(
    call: { method: VaultMethod; path: string; namespace: string },
    send: (observer: RequestObserver) => Promise<T>,
  ): Promise<T> {
    const api = this.#api;
    const traced = requestChannelActive();
    if (!api && !traced) return send(NOOP_OBSERVER);
    const operation = vaultOperation(call.method, call.path);
    // Built once per method and operation (low cardinality): a request allocates no attribute object.
    const attributes = this.#sets.request(call.method, operation);
    const span = this.#tracer?.startSpan(`vault ${operation}`, { kind: api?.SpanKind.CLIENT, attributes });
    const recording = span?.isRecording() === true;
    // The path (a string split per call) only where it is shown: a recording span, a channel subscriber.
    const path = recording || traced ? telemetryPath(call.path, this.#options.includeKeyNames) : '';
    if (recording) span?.setAttribute('vault.path', path);
    const observer = recording && span ? spanObserver(span) : NOOP_OBSERVER;
    // A span that records nothing and carries no trace (no SDK registered) is not made active:
    // no context copied per call. A sampled-out span of a real trace still is (it propagates the trace).
    const active = api && span && (recording || api.trace.isSpanContextValid(span.spanContext() as never));
    const run = (): Promise<T> =>
      active
        ? api.context.with(api.trace.setSpan(api.context.active() as never, span as never) as never, () => send(observer))
        : send(observer);
    const message: RequestChannelMessage | undefined = traced
      ? { method: call.method, path, namespace: call.namespace, vault: this.#options.vault, operation }
      : undefined;
    const started = performance.now();
    let response: T | undefined;
    try {
      if (message) {
        // The traced function resolves to nothing and rejects with a summary of the error: the
        // channel never holds Vault's body, nor an error whose `path` can carry a key name.
        let failure: unknown;
        await requestChannel
          .tracePromise(async () => {
            try {
              response = await run();
              message.status = response.status;
            } catch (error) {
              failure = error;
              const status = statusOf(error);
              if (status !== undefined) message.status = status;
              throw errorSummary(error);
            }
          }, message)
          .catch((summary: unknown) => {
            throw failure ?? summary;
          });
      } else response = await run();
    } catch (error) {
      this.#finish(call.method, operation, started, statusOf(error), error, span);
      throw error;
    }
    this.#finish(call.method, operation, started, (response as T).status, undefined, span);
    return response as T;
  }

  /** Adds the pending cache hits to the reads counter and removes the collection callbacks (the module is closing). */
  close(): void {
    this.#flushHits();
    if (this.#flushCallback) this.#flushCallback[0].removeCallback(this.#flushCallback[1]);
    this.#flushCallback = undefined;
    for (const [gauge, callback] of this.#callbacks.splice(0)) gauge.removeCallback(callback);
  }

  /** Adds the cache hits counted since the last collection to `vault.client.reads`. */
  #flushHits(): void {
    const reads = this.#instruments.reads;
    if (this.#pendingHits > 0) {
      const hits = this.#pendingHits;
      this.#pendingHits = 0;
      reads.add(hits, this.#cacheHit);
    }
    if (this.#pendingHitsByKey.size > 0) {
      for (const [key, hits] of this.#pendingHitsByKey) reads.add(hits, { ...this.#cacheHit, 'vault.secret.key': key });
      this.#pendingHitsByKey.clear();
    }
  }

  /**
   * Flushes the pending cache hits from a collection callback. The SDK runs every observable
   * callback before it reads the synchronous instruments, so the hits land in the same collection.
   * The callback sits on the cache-entries gauge and observes nothing itself.
   */
  #registerFlush(): void {
    const gauge = this.#instruments.cacheEntries;
    if (!gauge || this.#flushCallback) return;
    const callback = (): void => this.#flushHits();
    gauge.addCallback(callback);
    this.#flushCallback = [gauge, callback];
  }

  #finish(
    method: VaultMethod,
    operation: string,
    started: number,
    status: number | undefined,
    error: unknown,
    span: SpanLike | undefined,
  ): void {
    const errorType = error === undefined ? undefined : error instanceof SecretsError ? error.code : 'other';
    const attributes = this.#sets.request(method, operation, status, errorType);
    const instruments = this.#instruments;
    instruments.requestDuration.record((performance.now() - started) / 1000, attributes);
    const outcome = error === undefined ? 'success' : 'failure';
    if (error !== undefined) instruments.errors.add(1, attributes);
    if (operation === 'auth.login')
      instruments.logins.add(1, {
        ...this.#sets.base,
        'vault.auth.method': this.#options.authMethod ?? 'unknown',
        'vault.outcome': outcome,
      });
    if (operation === 'token.renew' || operation === 'lease.renew') {
      instruments.renewals.add(1, {
        ...this.#sets.base,
        'vault.renewal.kind': operation === 'token.renew' ? 'token' : 'lease',
        'vault.outcome': outcome,
      });
    }
    if (span) {
      if (status !== undefined) span.setAttribute('http.response.status_code', status);
      // A client span is an error on a thrown error or a 4xx/5xx answer (an accepted 404 included):
      // the status message is the error's code or the HTTP status, never an error message.
      const failed = errorType ?? (status !== undefined && status >= 400 ? String(status) : undefined);
      if (failed !== undefined) {
        span.setAttribute('error.type', failed);
        span.setStatus({ code: this.#api?.SpanStatusCode.ERROR ?? 2, message: failed });
      }
      span.end();
    }
  }

  #registerGauges(): void {
    const gauges = this.#gauges;
    if (!gauges || this.#callbacks.length > 0) return;
    const { state, tokenTtl, leaseTtl, cacheEntries } = this.#instruments;
    const base = this.#sets.base;
    const add = (gauge: ObservableGaugeLike | undefined, callback: (result: ObservableResultLike) => void): void => {
      if (!gauge) return;
      gauge.addCallback(callback);
      this.#callbacks.push([gauge, callback]);
    };
    add(state, (result) => {
      const now = gauges.state();
      for (const s of STATES) {
        const current = s.state === now.state && (s.reason === undefined || s.reason === now.reason);
        result.observe(
          current ? 1 : 0,
          s.reason === undefined
            ? { ...base, 'vault.state': s.state }
            : { ...base, 'vault.state': s.state, 'vault.state.reason': s.reason },
        );
      }
    });
    add(tokenTtl, (result) => {
      const expiresAt = gauges.tokenExpiresAt();
      if (expiresAt !== undefined) result.observe(Math.max(0, (expiresAt - gauges.now()) / 1000), base);
    });
    add(leaseTtl, (result) => {
      const soonest = new Map<string, number>();
      for (const lease of gauges.leases()) {
        if (lease.expiresAt === undefined) continue;
        soonest.set(lease.engine, Math.min(soonest.get(lease.engine) ?? Infinity, lease.expiresAt));
      }
      for (const [engine, expiresAt] of soonest)
        result.observe(Math.max(0, (expiresAt - gauges.now()) / 1000), { ...base, 'vault.engine': engine });
    });
    add(cacheEntries, (result) => result.observe(gauges.cacheEntries(), base));
  }
}

function spanObserver(span: SpanLike): RequestObserver {
  return {
    retry: (attempt) => span.addEvent('vault.retry', { 'vault.attempt': attempt }),
    redirect: (status) => span.addEvent('vault.redirect', { 'http.response.status_code': status }),
  };
}

/** What the request channel's `error` carries: the error's name, code and Vault's status, nothing else. */
export class RequestErrorSummary extends Error {
  constructor(
    readonly code: string,
    readonly status: number | undefined,
  ) {
    super(`Vault request failed: ${code}`);
    this.name = 'RequestErrorSummary';
  }
}

function errorSummary(error: unknown): RequestErrorSummary {
  return new RequestErrorSummary(error instanceof SecretsError ? error.code : 'other', statusOf(error));
}

function statusOf(error: unknown): number | undefined {
  return error instanceof SecretsError ? error.status : undefined;
}
