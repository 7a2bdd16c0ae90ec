import { metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import { telemetryCore } from '../support/telemetry-core.js';
import { collectMetrics, points, value } from '../support/metrics-reading.js';

/**
 * Issue 20, the paths the scripted run leaves out: the lease-TTL gauge (the soonest-expiring
 * managed lease of each engine, in seconds, on the test server's frozen clock), the retry and
 * redirect span events, and cache hits counted between collections (they are added to
 * `vault.client.reads` when a reader collects, and at close).
 */

const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const spanExporter = new InMemorySpanExporter();
let reader: PeriodicExportingMetricReader;

beforeAll(() => {
  reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] }));
});

afterAll(async () => {
  await reader.shutdown();
  metrics.disable();
  trace.disable();
});

let server: VaultTestServer;
let core: SecretsCore | undefined;

beforeEach(async () => {
  server = await VaultTestServer.start();
  metricExporter.reset();
  spanExporter.reset();
});

afterEach(async () => {
  await core?.close();
  core = undefined;
  await server.stop();
});

/** A core on the test server with telemetry; its time is the server's frozen clock, moved by the test. */
async function start(options: { maxRetries?: number; includeKeyNames?: boolean } = {}) {
  const started = await telemetryCore(server, options);
  core = started.core;
  return started;
}

const collect = (): Promise<ResourceMetrics> => collectMetrics(reader, metricExporter);

/** The `vault kv.read` spans, oldest first. */
const kvReadSpans = (): ReadableSpan[] => spanExporter.getFinishedSpans().filter((s) => s.name === 'vault kv.read');

describe('lease TTL gauge (issue 20)', () => {
  it('reports, per engine, the seconds left on the soonest-expiring managed lease, as time passes', async () => {
    await server.admin.enableSecretsEngine('aws', 'aws');
    await server.admin.writeAwsRootConfig('aws', {
      access_key: 'AKIAROOTROOTROOTROOT',
      secret_key: 'root-secret-key-0000000000000000000000',
      region: 'us-east-1',
    });
    await server.admin.writeAwsLeaseConfig('aws', '1h', '2h');
    await server.admin.writeAwsRole('aws', 'iam', { credential_type: 'iam_user', policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] });
    await server.admin.enableSecretsEngine('pki', 'pki');
    await server.admin.generatePkiRoot('pki', { common_name: 'Root', ttl: '87600h', key_type: 'ec' });
    await server.admin.writePkiRole('pki', 'web', { allowed_domains: ['example.com'], allow_subdomains: true, ttl: '1h', key_type: 'ec' });
    const { core, time } = await start();
    const leaseTtl = (m: ResourceMetrics, engine: string) =>
      value(m, 'vault.client.lease.ttl', { 'vault.engine': engine, 'vault.name': 'primary' });

    expect(points(await collect(), 'vault.client.lease.ttl')).toEqual([]); // no managed lease yet
    await core.leased.fetchAwsCreds('iam'); // a 1 h lease
    await core.leased.issueCertificate('web', { commonName: 'api.example.com', ttl: 1800 }); // a 30 min certificate
    const first = await collect();
    expect(leaseTtl(first, 'aws')).toBe(3600);
    // A certificate expires at its notAfter, a whole second: up to 1 s before the TTL asked.
    const pki = leaseTtl(first, 'pki') as number;
    expect(pki).toBeGreaterThan(1799);
    expect(pki).toBeLessThanOrEqual(1800);

    await time.advance(600_000);
    await core.leased.fetchAwsCreds('iam', { key: 'aws-second' }); // a second 1 h lease, 10 min younger
    const later = await collect();
    expect(leaseTtl(later, 'aws')).toBe(3000); // the soonest of the two
    expect(leaseTtl(later, 'pki')).toBeCloseTo(pki - 600, 6);
    expect(points(later, 'vault.client.lease.ttl')).toHaveLength(2); // one series per engine, never per lease
    const descriptor = later.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'vault.client.lease.ttl');
    expect(descriptor?.descriptor.unit).toBe('s');
  });
});

describe('span events (issue 20)', () => {
  it('adds a vault.retry event with the attempt number when a transient failure is retried, in one span per call', async () => {
    await server.admin.kvPut('secret', 'app/retried', { v: '1' });
    const { core } = await start({ maxRetries: 1 });
    // A 502 asking to be retried at once (Retry-After: 0), then Vault answers.
    server.faults.add({ method: 'GET', path: 'secret/data/app/retried', status: 502, headers: { 'Retry-After': '0' }, times: 1 });
    expect(await core.fetchSecret('retried')).toEqual({ v: '1' });
    expect(server.requestCount({ method: 'GET', path: 'secret/data/app/retried' })).toBe(2);

    const spans = kvReadSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.events.map((e) => [e.name, e.attributes])).toEqual([['vault.retry', { 'vault.attempt': 2 }]]);
    expect(spans[0]!.attributes['http.response.status_code']).toBe(200);
    expect(spans[0]!.status.code).not.toBe(2); // the call succeeded: no error status
  });

  it('adds no event to a call answered at once', async () => {
    await server.admin.kvPut('secret', 'app/plain', { v: '1' });
    const { core } = await start({ maxRetries: 1 });
    await core.fetchSecret('plain');
    expect(kvReadSpans().map((s) => s.events)).toEqual([[]]);
  });

  it('adds a vault.redirect event with the status for each standby redirect followed', async () => {
    await server.admin.kvPut('secret', 'app/redirected', { v: '1' });
    const { core } = await start();
    // A standby's answer: 307 to the active node (here the same server, which then answers).
    server.faults.add({
      method: 'GET',
      path: 'secret/data/app/redirected',
      status: 307,
      headers: { Location: `${server.address}/v1/secret/data/app/redirected` },
      times: 1,
    });
    expect(await core.fetchSecret('redirected')).toEqual({ v: '1' });

    const spans = kvReadSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.events.map((e) => [e.name, e.attributes])).toEqual([['vault.redirect', { 'http.response.status_code': 307 }]]);
    expect(spans[0]!.attributes['http.response.status_code']).toBe(200);
  });
});

describe('cache hits between collections (issue 20)', () => {
  it('adds every warm read to vault.client.reads at the next collection, cumulatively, and the rest at close', async () => {
    await server.admin.kvPut('secret', 'app/db', { v: '1' });
    const { core: running } = await start();
    const cacheReads = (m: ResourceMetrics) =>
      value(m, 'vault.client.reads', { 'vault.read.source': 'cache', 'vault.read.outcome': 'ok', 'vault.name': 'primary' });
    await running.fetchSecret('db'); // cold
    for (let i = 0; i < 5; i += 1) await running.fetchSecret('db');
    expect(cacheReads(await collect())).toBe(5);
    expect(cacheReads(await collect())).toBe(5); // a collection adds nothing twice
    for (let i = 0; i < 7; i += 1) await running.fetchSecret('db');
    expect(cacheReads(await collect())).toBe(12);
    for (let i = 0; i < 2; i += 1) await running.fetchSecret('db');
    await running.close(); // flushes what no collection took yet
    core = undefined;
    expect(cacheReads(await collect())).toBe(14);
  });

  it('with includeKeyNames, counts the hits of each key under its own name', async () => {
    await server.admin.kvPut('secret', 'app/db', { v: '1' });
    await server.admin.kvPut('secret', 'app/mq', { v: '2' });
    const { core } = await start({ includeKeyNames: true });
    for (const key of ['db', 'mq']) await core.fetchSecret(key); // cold
    for (let i = 0; i < 3; i += 1) await core.fetchSecret('db');
    await core.fetchSecret('mq');
    const m = await collect();
    const hits = (key: string) => value(m, 'vault.client.reads', { 'vault.read.source': 'cache', 'vault.secret.key': key });
    expect([hits('db'), hits('mq')]).toEqual([3, 1]);
  });
});
