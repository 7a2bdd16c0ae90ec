// Heap held by 10,000 cached secrets of 5 fields each (cache: { maxEntries: 10000 }), against the
// same data in a plain Map (the floor). Measured with global.gc() and
// process.memoryUsage().heapUsed before and after; Vault runs in its own process, so this heap
// holds only the client. Target: ≤ 15 MB.
//
// Needs --expose-gc; started without it, the script starts itself again with it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (typeof globalThis.gc !== 'function') {
  const { status, signal } = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(status ?? (signal ? 1 : 0));
}

const { SecretsManager } = await import('../dist/index.js');
const { SecretCache } = await import('../dist/core/read/secret-cache.js');
const { ROUNDS, fmtInt, fmtMB, fmtMs, fmtRatio, header, median, now, pool, report, run, silentLogger } =
  await import('./support/common.mjs');
const { pad, secretData } = await import('./support/data.mjs');
const { startVault } = await import('./support/vault.mjs');

const N = 10_000;
const TARGET_BYTES = 15 * 1024 * 1024;
const HEAP_ROUNDS = Math.min(ROUNDS, 3);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * heapUsed once the heap is quiet: full collections with short pauses between them (finalizers,
 * e.g. the ones that clear AbortSignal.timeout timers, run as separate tasks and free more on
 * the next collection), until two readings in a row agree within 8 KB.
 */
async function settledHeap() {
  await sleep(50);
  let last = Infinity;
  let stable = 0;
  for (let i = 0; i < 20 && stable < 2; i++) {
    globalThis.gc();
    await sleep(5);
    const used = process.memoryUsage().heapUsed;
    stable = Math.abs(last - used) < 8 * 1024 ? stable + 1 : 0;
    last = used;
  }
  return last;
}

run(async () => {
  const vault = await startVault();
  try {
    header(`heap: ${fmtInt(N)} cached secrets of 5 fields vs a plain Map`, vault, `${HEAP_ROUNDS} rounds, medians`);
    const keys = Array.from({ length: N }, (_, i) => `s${pad(i, 5)}`);
    let entries = keys.map((k, i) => [`app/${k}`, secretData(i)]);
    const tSeed = now();
    await vault.kvPutMany('secret', entries, 64);
    const seedMs = now() - tSeed;
    // The floor parses the very same JSON, so its strings are as fresh as the ones from Vault.
    const texts = entries.map(([, data]) => JSON.stringify(data));
    entries = null;

    const config = {
      address: vault.address,
      token: vault.rootToken,
      secretsPath: 'secret/app',
      watch: { enabled: false },
      cache: { maxEntries: N },
    };
    const fill = (m, count = N) => pool(count, 32, (i) => m.fetchSecret(keys[i]));

    // Warm-up: code, inline caches and lazily built module state exist before the first measurement.
    const tWarm = now();
    {
      const m = new SecretsManager(config, { env: {}, logger: silentLogger });
      await m.start();
      await fill(m, 2000);
      await m.close();
      let map = new Map();
      for (let i = 0; i < 2000; i++) map.set(keys[i], JSON.parse(texts[i]));
      map = null;
    }
    const warmMs = now() - tWarm;
    const fillMs = [];

    const floor = [];
    const fills = [];
    // Each measurement runs in its own function: a suspended async frame can keep stale
    // temporaries (e.g. the Map that map.set returned) alive, which would skew the next "before".
    const measureFloor = async () => {
      const before = await settledHeap();
      const map = new Map();
      for (let i = 0; i < N; i++) map.set(keys[i], JSON.parse(texts[i]));
      const after = await settledHeap();
      if (map.size !== N) throw new Error('map size');
      return after - before;
    };
    const measureOurs = async () => {
      const m = new SecretsManager(config, { env: {}, logger: silentLogger });
      await m.start();
      await m.fetchSecret(keys[0]);
      const before = await settledHeap();
      const tFill = now();
      await fill(m);
      fillMs.push(now() - tFill);
      const after = await settledHeap();
      const cached = m.toJSON().cache?.entries;
      if (cached !== N) throw new Error(`expected ${N} cached entries, the cache reports ${cached}`);
      await m.close();
      return after - before;
    };
    // What the cache allocates up front for maxEntries (lru-cache sizes its arrays at construction).
    const measurePrealloc = async () => {
      const before = await settledHeap();
      const cache = new SecretCache({ ttlMs: 300_000, maxEntries: N });
      const after = await settledHeap();
      if (cache.size !== 0) throw new Error('cache size');
      return after - before;
    };
    const prealloc = [];
    for (let r = 0; r < HEAP_ROUNDS; r++) {
      floor.push(await measureFloor());
      fills.push(await measureOurs());
      prealloc.push(await measurePrealloc());
    }

    const fill1 = median(fills);
    const pre = median(prealloc);
    const ours = fill1 + pre;
    const f = median(floor);
    report({
      id: 'heap',
      figure: `heap of ${fmtInt(N)} cached secrets`,
      ours: { label: `${fmtInt(N)} cached secrets (fill + cache preallocation)`, text: fmtMB(ours), value: ours },
      floor: { label: `Map of the same ${fmtInt(N)} parsed values`, text: fmtMB(f), value: f },
      ratios: [
        { label: 'ours / Map', text: fmtRatio(ours / f), value: ours / f },
        { label: 'bytes per secret: ours / Map', text: `${fmtInt(ours / N)} / ${fmtInt(f / N)}` },
      ],
      target: { text: '≤ 15 MB', pass: ours <= TARGET_BYTES },
      summary: { ours: fmtMB(ours), peer: `Map ${fmtMB(f)}`, ratio: fmtRatio(ours / f), target: '≤ 15 MB' },
      notes: [
        `filling a started manager's cache with ${fmtInt(N)} reads added ${fmtMB(fill1)} (rounds ${fills.map((b) => (b / 1048576).toFixed(2)).join('/')} MB); ` +
          `SecretCache (lru-cache) preallocates ${fmtMB(pre)} for maxEntries ${fmtInt(N)}; Map rounds ${floor.map((b) => (b / 1048576).toFixed(2)).join('/')} MB`,
        'a cached entry holds the frozen data plus its KV metadata (version, created_time, custom_metadata) and the key "<key>@latest"',
        `timing: seeding ${fmtInt(N)} keys ${fmtMs(seedMs)}, warm-up ${fmtMs(warmMs)}, one fill (${fmtInt(N)} reads, 32 at once) ${fmtMs(median(fillMs))}`,
      ],
    });
  } finally {
    await vault.stop();
  }
});
