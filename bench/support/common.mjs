// Shared helpers of the benchmark scripts: header, medians, formatting, the result block,
// a silent logger, TCP connection counting, and the hand-off to run-all.mjs.
import diagnostics_channel from 'node:diagnostics_channel';
import http from 'node:http';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { URL } from 'node:url';

const root = new URL('../../', import.meta.url);
const pkgVersion = (rel) => {
  try {
    return JSON.parse(readFileSync(new URL(rel, root), 'utf8')).version;
  } catch {
    return '?';
  }
};

export const versions = {
  ours: pkgVersion('package.json'),
  nodeVault: pkgVersion('node_modules/node-vault/package.json'),
  axios: pkgVersion('node_modules/axios/package.json'),
  lruCache: pkgVersion('node_modules/lru-cache/package.json'),
};

/** Rounds per figure (medians are over these). BENCH_ROUNDS overrides. */
export const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));

/** A LoggerService that drops everything (the Nest console logger would interleave with the figures). */
export const silentLogger = { log() {}, error() {}, warn() {}, debug() {}, verbose() {}, fatal() {} };

export const now = () => performance.now();

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
export const fmtUs = (ms) => `${fmtInt(ms * 1000)} µs`;
export const fmtMs = (ms) => `${ms >= 100 ? fmtInt(ms) : ms.toFixed(ms < 10 ? 2 : 1)} ms`;
export const fmtMB = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
export const fmtRatio = (r) => (r >= 100 ? `${fmtInt(r)}×` : `${r.toFixed(2)}×`);

/** Prints the common header: what ran, where, with which versions. */
export function header(title, vault, runs = `${ROUNDS} rounds, medians`) {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  console.log(`== ${title} ==`);
  console.log(
    `node ${process.version} · ${os.platform()}/${os.arch()} · ${cores} cores (${os.cpus()[0]?.model?.trim() ?? '?'}) · load avg ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `nestjs-vault-secrets ${versions.ours} (dist/) · node-vault ${versions.nodeVault} · axios ${versions.axios} · ${runs}` +
      (vault ? ` · Vault: VaultTestServer ${vault.mode} at ${vault.address}` : ''),
  );
}

/** Whether Node's global HTTP agent keeps connections alive (node-vault 0.12 and bare axios use it). */
export const globalKeepAlive = () => Boolean(http.globalAgent.keepAlive);

/**
 * Counts TCP connections opened by this process while `fn` runs (diagnostics channel
 * `net.client.socket`): tells whether a client reused keep-alive sockets.
 */
export async function countConnections(fn) {
  let opened = 0;
  const onSocket = () => opened++;
  diagnostics_channel.subscribe('net.client.socket', onSocket);
  try {
    const value = await fn();
    return { opened, value };
  } finally {
    diagnostics_channel.unsubscribe('net.client.socket', onSocket);
  }
}

/** Prints one line of the result block, label padded. */
export function line(tag, label, value) {
  console.log(`  ${tag.padEnd(7)}${label.padEnd(58)}${String(value).padStart(18)}`);
}

/**
 * Prints the result block and hands the figure to run-all.mjs (over IPC when started by it).
 * @param r.id short name; r.figure what is measured; r.ours / r.peer / r.floor { label, text };
 *   r.ratio { label, text }; r.target { text, pass }.
 */
export function report(r) {
  console.log('');
  line('ours', r.ours.label, r.ours.text);
  if (r.peer) line('peer', r.peer.label, r.peer.text);
  for (const p of r.peers ?? []) line('peer', p.label, p.text);
  if (r.floor) line('floor', r.floor.label, r.floor.text);
  for (const x of r.ratios ?? (r.ratio ? [r.ratio] : [])) line('ratio', x.label, x.text);
  for (const t of r.targets ?? (r.target ? [r.target] : [])) line('target', t.text, t.pass ? 'PASS' : 'MISS');
  for (const note of r.notes ?? []) console.log(`  note   ${note}`);
  send({ type: 'bench-result', ...r });
}

function send(message) {
  if (typeof process.send === 'function' && process.connected) process.send(message);
}

/** Runs `fn` (async) repeatedly for at least `ms` milliseconds, `batch` calls between clock reads. Returns ops/s. */
export async function opsPerSecAsync(fn, ms, batch) {
  let n = 0;
  const t0 = now();
  let t;
  do {
    for (let i = 0; i < batch; i++) await fn();
    n += batch;
    t = now();
  } while (t - t0 < ms);
  return (n / (t - t0)) * 1000;
}

/** Runs `fn` sequentially `n` times and returns each call's duration in ms. */
export async function latencies(fn, n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await fn();
    out[i] = now() - t0;
  }
  return out;
}

/** Runs async `fn(i)` for i in [0, count) with at most `concurrency` at once. */
export async function pool(count, concurrency, fn) {
  let next = 0;
  const worker = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Runs `main`, reporting a crash (exit code 1) without an unhandled-rejection trace. */
export function run(main) {
  main().catch((error) => {
    console.error(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    send({ type: 'bench-error', message: String(error instanceof Error ? error.message : error) });
    process.exitCode = 1;
  });
}
