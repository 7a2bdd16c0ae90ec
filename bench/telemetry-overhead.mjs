// Warm fetchSecret of two or more builds side by side in one process, by default with no
// OpenTelemetry SDK registered: issue 20's "with no SDK, the warm read is within 5% of before
// telemetry" (and, for each build, the warm path's cost against the `await` Map.get floor of
// issue 21).
//
//   git worktree add /tmp/before <commit before telemetry> && (cd /tmp/before && npm ci && npm run build)
//   node bench/telemetry-overhead.mjs /tmp/before/dist [more dist dirs ...]
//
// BENCH_OTEL_SDK=1 registers the OpenTelemetry metrics SDK (a MeterProvider with a reader) first,
// so every build that has telemetry counts its reads through it (before/after of a telemetry change).
// The first dist is the baseline; this checkout's dist/ is added last unless listed. Each build
// has its own SecretsManager on one Vault; every round times each build and the floor back to back,
// in a rotating order, so load from elsewhere hits all alike. Not run by run-all.mjs (it needs a
// second build).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { URL, fileURLToPath, pathToFileURL } from 'node:url';
import { ROUNDS, fmtInt, fmtRatio, header, median, opsPerSecAsync, report, run, silentLogger } from './support/common.mjs';
import { secretData } from './support/data.mjs';
import { startVault } from './support/vault.mjs';

const KEY = 'db';
const TARGET = 1.05; // baseline time × 1.05 at most
const here = path.resolve(fileURLToPath(new URL('../dist', import.meta.url)));

const dists = process.argv.slice(2).map((d) => path.resolve(d));
if (dists.length === 0) {
  console.error('usage: node bench/telemetry-overhead.mjs <baseline dist dir> [other dist dirs ...] (this dist/ is added last)');
  process.exit(2);
}
if (!dists.includes(here)) dists.push(here);
for (const d of dists) {
  if (!existsSync(path.join(d, 'index.js'))) {
    console.error(`${d}/index.js is missing: build that checkout first`);
    process.exit(2);
  }
}

/** `<short commit> (<dir>)` of a dist directory, or the directory alone outside git. */
function label(dist) {
  try {
    const commit = execFileSync('git', ['-C', path.dirname(dist), 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', path.dirname(dist), 'status', '--porcelain', '--', 'lib'], { encoding: 'utf8' }).trim();
    return `${commit}${dirty ? '+changes' : ''} (${path.dirname(dist)})`;
  } catch {
    return dist;
  }
}

const withSdk = process.env.BENCH_OTEL_SDK === '1';

/** Registers the metrics SDK globally (the API keeps one global per major version, whichever copy a build loads). */
async function registerSdk() {
  const { metrics } = await import('@opentelemetry/api');
  const { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } =
    await import('@opentelemetry/sdk-metrics');
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  return reader;
}

run(async () => {
  const vault = await startVault();
  const reader = withSdk ? await registerSdk() : undefined;
  try {
    header(
      `telemetry-overhead: warm fetchSecret of several builds, ${withSdk ? 'metrics SDK registered' : 'no OpenTelemetry SDK'}, side by side`,
      vault,
    );
    await vault.kvPutMany('secret', [['app/db', secretData(1)]]);
    const builds = [];
    for (const dist of dists) {
      const { SecretsManager } = await import(pathToFileURL(path.join(dist, 'index.js')).href);
      const m = new SecretsManager(
        { address: vault.address, token: vault.rootToken, secretsPath: 'secret/app', watch: { enabled: false } },
        { env: {}, logger: silentLogger },
      );
      await m.start();
      const value = await m.fetchSecret(KEY);
      builds.push({ dist, label: label(dist), manager: m, read: () => m.fetchSecret(KEY), value, rates: [] });
    }
    const map = new Map([[KEY, builds[0].value]]);
    const floor = { label: 'await (async () => Map.get(key))()', read: async () => map.get(KEY), rates: [] };
    const sides = [...builds, floor];
    for (const side of sides) await opsPerSecAsync(side.read, 300, 1000);
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < sides.length; i++) {
        const side = sides[(i + r) % sides.length];
        side.rates.push(await opsPerSecAsync(side.read, 400, 1000));
      }
    }
    for (const b of builds) await b.manager.close();

    const [base, ...others] = builds;
    const ns = (side) => 1e9 / median(side.rates);
    // Time ratio to the baseline, per round (each round's sides ran back to back).
    const vsBase = (b) => median(b.rates.map((rate, i) => base.rates[i] / rate));
    const vsFloor = (b) => median(b.rates.map((rate, i) => floor.rates[i] / rate));
    const last = builds.at(-1);
    report({
      id: 'telemetry-overhead',
      figure: `warm fetchSecret, ${withSdk ? 'metrics SDK' : 'no SDK'}, builds side by side`,
      ours: { label: `${last.label}`, text: `${fmtInt(ns(last))} ns` },
      peers: [...builds.slice(0, -1).map((b) => ({ label: `${b === base ? 'baseline ' : ''}${b.label}`, text: `${fmtInt(ns(b))} ns` }))],
      floor: { label: floor.label, text: `${fmtInt(ns(floor))} ns` },
      ratios: [
        ...others.map((b) => ({ label: `time ${b.label.split(' ')[0]} / baseline`, text: fmtRatio(vsBase(b)), value: vsBase(b) })),
        ...builds.map((b) => ({ label: `time ${b.label.split(' ')[0]} / floor`, text: fmtRatio(vsFloor(b)), value: vsFloor(b) })),
      ],
      targets: [{ text: `≤ ${TARGET}× the baseline's time (${last.label.split(' ')[0]})`, pass: vsBase(last) <= TARGET }],
      summary: {
        ours: `${fmtInt(ns(last))} ns`,
        peer: `baseline ${fmtInt(ns(base))} ns`,
        ratio: fmtRatio(vsBase(last)),
        target: `≤ ${TARGET}× baseline`,
      },
      notes: [
        `per round (ns): ${sides.map((s) => `${s.label.split(' ')[0]} ${s.rates.map((x) => fmtInt(1e9 / x)).join('/')}`).join(' · ')}`,
      ],
    });
  } finally {
    await reader?.shutdown();
    await vault.stop();
  }
});
