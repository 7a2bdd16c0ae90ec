// Warm fetchSecret with no OpenTelemetry SDK registered vs with the metrics SDK registered (a
// MeterProvider with a reader: every warm read adds to the `vault.client.reads` counter), side by
// side in one process, each round back to back. Target (issue 20): with no SDK, within 5% of the
// warm read before telemetry; compare "no SDK" with bench/warm-read.mjs on the previous release.
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { SecretsManager } from '../dist/index.js';
import { ROUNDS, fmtInt, fmtRatio, header, median, opsPerSecAsync, report, run, silentLogger } from './support/common.mjs';
import { secretData } from './support/data.mjs';
import { startVault } from './support/vault.mjs';

const KEY = 'db';

async function manager(vault) {
  const m = new SecretsManager(
    { address: vault.address, token: vault.rootToken, secretsPath: 'secret/app', watch: { enabled: false } },
    { env: {}, logger: silentLogger },
  );
  await m.start();
  await m.fetchSecret(KEY);
  return m;
}

run(async () => {
  const vault = await startVault();
  try {
    header('telemetry: warm fetchSecret with no OpenTelemetry SDK vs with the metrics SDK registered', vault);
    await vault.kvPutMany('secret', [['app/db', secretData(1)]]);
    const bare = await manager(vault); // takes the no-op meter: nothing registered yet
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    const instrumented = await manager(vault); // takes the SDK's meter
    await opsPerSecAsync(() => bare.fetchSecret(KEY), 300, 1000);
    await opsPerSecAsync(() => instrumented.fetchSecret(KEY), 300, 1000);
    const none = [];
    const sdk = [];
    for (let r = 0; r < ROUNDS; r++) {
      none.push(await opsPerSecAsync(() => bare.fetchSecret(KEY), 500, 1000));
      sdk.push(await opsPerSecAsync(() => instrumented.fetchSecret(KEY), 500, 1000));
    }
    await reader.forceFlush();
    const counted = exporter
      .getMetrics()
      .at(-1)
      ?.scopeMetrics.flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === 'vault.client.reads')
      ?.dataPoints.reduce((sum, p) => sum + p.value, 0);
    await bare.close();
    await instrumented.close();
    await reader.shutdown();
    const noneOps = median(none);
    const sdkOps = median(sdk);
    const ratio = median(none.map((n, i) => sdk[i] / n));
    report({
      id: 'telemetry',
      figure: 'warm fetchSecret, no SDK vs metrics SDK',
      ours: {
        label: 'fetchSecret(key), cached, no OpenTelemetry SDK',
        text: `${fmtInt(noneOps)} ops/s (${fmtInt(1e9 / noneOps)} ns)`,
        value: noneOps,
      },
      peer: {
        label: 'the same with the metrics SDK registered',
        text: `${fmtInt(sdkOps)} ops/s (${fmtInt(1e9 / sdkOps)} ns)`,
        value: sdkOps,
      },
      ratios: [{ label: 'with SDK / without (median of per-round ratios)', text: fmtRatio(ratio), value: ratio }],
      summary: {
        ours: `${fmtInt(noneOps)} ops/s no SDK`,
        peer: `${fmtInt(sdkOps)} ops/s with SDK`,
        ratio: fmtRatio(ratio),
        target: 'no SDK ≈ warm-read',
      },
      notes: [`reads counted by the SDK: ${fmtInt(counted ?? 0)} (the instrumented manager's reads only)`],
    });
  } finally {
    await vault.stop();
  }
});
