import { metrics } from '@opentelemetry/api';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretsService, getSecretsServiceToken } from '../../lib/index.js';
import { IN_MEMORY_LEASE_SECONDS, SecretsTestingModule } from '../../lib/testing/index.js';
import { collectMetrics, points, value } from '../support/metrics-reading.js';

/**
 * Issue 20: an app's test reads the module's metrics over `SecretsTestingModule`, the way
 * docs/testing.md shows: the SDK with an in-memory reader registered before the module starts.
 */

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
let reader: PeriodicExportingMetricReader;
let moduleRef: TestingModule | undefined;

beforeAll(() => {
  reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
});

afterAll(async () => {
  await reader.shutdown();
  metrics.disable();
});

beforeEach(() => exporter.reset());

afterEach(async () => {
  await moduleRef?.close();
  moduleRef = undefined;
});

const collect = (): Promise<ResourceMetrics> => collectMetrics(reader, exporter);

describe('SecretsTestingModule with the OpenTelemetry SDK registered (issue 20)', () => {
  it('lets a test read the reads by source, the cache entries and the lease TTL of dynamic credentials', async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot(),
        SecretsTestingModule.forRoot({
          secrets: { stripe: { apiKey: 'sk_test_1' }, 'database/creds/payments': { username: 'u1', password: 'p1' } },
        }),
      ],
    }).compile();
    await moduleRef.init();
    const secrets = moduleRef.get(SecretsService);
    for (let i = 0; i < 3; i += 1) expect(await secrets.fetchSecret('stripe')).toEqual({ apiKey: 'sk_test_1' });
    await expect(secrets.fetchSecret('missing')).rejects.toThrow();
    await secrets.fetchDynamicDbCreds('payments');

    const m = await collect();
    const reads = (source: string, outcome: string) =>
      value(m, 'vault.client.reads', { 'vault.read.source': source, 'vault.read.outcome': outcome, 'vault.name': undefined });
    expect([reads('vault', 'ok'), reads('cache', 'ok'), reads('vault', 'not-found')]).toEqual([1, 2, 1]);
    expect(value(m, 'vault.client.cache.entries', {})).toBe(1);
    // The in-memory Vault leases credentials for IN_MEMORY_LEASE_SECONDS, on the real clock.
    const ttl = value(m, 'vault.client.lease.ttl', { 'vault.engine': 'database' }) as number;
    expect(ttl).toBeGreaterThan(IN_MEMORY_LEASE_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(IN_MEMORY_LEASE_SECONDS);
    expect(value(m, 'vault.client.state', { 'vault.state': 'ready' })).toBe(1);
    // Served from memory without HTTP: no request is timed.
    expect(points(m, 'vault.client.request.duration')).toEqual([]);
    // No key name, no value in any attribute (includeKeyNames is off).
    const attributes = JSON.stringify(m.scopeMetrics.flatMap((s) => s.metrics.flatMap((x) => x.dataPoints.map((p) => p.attributes))));
    for (const planted of ['stripe', 'sk_test_1', 'payments', 'p1']) expect(attributes).not.toContain(planted);
  });

  it('labels the metrics of a named in-memory Vault with vault.name', async () => {
    moduleRef = await Test.createTestingModule({
      imports: [EventEmitterModule.forRoot(), SecretsTestingModule.forRoot({ name: 'billing', secrets: { stripe: { apiKey: 'k' } } })],
    }).compile();
    await moduleRef.init();
    const billing = moduleRef.get<SecretsService>(getSecretsServiceToken('billing'));
    await billing.fetchSecret('stripe');
    await billing.fetchSecret('stripe');
    const m = await collect();
    expect(value(m, 'vault.client.reads', { 'vault.read.source': 'cache', 'vault.name': 'billing' })).toBe(1);
    expect(value(m, 'vault.client.reads', { 'vault.read.source': 'vault', 'vault.name': 'billing' })).toBe(1);
  });
});
