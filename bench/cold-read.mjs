// Cold fetchSecret latency vs a raw axios GET of the same Vault path, and the number of Vault
// requests per cold read (counted on the server: must be exactly 1).
// Targets: median ≤ 1.10× raw axios; client CPU per cold read ≤ 1.5× a raw undici Pool.request (the floor);
// with 32 reads in flight, fetchSecret's client CPU ≤ 1.25× axios on our own UndiciAdapter with the options VaultClient
// had before issue 21 (axios.create, same headers, an AbortSignal.timeout deadline), printed next to raw undici.
//
// "Cold" here is fetchSecret(key, { refresh: true }) on a started manager: it skips the cached
// entry and runs the whole read path (key check → cache single-flight → KV locator → KV v2
// engine → VaultClient → axios → Vault) on a warm keep-alive connection, exactly the conditions
// of the raw axios peer (Node's keep-alive global agent). A fresh manager per read would time
// start() (a token lookup-self request) and a new TCP connection too, which is boot, not a read:
// it is reported separately below as information.
//
// The two sides alternate request by request (ours, axios, ours, axios, ...), so load from
// anything else on the machine hits both alike; the ratio is the median of the per-round ratios.
// When the target is missed, the same read is timed through each layer to show where the time goes.
import http from 'node:http';
import axios from 'axios';
import { Pool } from 'undici';
import nodeVault from 'node-vault';
import { SecretsManager } from '../dist/index.js';
import { UndiciAdapter } from '../dist/transport/undici.adapter.js';
import {
  ROUNDS,
  countConnections,
  fmtInt,
  fmtRatio,
  fmtUs,
  globalKeepAlive,
  header,
  latencies,
  median,
  now,
  pool,
  report,
  run,
  silentLogger,
  versions,
} from './support/common.mjs';
import { secretData } from './support/data.mjs';
import { startVault } from './support/vault.mjs';

const TARGET = 1.1;
const CPU_TARGET = 1.5;
const KEY = 'db';
const PATH = 'secret/data/app/db';
const PER_ROUND = Number(process.env.BENCH_COLD_READS ?? 300);
/** fetchSecret's client CPU per cold read over axios's on the same undici adapter (issue 21). */
const OVER_AXIOS_TARGET = 1.25;
const CPU_READS = Number(process.env.BENCH_CPU_READS ?? 2000);
const CPU_IN_FLIGHT = 32;

/** Alternates the sides call by call, `n` calls each; per side: latencies (ms) and client CPU (µs) per call. */
async function alternate(sides, n) {
  const out = sides.map(() => ({ lat: new Array(n), cpu: 0 }));
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < sides.length; s++) {
      const c0 = process.cpuUsage();
      const t0 = now();
      await sides[s]();
      out[s].lat[i] = now() - t0;
      const c = process.cpuUsage(c0);
      out[s].cpu += (c.user + c.system) / n;
    }
  }
  return out;
}

/** The same GET through each layer of the read path: median latency and client CPU per call. */
async function layerBreakdown(vault, m, headers) {
  const agent = new http.Agent({ keepAlive: true });
  // An axios instance configured as VaultClient configures its own (lib/transport/vault-client.ts).
  const likeOurs = axios.create({
    baseURL: `${vault.address}/v1/`,
    timeout: 0,
    maxRedirects: 0,
    proxy: false,
    decompress: true,
    httpAgent: agent,
    headers: { 'X-Vault-Request': 'true' },
    responseType: 'text',
    transformResponse: [(d) => d],
    validateStatus: () => true,
    transitional: { clarifyTimeoutError: true },
  });
  const url = `${vault.address}/v1/${PATH}`;
  const nodeGet = () =>
    new Promise((resolve, reject) =>
      http
        .get(url, { agent, headers }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve(JSON.parse(body)));
        })
        .on('error', reject),
    );
  const layers = [
    ['node:http get + JSON.parse', nodeGet],
    ['axios.get, global agent (the peer)', () => axios.get(url, { headers })],
    ['axios instance set up like VaultClient', () => likeOurs.request({ method: 'GET', url: PATH, headers })],
    [
      '  + AbortSignal.timeout per request',
      () => likeOurs.request({ method: 'GET', url: PATH, headers, signal: globalThis.AbortSignal.timeout(10_000) }),
    ],
    ['VaultClient.request (token, retry policy, errors)', () => m.core.client.request({ method: 'GET', path: PATH, acceptStatus: [404] })],
    ['SecretsCore.readKv (key check, cache, KV engine)', () => m.core.readKv(KEY, { refresh: true })],
    ['fetchSecret (the facade)', () => m.fetchSecret(KEY, { refresh: true })],
  ];
  const fns = layers.map(([, fn]) => fn);
  for (const fn of fns) await latencies(fn, 100);
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await alternate(fns, 100));
  agent.destroy();
  return layers.map(([name], i) => ({
    name,
    lat: median(rounds.map((round) => median(round[i].lat))),
    cpu: median(rounds.map((round) => round[i].cpu)),
  }));
}

/**
 * Client CPU per cold read with 32 reads in flight (2,000 per side and round, sides in a rotating
 * order, medians of the rounds), through each layer: raw undici, axios over the project's own
 * UndiciAdapter as an app would set it up (issue 21's baseline: axios.create with the options
 * VaultClient used to give it, the same headers, an AbortSignal.timeout per request as the
 * deadline), VaultClient.request, fetchSecret. VaultClient itself now gives axios nothing to merge
 * but the adapter and hands its headers to the adapter ready to send (lib/transport/vault-client.ts).
 */
async function cpuPerRead(vault, m, headers) {
  const undiciPool = new Pool(vault.address, { connections: CPU_IN_FLIGHT });
  const adapter = new UndiciAdapter({
    tls: {},
    connectTimeoutMs: 5000,
    maxResponseBytes: 16 * 1024 * 1024,
    connections: CPU_IN_FLIGHT,
  });
  // axios.create with the options VaultClient gave it when issue 21 measured the baseline.
  const onAdapter = axios.create({
    baseURL: `${vault.address}/v1/`,
    adapter: adapter.adapter,
    timeout: 0,
    maxRedirects: 0,
    proxy: false,
    headers: { 'X-Vault-Request': 'true' },
    responseType: 'text',
    transformResponse: [(d) => d],
    validateStatus: () => true,
    maxContentLength: 16 * 1024 * 1024,
    transitional: { clarifyTimeoutError: true },
  });
  const url = `${vault.address}/v1/${PATH}`;
  const sides = [
    [
      'raw undici Pool.request + JSON.parse',
      async () => {
        const { body } = await undiciPool.request({
          method: 'GET',
          path: `/v1/${PATH}`,
          headers: { 'X-Vault-Request': 'true', ...headers },
        });
        return JSON.parse(await body.text());
      },
    ],
    [
      'axios on our UndiciAdapter (baseline options) + JSON.parse',
      async () =>
        JSON.parse((await onAdapter.request({ method: 'GET', url, headers, signal: globalThis.AbortSignal.timeout(10_000) })).data),
    ],
    [
      '  the same without a deadline signal (information)',
      async () => JSON.parse((await onAdapter.request({ method: 'GET', url, headers })).data),
    ],
    ['VaultClient.request', () => m.core.client.request({ method: 'GET', path: PATH })],
    ['fetchSecret(key, { refresh: true })', () => m.fetchSecret(KEY, { refresh: true })],
  ];
  const cpu = sides.map(() => []);
  for (const [, fn] of sides) await pool(500, CPU_IN_FLIGHT, fn);
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < sides.length; k++) {
      const i = (k + r) % sides.length;
      const c0 = process.cpuUsage();
      await pool(CPU_READS, CPU_IN_FLIGHT, sides[i][1]);
      const c = process.cpuUsage(c0);
      cpu[i].push((c.user + c.system) / CPU_READS);
    }
  }
  await undiciPool.close();
  await adapter.destroy();
  return sides.map(([name], i) => ({ name, cpu: median(cpu[i]), rounds: cpu[i] }));
}

run(async () => {
  const vault = await startVault();
  try {
    header('cold-read: fetchSecret(key, { refresh: true }) vs a raw axios GET', vault);
    await vault.kvPutMany('secret', [['app/db', secretData(1)]]);
    const config = { address: vault.address, token: vault.rootToken, secretsPath: 'secret/app', watch: { enabled: false } };
    const url = `${vault.address}/v1/${PATH}`;
    const headers = { 'X-Vault-Token': vault.rootToken };

    const m = new SecretsManager(config, { env: {}, logger: silentLogger });
    await m.start();
    const ours = () => m.fetchSecret(KEY, { refresh: true });
    const raw = () => axios.get(url, { headers });
    // The floor: a bare undici Pool.request of the same GET on a keep-alive connection, body parsed as JSON.
    const floorPool = new Pool(vault.address, { connections: 32 });
    const floor = async () => {
      const { body } = await floorPool.request({ method: 'GET', path: `/v1/${PATH}`, headers });
      return body.json();
    };
    const nv = nodeVault({ endpoint: vault.address, token: vault.rootToken, apiVersion: 'v1' });
    const viaNodeVault = () => nv.read(PATH);

    const oursValue = await ours();
    const rawValue = (await raw()).data.data.data;
    if (JSON.stringify(oursValue) !== JSON.stringify(rawValue)) throw new Error('fetchSecret and axios disagree on the value');

    // Warm up all sides (JIT, keep-alive sockets).
    await alternate([ours, raw, floor], 300);
    await latencies(viaNodeVault, 100);

    // Vault requests per cold read, counted on the server: one by one, then in bulk.
    const perRead = [];
    for (let i = 0; i < 20; i++) {
      await vault.clearRequests();
      await ours();
      perRead.push(await vault.requestCount());
    }
    await vault.clearRequests();
    await latencies(ours, 100);
    const bulkTotal = await vault.requestCount();
    const bulkOnPath = await vault.requestCount({ method: 'GET', path: PATH });
    const exactlyOne = perRead.every((n) => n === 1) && bulkTotal === 100 && bulkOnPath === 100;

    // Latency rounds: ours and axios alternate call by call; node-vault after them (information).
    const rounds = [];
    const conns = { paired: 0, nv: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      const paired = await countConnections(() => alternate([ours, raw, floor], PER_ROUND));
      conns.paired += paired.opened;
      const [o, a, u] = paired.value;
      const nvRun = await countConnections(() => latencies(viaNodeVault, Math.ceil(PER_ROUND / 3)));
      conns.nv += nvRun.opened;
      rounds.push({
        ours: median(o.lat),
        raw: median(a.lat),
        undici: median(u.lat),
        oursCpu: o.cpu,
        rawCpu: a.cpu,
        undiciCpu: u.cpu,
        nv: median(nvRun.value),
      });
    }

    // Information: a cold read on a fresh manager (start() first, new connection).
    const fresh = [];
    let freshStartRequests = 0;
    let freshReadRequests = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const f = new SecretsManager(config, { env: {}, logger: silentLogger });
      await vault.clearRequests();
      await f.start();
      freshStartRequests = Math.max(freshStartRequests, await vault.requestCount());
      await vault.clearRequests();
      const t0 = now();
      await f.fetchSecret(KEY);
      fresh.push(now() - t0);
      freshReadRequests = Math.max(freshReadRequests, await vault.requestCount());
      await f.close();
    }

    const o = median(rounds.map((r) => r.ours));
    const a = median(rounds.map((r) => r.raw));
    const ratio = median(rounds.map((r) => r.ours / r.raw));
    const oCpu = median(rounds.map((r) => r.oursCpu));
    const aCpu = median(rounds.map((r) => r.rawCpu));
    const uCpu = median(rounds.map((r) => r.undiciCpu));
    const u = median(rounds.map((r) => r.undici));
    const cpuRatio = median(rounds.map((r) => r.oursCpu / r.undiciCpu));
    const cpuPass = cpuRatio <= CPU_TARGET;
    const pass = ratio <= TARGET;
    const notes = [
      `per round (µs) ours ${rounds.map((r) => fmtInt(r.ours * 1000)).join('/')} · axios ${rounds.map((r) => fmtInt(r.raw * 1000)).join('/')} · ` +
        `ratio ${rounds.map((r) => (r.ours / r.raw).toFixed(2)).join('/')} (headline = median of these)`,
      `client CPU per read: ours ${fmtInt(oCpu)} µs · axios ${fmtInt(aCpu)} µs (${fmtRatio(oCpu / aCpu)}) · raw undici ${fmtInt(uCpu)} µs; ` +
        `Vault requests: 20 single cold reads → ${perRead.every((n) => n === 1) ? 'each 1' : perRead.join(',')}, 100 in a row → ${bulkTotal} (${bulkOnPath} GET ${PATH})`,
      `keep-alive: ours (own agent) + axios (global agent keepAlive=${globalKeepAlive()}) opened ${conns.paired}, ` +
        `node-vault ${versions.nodeVault} (axios, global agent) ${conns.nv} TCP connection(s) in the timed rounds`,
      `fresh manager instead (information): start() sends ${freshStartRequests} request (token lookup-self), then the first read takes ` +
        `${fmtUs(median(fresh))} (median) with ${freshReadRequests} request on a new TCP connection`,
    ];
    const byLayer = await cpuPerRead(vault, m, headers);
    const [undiciCpu, axiosCpu, axiosBare, clientCpu, fetchCpu] = byLayer;
    const overAxios = fetchCpu.cpu / axiosCpu.cpu;
    if (!pass || process.env.BENCH_LAYERS) {
      const layers = await layerBreakdown(vault, m, headers);
      notes.push('layers, alternating call by call (median latency / client CPU per call):');
      for (const l of layers) notes.push(`  ${l.name.padEnd(52)} ${fmtUs(l.lat).padStart(8)} / ${fmtUs(l.cpu / 1000).padStart(8)}`);
    }
    await m.close();
    await floorPool.close();

    report({
      id: 'cold-read-cpu',
      figure: `client CPU per cold read, ${fmtInt(CPU_READS)} reads ${CPU_IN_FLIGHT} in flight`,
      ours: { label: fetchCpu.name, text: `${fmtInt(fetchCpu.cpu)} µs`, value: fetchCpu.cpu },
      peer: { label: axiosCpu.name, text: `${fmtInt(axiosCpu.cpu)} µs`, value: axiosCpu.cpu },
      peers: [
        { label: undiciCpu.name, text: `${fmtInt(undiciCpu.cpu)} µs` },
        { label: axiosBare.name, text: `${fmtInt(axiosBare.cpu)} µs` },
        { label: clientCpu.name, text: `${fmtInt(clientCpu.cpu)} µs` },
      ],
      ratios: [
        { label: 'fetchSecret / axios on the same adapter (our overhead)', text: fmtRatio(overAxios), value: overAxios },
        { label: 'VaultClient.request / axios on the same adapter', text: fmtRatio(clientCpu.cpu / axiosCpu.cpu) },
        { label: 'axios on the adapter / raw undici', text: fmtRatio(axiosCpu.cpu / undiciCpu.cpu) },
        { label: 'fetchSecret / raw undici', text: fmtRatio(fetchCpu.cpu / undiciCpu.cpu) },
      ],
      targets: [{ text: `fetchSecret CPU ≤ ${OVER_AXIOS_TARGET}× axios on the same adapter`, pass: overAxios <= OVER_AXIOS_TARGET }],
      summary: {
        ours: `fetchSecret ${fmtInt(fetchCpu.cpu)} µs CPU`,
        peer: `axios/adapter ${fmtInt(axiosCpu.cpu)} µs · undici ${fmtInt(undiciCpu.cpu)} µs`,
        ratio: fmtRatio(overAxios),
        target: `≤ ${OVER_AXIOS_TARGET}× axios/adapter`,
      },
      notes: byLayer.map((s) => `${s.name.padEnd(56)} per round (µs) ${s.rounds.map((x) => fmtInt(x)).join('/')}`),
    });

    report({
      id: 'cold-read',
      figure: 'cold fetchSecret latency',
      ours: { label: 'fetchSecret(key, { refresh: true }), median', text: fmtUs(o), value: o },
      peer: { label: 'raw axios.get(same path), median', text: fmtUs(a), value: a },
      peers: [
        { label: 'raw undici Pool.request(same path), median (the floor)', text: fmtUs(u) },
        { label: 'node-vault read(same path), median (information)', text: fmtUs(median(rounds.map((r) => r.nv))) },
        { label: 'client CPU per cold read: ours / axios / raw undici', text: `${fmtInt(oCpu)} / ${fmtInt(aCpu)} / ${fmtInt(uCpu)} µs` },
      ],
      ratios: [
        { label: 'ours / raw axios (median of per-round ratios)', text: fmtRatio(ratio), value: ratio },
        { label: 'client CPU ours / raw undici (median of per-round ratios)', text: fmtRatio(cpuRatio), value: cpuRatio },
        { label: 'Vault requests per cold read (server count)', text: exactlyOne ? '1' : perRead.join(',') },
      ],
      targets: [
        { text: `≤ ${TARGET.toFixed(2)}× raw axios`, pass },
        { text: `client CPU ≤ ${CPU_TARGET}× raw undici`, pass: cpuPass },
        { text: 'exactly 1 Vault request per cold read', pass: exactlyOne },
      ],
      summary: {
        ours: `${fmtUs(o)} · CPU ${fmtInt(oCpu)} µs · ${exactlyOne ? 1 : '≠1'} req/read`,
        peer: `axios ${fmtUs(a)} · CPU ${fmtInt(aCpu)} µs; undici CPU ${fmtInt(uCpu)} µs`,
        ratio: `${fmtRatio(ratio)} · CPU ${fmtRatio(cpuRatio)} undici`,
        target: `≤ ${TARGET.toFixed(2)}× · CPU ≤ ${CPU_TARGET}× undici · 1 req`,
      },
      notes,
    });
  } finally {
    await vault.stop();
  }
});
