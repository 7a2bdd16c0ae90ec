import diagnosticsChannel from 'node:diagnostics_channel';
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
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretNotFoundError } from '../../lib/index.js';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import { REQUEST_CHANNEL, ROTATION_CHANNEL, STATE_CHANNEL } from '../../lib/telemetry/telemetry-channels.js';
import { telemetryCore } from '../support/telemetry-core.js';
import { collectMetrics, value } from '../support/metrics-reading.js';

/**
 * Issue 20: a scripted run (cold read, warm reads, a forced refresh, a missing key, an outage
 * with fallback reads, recovery) on the test server with the OpenTelemetry SDK's in-memory
 * exporters registered, asserting the metrics, spans and diagnostics-channel messages; then a
 * scan of everything exported for planted secrets, tokens and key names.
 */

const SECRET_VALUE = 'planted-value-9c41e7';
const FALLBACK_VALUE = 'planted-fallback-5be20d';
const KEY = 'payments-kq7'; // a key name that must not leak unless opted in
const FALLBACK_KEY = 'stripe-zz4';

const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const spanExporter = new InMemorySpanExporter();
let reader: PeriodicExportingMetricReader;
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] }));
  context.setGlobalContextManager(contextManager.enable());
});

afterAll(async () => {
  await reader.shutdown();
  metrics.disable();
  trace.disable();
  context.disable();
});

/** Every message published on the module's channels, by channel name. */
const messages: Array<{ channel: string; message: unknown }> = [];
const CHANNELS = [
  ...['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((event) => `tracing:${REQUEST_CHANNEL}:${event}`),
  STATE_CHANNEL,
  ROTATION_CHANNEL,
];
const record = (message: unknown, channel: string | symbol): void =>
  void messages.push({ channel: String(channel), message: { ...(message as object) } });

let server: VaultTestServer;
let core: SecretsCore | undefined;

beforeEach(async () => {
  server = await VaultTestServer.start();
  messages.length = 0;
  metricExporter.reset();
  spanExporter.reset();
  for (const name of CHANNELS) diagnosticsChannel.subscribe(name, record);
});

afterEach(async () => {
  for (const name of CHANNELS) diagnosticsChannel.unsubscribe(name, record);
  await core?.close();
  core = undefined;
  await server.stop();
  delete process.env.SECRETS_STRIPE_ZZ4;
});

/** A core on the test server with telemetry, its time the server's frozen clock moved by the test. */
async function start(token: string, includeKeyNames = false) {
  const started = await telemetryCore(server, { token, includeKeyNames, cache: { ttlMs: 1000 } });
  core = started.core;
  return started;
}

const collect = (): Promise<ResourceMetrics> => collectMetrics(reader, metricExporter);

/** Cold read, 3 warm reads, a forced refresh, a missing key, an outage with fallback reads, recovery. */
async function scriptedRun(token: string, includeKeyNames = false) {
  await server.admin.kvPut('secret', `app/${KEY}`, { password: SECRET_VALUE });
  process.env.SECRETS_STRIPE_ZZ4 = JSON.stringify({ key: FALLBACK_VALUE });
  const { core, time } = await start(token, includeKeyNames);
  const tracer = trace.getTracer('app');
  await tracer.startActiveSpan('app handler', async (span) => {
    expect(await core.fetchSecret(KEY)).toEqual({ password: SECRET_VALUE }); // cold
    span.end();
  });
  for (let i = 0; i < 3; i += 1) await core.fetchSecret(KEY); // warm
  await core.fetchSecret(KEY, { refresh: true }); // forced refresh
  await expect(core.fetchSecret('missing-key')).rejects.toBeInstanceOf(SecretNotFoundError);
  const healthy = await collect();

  const up = server.faults.add({ drop: true });
  await time.advance(1500); // the cache entry expires
  expect(await core.fetchSecret(KEY)).toEqual({ password: SECRET_VALUE }); // stale
  expect(await core.fetchSecret(FALLBACK_KEY)).toEqual({ key: FALLBACK_VALUE }); // env
  expect(await core.fetchSecret(FALLBACK_KEY)).toEqual({ key: FALLBACK_VALUE });
  const degraded = await collect();

  up();
  await time.advance(core.status().nextAttemptAt! - server.clock.now());
  expect(core.status().state).toBe('ready');
  const recovered = await collect();
  return { core, healthy, degraded, recovered };
}

describe('telemetry over a scripted run (issue 20)', () => {
  it('counts reads by source and outcome, times requests by method, status and operation, and reports state and token TTL', async () => {
    const token = (await server.admin.createToken({ ttl: 3600, policies: ['root'] })).client_token;
    const { healthy, degraded, recovered } = await scriptedRun(token);
    const reads = (source: string, outcome: string, m = recovered) =>
      value(m, 'vault.client.reads', { 'vault.read.source': source, 'vault.read.outcome': outcome, 'vault.name': 'primary' });

    expect(reads('vault', 'ok', healthy)).toBe(2); // cold + forced refresh
    expect(reads('cache', 'ok', healthy)).toBe(3);
    expect(reads('vault', 'not-found', healthy)).toBe(1);
    expect(reads('stale', 'ok', degraded)).toBe(1);
    expect(reads('fallback-env', 'ok', degraded)).toBe(2);
    expect(value(degraded, 'vault.client.fallback.activations', { 'vault.read.source': 'fallback-env' })).toBe(1);
    expect(value(degraded, 'vault.client.fallback.activations', { 'vault.read.source': 'stale' })).toBe(1);

    const kvRead = { 'http.request.method': 'GET', 'vault.operation': 'kv.read', 'vault.name': 'primary' };
    const ok = value(healthy, 'vault.client.request.duration', { ...kvRead, 'http.response.status_code': 200 }) as {
      count: number;
      sum: number;
    };
    expect(ok.count).toBe(2);
    expect(ok.sum).toBeGreaterThan(0);
    expect(value(healthy, 'vault.client.request.duration', { ...kvRead, 'http.response.status_code': 404 })).toMatchObject({ count: 1 });
    expect(
      value(healthy, 'vault.client.request.duration', { 'vault.operation': 'token.lookup', 'http.response.status_code': 200 }),
    ).toMatchObject({
      count: 1,
    });
    expect(
      value(degraded, 'vault.client.errors', { 'vault.operation': 'kv.read', 'error.type': 'SECRETS_VAULT_UNAVAILABLE' }),
    ).toBeGreaterThanOrEqual(1);

    const state = (m: ResourceMetrics, s: string, reason?: string) =>
      value(m, 'vault.client.state', reason ? { 'vault.state': s, 'vault.state.reason': reason } : { 'vault.state': s });
    expect([state(healthy, 'ready'), state(healthy, 'degraded', 'unreachable')]).toEqual([1, 0]);
    expect([state(degraded, 'ready'), state(degraded, 'degraded', 'unreachable'), state(degraded, 'degraded', 'sealed')]).toEqual([
      0, 1, 0,
    ]);
    expect([state(recovered, 'ready'), state(recovered, 'degraded', 'unreachable')]).toEqual([1, 0]);
    // 3600 s token, the frozen clock moved 1.5 s and then to the end of one backoff window.
    const ttl = value(recovered, 'vault.client.token.ttl', { 'vault.name': 'primary' }) as number;
    expect(ttl).toBeGreaterThan(3590);
    expect(ttl).toBeLessThanOrEqual(3600);
    expect(value(recovered, 'vault.client.cache.entries', { 'vault.name': 'primary' })).toBeGreaterThanOrEqual(1);
    const descriptor = recovered.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'vault.client.request.duration')!;
    expect(descriptor.descriptor.unit).toBe('s');
    expect(recovered.scopeMetrics.map((s) => s.scope.name)).toEqual(['nestjs-vault-secrets']);
  });

  it('makes one span per Vault request, a child of the caller active span, with status, attributes and error type', async () => {
    const token = (await server.admin.createToken({ ttl: 3600, policies: ['root'] })).client_token;
    await scriptedRun(token);
    const spans = spanExporter.getFinishedSpans();
    const parent = spans.find((s) => s.name === 'app handler')!;
    const cold = spans.find((s) => s.name === 'vault kv.read' && s.parentSpanContext?.spanId === parent.spanContext().spanId);
    expect(cold?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'vault.operation': 'kv.read',
      'vault.path': 'secret/data/*',
      'vault.name': 'primary',
    });
    expect(cold?.kind).toBe(2); // SpanKind.CLIENT
    const missing = spans.find((s) => s.name === 'vault kv.read' && s.attributes['http.response.status_code'] === 404);
    // KV reads accept 404 (then the engine throws SecretNotFoundError): still an error span, by status.
    expect(missing?.status).toMatchObject({ code: 2, message: '404' });
    const dropped = spans.find((s) => s.attributes['error.type'] === 'SECRETS_VAULT_UNAVAILABLE');
    expect(dropped?.status.code).toBe(2);
    expect(spans.some((s) => s.name === 'vault sys.health')).toBe(true);
  });

  it('publishes every request on the tracing channel with method, path, namespace, vault and the status, and state changes', async () => {
    const token = (await server.admin.createToken({ ttl: 3600, policies: ['root'] })).client_token;
    await scriptedRun(token);
    const on = (event: string) => messages.filter((m) => m.channel === `tracing:${REQUEST_CHANNEL}:${event}`).map((m) => m.message);
    expect(on('start').length).toBe(on('end').length);
    expect(on('start')).toContainEqual(expect.objectContaining({ method: 'GET', path: 'secret/data/*', namespace: '', vault: 'primary' }));
    expect(on('asyncEnd')).toContainEqual(expect.objectContaining({ path: 'secret/data/*', status: 200 }));
    expect(on('asyncEnd')).toContainEqual(expect.objectContaining({ path: 'secret/data/*', status: 404 })); // the missing key
    // The outage: the channel's error is a summary (name, code, status), never the error with its path.
    expect(on('error')).toContainEqual(
      expect.objectContaining({
        path: 'secret/data/*',
        error: expect.objectContaining({ name: 'RequestErrorSummary', code: 'SECRETS_VAULT_UNAVAILABLE' }),
      }),
    );
    const states = messages.filter((m) => m.channel === STATE_CHANNEL).map((m) => m.message);
    expect(states).toEqual([
      expect.objectContaining({ state: 'ready', vault: 'primary' }),
      expect.objectContaining({ state: 'degraded', reason: 'unreachable', vault: 'primary' }),
      expect.objectContaining({ state: 'ready', vault: 'primary' }),
    ]);
  });

  it('shows no value, token or key name in any metric attribute, span or channel message', async () => {
    const token = (await server.admin.createToken({ ttl: 3600, policies: ['root'] })).client_token;
    await scriptedRun(token);
    const exported = JSON.stringify({
      metrics: metricExporter
        .getMetrics()
        .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m) => ({ d: m.descriptor, p: m.dataPoints })))),
      spans: spanExporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })),
      messages,
    });
    expect(exported).toContain('vault.client.reads'); // the scan sees real data
    for (const planted of [SECRET_VALUE, FALLBACK_VALUE, token, server.rootToken, KEY, FALLBACK_KEY])
      expect(exported).not.toContain(planted);
  });

  it('puts key names in read attributes and paths only with telemetry.includeKeyNames', async () => {
    const token = (await server.admin.createToken({ ttl: 3600, policies: ['root'] })).client_token;
    const { recovered } = await scriptedRun(token, true);
    expect(value(recovered, 'vault.client.reads', { 'vault.secret.key': KEY, 'vault.read.source': 'cache' })).toBe(3);
    expect(spanExporter.getFinishedSpans().some((s) => s.attributes['vault.path'] === `secret/data/app/${KEY}`)).toBe(true);
    const exported = JSON.stringify(messages);
    for (const planted of [SECRET_VALUE, FALLBACK_VALUE, token]) expect(exported).not.toContain(planted);
  });
});
