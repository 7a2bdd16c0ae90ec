// Runs every benchmark in its own child process (clean heap, --expose-gc for heap.mjs), passes
// their output through, then prints one summary table.
//
//   node bench/run-all.mjs [--strict] [name ...]     (after npm run build)
//
// Exit code: 1 when a benchmark crashed or timed out (or, with --strict, missed a target).
// BENCH_ROUNDS (default 5) and BENCH_VAULT=inprocess are passed on to every script.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { URL, fileURLToPath } from 'node:url';

const BENCHES = [
  { name: 'warm-read', file: 'warm-read.mjs' },
  { name: 'telemetry', file: 'telemetry.mjs' },
  { name: 'cold-read', file: 'cold-read.mjs' },
  { name: 'bulk-load', file: 'bulk-load.mjs' },
  { name: 'stampede', file: 'stampede.mjs' },
  { name: 'heap', file: 'heap.mjs', execArgv: ['--expose-gc'] },
  { name: 'watch-requests', file: 'watch-requests.mjs' },
  { name: 'fleet-recovery', file: 'fleet-recovery.mjs' },
];
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 180_000);

const args = process.argv.slice(2);
const strict = args.includes('--strict');
const only = args.filter((a) => !a.startsWith('--'));
const selected = only.length ? BENCHES.filter((b) => only.includes(b.name)) : BENCHES;
if (only.length && selected.length !== only.length) {
  console.error(`unknown benchmark; choose from: ${BENCHES.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
  console.error('dist/ is missing: run `npm run build` first (or `npm run bench`).');
  process.exit(2);
}

function runOne(bench) {
  return new Promise((resolve) => {
    const started = Date.now();
    const results = [];
    const errors = [];
    const child = fork(fileURLToPath(new URL(bench.file, import.meta.url)), [], {
      execArgv: bench.execArgv ?? [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const timer = setTimeout(() => {
      errors.push(`timed out after ${TIMEOUT_MS / 1000} s`);
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.on('message', (msg) => {
      if (msg?.type === 'bench-result') results.push(msg);
      if (msg?.type === 'bench-error') errors.push(msg.message);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && !errors.length) errors.push(`exited with ${signal ?? `code ${code}`}`);
      if (!results.length && !errors.length) errors.push('reported no figure');
      resolve({ bench, results, errors, seconds: (Date.now() - started) / 1000 });
    });
  });
}

const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
console.log(`nestjs-vault-secrets benchmarks · node ${process.version} · ${cores} cores · ${os.cpus()[0]?.model?.trim() ?? '?'}\n`);
const runs = [];
for (const bench of selected) {
  runs.push(await runOne(bench));
  console.log('');
}

// Summary table.
const rows = [['figure', 'ours', 'peer / floor', 'ratio', 'target', 'result', 'time']];
let crashed = false;
let missed = false;
for (const { bench, results, errors, seconds } of runs) {
  for (const r of results) {
    const targets = r.targets ?? (r.target ? [r.target] : []);
    const failed = targets.filter((t) => !t.pass);
    missed ||= failed.length > 0;
    rows.push([
      r.id,
      r.summary?.ours ?? r.ours?.text ?? '',
      r.summary?.peer ?? r.peer?.text ?? '',
      r.summary?.ratio ?? r.ratio?.text ?? '',
      r.summary?.target ?? targets.map((t) => t.text).join(' · '),
      targets.length === 0 ? '—' : failed.length ? `MISS (${failed.map((t) => t.text).join('; ')})` : 'PASS',
      `${seconds.toFixed(1)} s`,
    ]);
  }
  if (errors.length) {
    crashed = true;
    rows.push([bench.name, '', '', '', '', `ERROR: ${errors.join('; ')}`, `${seconds.toFixed(1)} s`]);
  }
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
const fmt = (row) => row.map((cell, c) => (c === row.length - 1 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join(' │ ');
console.log('== summary ==');
console.log(fmt(rows[0]));
console.log(widths.map((w) => '─'.repeat(w)).join('─┼─'));
for (const row of rows.slice(1)) console.log(fmt(row));
console.log(`\ntotal ${runs.reduce((s, r) => s + r.seconds, 0).toFixed(1)} s`);
process.exitCode = crashed || (strict && missed) ? 1 : 0;
