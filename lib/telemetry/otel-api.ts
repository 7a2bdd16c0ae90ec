/**
 * The part of `@opentelemetry/api` the module uses, declared here so that no type or value of the
 * package is needed to load the module: `@opentelemetry/api` is an optional peer, imported lazily
 * by {@link loadOtelApi}. With the package missing (or no SDK registered) every call is a no-op.
 */

/** Attribute values: low-cardinality strings and numbers only, never a secret, a token or a body. */
export type TelemetryAttributes = Readonly<Record<string, string | number | boolean>>;

/** A monotonic counter (`Meter.createCounter`). */
export interface CounterLike {
  add(value: number, attributes?: TelemetryAttributes): void;
}

/** A histogram (`Meter.createHistogram`). */
export interface HistogramLike {
  record(value: number, attributes?: TelemetryAttributes): void;
}

/** What an observable callback reports into. */
export interface ObservableResultLike {
  observe(value: number, attributes?: TelemetryAttributes): void;
}

/** An observable gauge (`Meter.createObservableGauge`). */
export interface ObservableGaugeLike {
  addCallback(callback: (result: ObservableResultLike) => void): void;
  removeCallback(callback: (result: ObservableResultLike) => void): void;
}

/** Name, description and unit (UCUM: `s`, `{read}`) of an instrument; bucket advice for histograms. */
export interface InstrumentOptionsLike {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

/** `Meter` of `@opentelemetry/api`. */
export interface MeterLike {
  createCounter(name: string, options?: InstrumentOptionsLike): CounterLike;
  createHistogram(name: string, options?: InstrumentOptionsLike): HistogramLike;
  createObservableGauge(name: string, options?: InstrumentOptionsLike): ObservableGaugeLike;
}

/** `Span` of `@opentelemetry/api`. */
export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown;
  addEvent(name: string, attributes?: TelemetryAttributes): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
  isRecording(): boolean;
  /** The span's trace and span ids (an invalid, all-zero context when no SDK made it). */
  spanContext(): unknown;
}

/** `Tracer` of `@opentelemetry/api`. */
export interface TracerLike {
  startSpan(name: string, options?: { kind?: number; attributes?: TelemetryAttributes }, context?: never): SpanLike;
}

/** The subset of `@opentelemetry/api` used: metrics, trace and context. */
export interface OtelApi {
  metrics: { getMeter(name: string, version?: string): MeterLike; getMeterProvider(): object };
  trace: {
    getTracer(name: string, version?: string): TracerLike;
    setSpan(context: never, span: never): unknown;
    isSpanContextValid(spanContext: never): boolean;
  };
  context: { active(): unknown; with<R>(context: never, fn: () => R): R };
  SpanKind: { CLIENT: number };
  SpanStatusCode: { ERROR: number };
}

/** Imports `@opentelemetry/api`. */
const importApi = (): Promise<unknown> => import('@opentelemetry/api');

/**
 * Loads `@opentelemetry/api` when the app has it installed; `undefined` otherwise (the module's
 * telemetry is then a no-op). Never throws.
 * @param importer - replaces the import (tests: a package that is not installed).
 */
export async function loadOtelApi(importer: () => Promise<unknown> = importApi): Promise<OtelApi | undefined> {
  try {
    const loaded = (await importer()) as Partial<OtelApi> & { default?: Partial<OtelApi> };
    // Under CommonJS interop the namespace may sit on `default`.
    const api = loaded.metrics ? loaded : loaded.default;
    return api?.metrics && api.trace && api.context && api.SpanKind && api.SpanStatusCode ? (api as OtelApi) : undefined;
  } catch {
    return undefined;
  }
}
