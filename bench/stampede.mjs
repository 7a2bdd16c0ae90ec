// 10,000 concurrent cold reads of one key: how many requests reach Vault.
// Target: 1 (single-flight in the cache), every round. The peer is node-vault, which has no
// cache and no request sharing: one request per call.
import http from 'node:http';
import { setImmediate } from 'node:timers';
import nodeVault from 'node-vault';
import { SecretsManager } from '../dist/index.js';
import { ROUNDS, fmtInt, fmtMs, fmtRatio, header, median, now, report, run, silentLogger, versions } from './support/common.mjs';
import { secretData } from './support/data.mjs';
import { startVault } from './support/vault.mjs';

const N = 10_000;
const KEY = 'db';
const PATH = 'secret/data/app/db';
const STAGGER_LATENCY_MS = 20;

run(async () => {
  const vault = await startVault();
  try {
    header(`stampede: ${fmtInt(N)} concurrent cold reads of one key`, vault);
    await vault.kvPutMany('secret', [['app/db', secretData(1)]]);
    const m = new SecretsManager(
      { address: vault.address, token: vault.rootToken, secretsPath: 'secret/app', watch: { enabled: false } },
      { env: {}, logger: silentLogger },
    );
    await m.start();
    await m.fetchSecret(KEY); // warm-up (code paths, socket)

    // All N calls in one tick on an empty cache.
    const counts = [];
    const times = [];
    let sameObject = true;
    for (let r = 0; r < ROUNDS; r++) {
      m.invalidate();
      await vault.clearRequests();
      const t0 = now();
      const values = await Promise.all(Array.from({ length: N }, () => m.fetchSecret(KEY)));
      times.push(now() - t0);
      counts.push(await vault.requestCount({ path: PATH }));
      sameObject &&= values.every((v) => v === values[0]);
    }

    // Harder: the N calls spread over 100 event-loop turns while the one request is in flight
    // (Vault holds it STAGGER_LATENCY_MS), so later callers join a load that is already running.
    await vault.setLatency({ path: PATH }, STAGGER_LATENCY_MS);
    const staggered = [];
    for (let r = 0; r < ROUNDS; r++) {
      m.invalidate();
      await vault.clearRequests();
      const pending = [];
      for (let batch = 0; batch < 100; batch++) {
        for (let i = 0; i < N / 100; i++) pending.push(m.fetchSecret(KEY));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(pending);
      staggered.push(await vault.requestCount({ path: PATH }));
    }
    await vault.setLatency(undefined, 0);
    await m.close();

    // node-vault: the same N concurrent reads (through 32 keep-alive sockets, like our
    // bulkConcurrency, rather than 10,000 sockets at once). One round: the count cannot vary.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const nv = nodeVault({ endpoint: vault.address, token: vault.rootToken, apiVersion: 'v1', requestOptions: { httpAgent: agent } });
    // Warm node-vault's code with another client: a socket left idle in this agent could pass the
    // server's 5 s keep-alive timeout while the 10,000 calls are being set up, and hang up.
    await nodeVault({ endpoint: vault.address, token: vault.rootToken, apiVersion: 'v1' }).read(PATH);
    await vault.clearRequests();
    const t0 = now();
    // A peer error (e.g. "socket hang up" on a busy machine) is counted, not fatal: the figure is what reached Vault.
    const peerErrors = new Map();
    await Promise.all(
      Array.from({ length: N }, () =>
        nv.read(PATH).catch((error) => {
          const message = error instanceof Error ? error.message : String(error);
          peerErrors.set(message, (peerErrors.get(message) ?? 0) + 1);
        }),
      ),
    );
    const nvMs = now() - t0;
    const nvCount = await vault.requestCount({ path: PATH });
    agent.destroy();

    const ours = median(counts);
    const pass = counts.every((c) => c === 1) && staggered.every((c) => c === 1);
    report({
      id: 'stampede',
      figure: `${fmtInt(N)} concurrent cold reads: Vault requests`,
      ours: { label: `fetchSecret × ${fmtInt(N)} at once, empty cache → requests`, text: fmtInt(ours), value: ours },
      peers: [{ label: `node-vault ${versions.nodeVault} read × ${fmtInt(N)} at once → requests`, text: fmtInt(nvCount), value: nvCount }],
      ratios: [
        { label: 'requests saved (node-vault / ours)', text: fmtRatio(nvCount / Math.max(ours, 1)), value: nvCount / Math.max(ours, 1) },
        { label: `time to settle all ${fmtInt(N)}: ours (median) / node-vault`, text: `${fmtMs(median(times))} / ${fmtMs(nvMs)}` },
      ],
      target: { text: '1 request (every round, both patterns)', pass },
      summary: {
        ours: `${fmtInt(ours)} request`,
        peer: `node-vault ${fmtInt(nvCount)}`,
        ratio: fmtRatio(nvCount / Math.max(ours, 1)),
        target: '= 1',
      },
      notes: [
        `requests per round: all in one tick ${counts.join('/')}; spread over 100 loop turns while Vault holds the read ${STAGGER_LATENCY_MS} ms ${staggered.join('/')}`,
        `every caller got the same frozen object: ${sameObject}`,
        `node-vault errors: ${peerErrors.size ? [...peerErrors].map(([m, n]) => `${n} × ${m}`).join(', ') : 'none'}`,
      ],
    });
  } finally {
    await vault.stop();
  }
});
