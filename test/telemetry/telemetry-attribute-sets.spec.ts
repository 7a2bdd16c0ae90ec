/**
 * The request attributes are built once per method/operation/outcome and reused (frozen). With the
 * OpenTelemetry SDK: the exported metric and span attributes carry the same content as when they
 * were built per request, no key name unless `includeKeyNames`, and an exporter that changes the
 * attribute objects it is handed cannot change what later requests, reads and gauges report.
 */
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VaultUnavailableError } from '../../lib/index.js';
import { VaultTelemetry } from '../../lib/telemetry/vault-telemetry.js';
import { collectMetrics, points } from '../support/metrics-reading.js';

let metricExporter: InMemoryMetricExporter;
const spanExporter = new InMemorySpanExporter();
let reader: PeriodicExportingMetricReader;

beforeEach(() => {
  metricExporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] }));
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});

afterEach(async () => {
  await reader.shutdown();
  metricExporter.reset();
  spanExporter.reset();
  metrics.disable();
  trace.disable();
  context.disable();
});

const KEY = 'payments-kq7';
const GAUGES = {
  now: () => Date.now(),
  state: () => ({ state: 'ready' }),
  tokenExpiresAt: () => Date.now() + 60_000,
  leases: () => [],
  cacheEntries: () => 3,
};

async function started(includeKeyNames = false): Promise<VaultTelemetry> {
  const telemetry = new VaultTelemetry({ vault: 'primary', includeKeyNames });
  expect(await telemetry.enable()).toBe(true);
  telemetry.observe(GAUGES);
  return telemetry;
}

/** Every attribute set exported (metric points and spans), as plain objects. */
function everyAttributeSet(resource: ResourceMetrics): Array<Record<string, unknown>> {
  const sets = resource.scopeMetrics.flatMap((s) => s.metrics).flatMap((m) => m.dataPoints.map((p) => ({ ...p.attributes })));
  return [...sets, ...spanExporter.getFinishedSpans().map((s) => ({ ...s.attributes }))];
}

/** Changes every attribute object it is handed, as a careless exporter or processor would. */
function vandalise(resource: ResourceMetrics): void {
  const attributeSets = resource.scopeMetrics
    .flatMap((s) => s.metrics)
    .flatMap((m) => (m.dataPoints as Array<{ attributes: object }>).map((p) => p.attributes as Record<string, unknown>));
  for (const attributes of attributeSets) {
    try {
      attributes['vandal'] = 'x';
      attributes['vault.name'] = 'other';
    } catch {
      // a frozen set refuses the change
    }
  }
}

describe('request attribute sets built once', () => {
  it('carry the same content as per-request objects did: method, operation, status, error.type, vault.name', async () => {
    const telemetry = await started();
    await telemetry.request({ method: 'GET', path: `secret/data/app/${KEY}`, namespace: '' }, async () => ({ status: 200 }));
    await telemetry.request({ method: 'GET', path: `secret/data/app/${KEY}`, namespace: '' }, async () => ({ status: 404 }));
    await expect(
      telemetry.request({ method: 'LIST', path: 'secret/metadata/app', namespace: '' }, () =>
        Promise.reject(new VaultUnavailableError('down', { status: 503 })),
      ),
    ).rejects.toThrow();
    await expect(
      telemetry.request({ method: 'POST', path: 'auth/approle/login', namespace: '' }, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    const resource = await collectMetrics(reader, metricExporter);
    const durations = points(resource, 'vault.client.request.duration').map((p) => p.attributes);
    expect(durations).toContainEqual({
      'vault.name': 'primary',
      'http.request.method': 'GET',
      'vault.operation': 'kv.read',
      'http.response.status_code': 200,
    });
    expect(durations).toContainEqual({
      'vault.name': 'primary',
      'http.request.method': 'GET',
      'vault.operation': 'kv.read',
      'http.response.status_code': 404,
    });
    const listFailure = durations.find((a) => a['vault.operation'] === 'kv.list');
    expect(listFailure).toMatchObject({ 'vault.name': 'primary', 'http.request.method': 'LIST', 'error.type': expect.any(String) });
    expect(durations).toContainEqual({
      'vault.name': 'primary',
      'http.request.method': 'POST',
      'vault.operation': 'auth.login',
      'error.type': 'other',
    });
    const spans = spanExporter.getFinishedSpans();
    expect(spans.map((s) => s.attributes['vault.path'])).toEqual([
      'secret/data/*',
      'secret/data/*',
      'secret/metadata/*',
      'auth/approle/login',
    ]);
    expect(JSON.stringify(everyAttributeSet(resource))).not.toContain(KEY);
  });

  it('an exporter changing the attribute objects it exports cannot change later requests, reads or gauges', async () => {
    const telemetry = await started();
    const call = { method: 'GET' as const, path: `secret/data/app/${KEY}`, namespace: '' };
    await telemetry.request(call, async () => ({ status: 200 }));
    telemetry.read(KEY, 'vault', 'ok');
    vandalise(await collectMetrics(reader, metricExporter));
    // The same sets again, and sets first built after the vandalism.
    await telemetry.request(call, async () => ({ status: 200 }));
    await telemetry.request({ method: 'DELETE', path: 'sys/leases/revoke', namespace: '' }, async () => ({ status: 204 }));
    telemetry.read(KEY, 'cache', 'ok');
    telemetry.fallbackActivated('fallback-file');
    telemetry.rotated({ key: KEY, reason: 'changed', engine: 'kv' });
    const sets = everyAttributeSet(await collectMetrics(reader, metricExporter));
    expect(sets.length).toBeGreaterThan(5);
    for (const set of sets) {
      expect(set).not.toHaveProperty('vandal');
      expect(set['vault.name']).toBe('primary');
    }
  });

  it('key names appear only with includeKeyNames', async () => {
    for (const includeKeyNames of [false, true]) {
      spanExporter.reset();
      const telemetry = await started(includeKeyNames);
      await telemetry.request({ method: 'GET', path: `secret/data/app/${KEY}`, namespace: '' }, async () => ({ status: 200 }));
      telemetry.read(KEY, 'vault', 'ok');
      telemetry.cacheHit(KEY);
      const text = JSON.stringify(everyAttributeSet(await collectMetrics(reader, metricExporter)));
      expect(text.includes(KEY), String(includeKeyNames)).toBe(includeKeyNames);
      telemetry.close();
    }
  });
});
