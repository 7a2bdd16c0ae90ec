// The Vault every benchmark talks to: a VaultTestServer on 127.0.0.1.
//
// By default it runs in a child process (vault-child.mjs), like a real Vault: the benchmark
// process then holds only the client under test (clean heap figures), and the client and
// server do not share one event loop (on a 2-core machine each gets a core).
// BENCH_VAULT=inprocess runs it inside the benchmark process instead (handy under a profiler).
//
// Both modes offer the same asynchronous API:
//   address, rootToken, mode,
//   await kvPutMany(mount, [[path, data], ...], concurrency)
//   await requestCount({ method?, path?: string | RegExp }), await requests(filter?), await clearRequests(),
//   await serverCpuMicros() (the server's CPU time so far; undefined in process),
//   await setLatency(filter, ms) (a latency fault on matching requests; 0 removes it),
//   await setDrop(on) (drop every connection, like a Vault that went away; false ends it),
//   await setSealed(on), await stop()
// Each request from requests() carries `at`: the server clock's time of arrival in ms (the wall
// clock when started with { clockMode: 'realtime' }).
// startVault(options) passes VaultTestServer start options (JSON-serialisable) in both modes.
import { fork } from 'node:child_process';
import { URL } from 'node:url';
import { seeder } from './seed.mjs';

const encodeFilter = (filter) =>
  filter && filter.path instanceof RegExp ? { ...filter, path: { re: filter.path.source, flags: filter.path.flags } } : filter;

/** Starts the Vault test server (child process unless BENCH_VAULT=inprocess). */
export async function startVault(options = {}) {
  if (process.env.BENCH_VAULT === 'inprocess') return startInProcess(options);
  return startChild(options);
}

async function startInProcess(options) {
  const { VaultTestServer } = await import('@nestjs-vault-secrets/vault-test-server');
  const server = await VaultTestServer.start(options);
  const seed = seeder(server.address, server.rootToken);
  return {
    mode: 'in this process (BENCH_VAULT=inprocess)',
    address: server.address,
    rootToken: server.rootToken,
    kvPutMany: (mount, entries, concurrency = 16) => seed.kvPutMany(mount, entries, concurrency),
    requestCount: async (filter) => server.requestCount(filter),
    requests: async (filter) =>
      server.requests.filter((r) => matches(filter, r)).map((r) => ({ method: r.method, path: r.path, status: r.status, at: r.at })),
    clearRequests: async () => server.clearRequests(),
    serverCpuMicros: async () => undefined, // shares this process: not separable
    setLatency: async (filter, ms) => {
      server.faults.clear();
      if (ms > 0) server.faults.add({ ...(filter ?? {}), latencyMs: ms });
    },
    setDrop: async (on) => {
      server.faults.clear();
      if (on) server.faults.add({ drop: true });
    },
    setSealed: async (on) => (on ? server.seal() : server.unseal()),
    stop: () => (seed.close(), server.stop()),
  };
}

function matches(filter, r) {
  if (!filter) return true;
  if (filter.method && filter.method.toUpperCase() !== r.method) return false;
  if (filter.path === undefined) return true;
  return typeof filter.path === 'string' ? filter.path === r.path : filter.path.test(r.path);
}

async function startChild(options) {
  const child = fork(new URL('./vault-child.mjs', import.meta.url), [JSON.stringify(options)], {
    execArgv: process.env.BENCH_VAULT_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_VAULT_PROF] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const pending = new Map();
  let nextId = 1;
  const ready = new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`Vault test server exited early (code ${code}, signal ${signal})`)));
    child.on('message', (msg) => {
      if (msg.type === 'ready') return resolve(msg);
      const waiter = pending.get(msg.id);
      if (!waiter) return;
      pending.delete(msg.id);
      if (msg.error) waiter.reject(new Error(`Vault test server: ${msg.error}`));
      else waiter.resolve(msg.result);
    });
  });
  const info = await ready;
  child.removeAllListeners('exit');
  child.on('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('Vault test server exited'));
    pending.clear();
  });
  const call = (op, ...args) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, op, args });
    });
  let stopped;
  return {
    mode: `in a child process (pid ${info.pid})`,
    address: info.address,
    rootToken: info.rootToken,
    pid: info.pid,
    kvPutMany: (mount, entries, concurrency = 16) => call('kvPutMany', mount, entries, concurrency),
    requestCount: (filter) => call('count', encodeFilter(filter)),
    requests: (filter) => call('requests', encodeFilter(filter)),
    clearRequests: () => call('clear'),
    serverCpuMicros: () => call('cpu'),
    setLatency: (filter, ms) => call('latency', encodeFilter(filter), ms),
    setDrop: (on) => call('drop', on),
    setSealed: (on) => call('seal', on),
    stop: () =>
      (stopped ??= (async () => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        await call('stop').catch(() => {});
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      })()),
  };
}
