import type { CounterLike, HistogramLike, MeterLike, ObservableGaugeLike, OtelApi } from './otel-api.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './package-identity.js';

/** Metric names (OpenTelemetry naming: dot-separated, unit in the metadata; Prometheus shows `vault_client_reads_total`, ...). */
export const METRICS = {
  reads: 'vault.client.reads',
  requestDuration: 'vault.client.request.duration',
  errors: 'vault.client.errors',
  logins: 'vault.client.logins',
  renewals: 'vault.client.renewals',
  rotations: 'vault.client.rotations',
  fallbackActivations: 'vault.client.fallback.activations',
  state: 'vault.client.state',
  tokenTtl: 'vault.client.token.ttl',
  leaseTtl: 'vault.client.lease.ttl',
  cacheEntries: 'vault.client.cache.entries',
} as const;

/** Bucket boundaries of the request duration histogram, in seconds (OpenTelemetry's HTTP client advice). */
export const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The module's instruments on one meter provider. */
export interface Instruments {
  reads: CounterLike;
  requestDuration: HistogramLike;
  errors: CounterLike;
  logins: CounterLike;
  renewals: CounterLike;
  rotations: CounterLike;
  fallbackActivations: CounterLike;
  state: ObservableGaugeLike | undefined;
  tokenTtl: ObservableGaugeLike | undefined;
  leaseTtl: ObservableGaugeLike | undefined;
  cacheEntries: ObservableGaugeLike | undefined;
}

const noopCounter: CounterLike = { add: () => undefined };

/** Instruments that record nothing (no `@opentelemetry/api`, or before the module started). */
export const NOOP_INSTRUMENTS: Instruments = {
  reads: noopCounter,
  requestDuration: { record: () => undefined },
  errors: noopCounter,
  logins: noopCounter,
  renewals: noopCounter,
  rotations: noopCounter,
  fallbackActivations: noopCounter,
  state: undefined,
  tokenTtl: undefined,
  leaseTtl: undefined,
  cacheEntries: undefined,
};

/** One set of instruments per meter provider: every Vault of the app shares them (series differ by `vault.name`). */
const byProvider = new WeakMap<object, Instruments>();

function create(meter: MeterLike): Instruments {
  return {
    reads: meter.createCounter(METRICS.reads, {
      description: 'Secret reads, by where the value came from (vault.read.source) and how the read ended (vault.read.outcome).',
      unit: '{read}',
    }),
    requestDuration: meter.createHistogram(METRICS.requestDuration, {
      description: 'Duration of Vault API calls, retries and redirects included.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
    }),
    errors: meter.createCounter(METRICS.errors, { description: 'Vault API calls that failed, by error.type.', unit: '{error}' }),
    logins: meter.createCounter(METRICS.logins, { description: 'Logins to Vault, by auth method and outcome.', unit: '{login}' }),
    renewals: meter.createCounter(METRICS.renewals, {
      description: 'Token and lease renewals, by kind and outcome.',
      unit: '{renewal}',
    }),
    rotations: meter.createCounter(METRICS.rotations, { description: 'Secrets rotated, by reason.', unit: '{rotation}' }),
    fallbackActivations: meter.createCounter(METRICS.fallbackActivations, {
      description: 'Times a key started being served from a fallback (last good value, env or file), by source.',
      unit: '{activation}',
    }),
    state: meter.createObservableGauge(METRICS.state, {
      description: 'Supervisor state: 1 for the current state (and reason), 0 for the others.',
      unit: '{state}',
    }),
    tokenTtl: meter.createObservableGauge(METRICS.tokenTtl, { description: "Time left before the module's token expires.", unit: 's' }),
    leaseTtl: meter.createObservableGauge(METRICS.leaseTtl, {
      description: 'Time left before the soonest-expiring managed lease of each engine expires.',
      unit: 's',
    }),
    cacheEntries: meter.createObservableGauge(METRICS.cacheEntries, { description: 'KV values held in the cache.', unit: '{entry}' }),
  };
}

/** The instruments on the meter provider registered now (`metrics.getMeter('nestjs-vault-secrets', version)`). */
export function instrumentsFor(api: OtelApi): Instruments {
  const provider = api.metrics.getMeterProvider();
  let instruments = byProvider.get(provider);
  if (!instruments) {
    instruments = create(api.metrics.getMeter(PACKAGE_NAME, PACKAGE_VERSION));
    byProvider.set(provider, instruments);
  }
  return instruments;
}
