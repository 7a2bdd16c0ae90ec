// Vault requests per hour per replica spent on KV change detection for 50 watched keys.
// Computed from the configured watch.intervalMs (default 60 s), and measured: a manager polls
// the same 50 keys every 200 ms for a bounded time, the server counts the requests, and the
// rate is scaled to the 60 s interval. Target: measured within ±10% of computed, and exactly
// 1 request per watched key per poll. Change detection by event subscription (Vault's events
// websocket) does not exist yet: printed as "not implemented".
import { SecretsManager } from '../dist/index.js';
// Internal: the scheduler task name of the KV watch (not part of the public API).
import { KV_WATCH_TIMEOUT_NAME } from '../dist/core/rotation/kv-change.watcher.js';
import { OPTION_DEFAULTS } from '../dist/options/options.schema.js';
import { fmtInt, fmtRatio, header, now, report, run, silentLogger } from './support/common.mjs';
import { pad, secretData } from './support/data.mjs';
import { startVault } from './support/vault.mjs';

const KEYS = 50;
const FAST_INTERVAL_MS = 200;
const MAX_POLLS = 30;
const MAX_MS = 8000;
const TOLERANCE = 0.1;
const HOUR_MS = 3_600_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

run(async () => {
  const vault = await startVault();
  try {
    header(
      `watch-requests: Vault requests per hour for ${KEYS} watched keys (polling)`,
      vault,
      `up to ${MAX_POLLS} polls or ${MAX_MS / 1000} s, means`,
    );
    const keys = Array.from({ length: KEYS }, (_, i) => `w${pad(i, 2)}`);
    await vault.kvPutMany(
      'secret',
      keys.map((k, i) => [`app/${k}`, secretData(i)]),
      16,
    );
    const base = { address: vault.address, token: vault.rootToken, secretsPath: 'secret/app' };

    // Computed from the configuration a replica gets by default.
    const probe = new SecretsManager({ ...base, watch: { keys } }, { env: {}, logger: silentLogger });
    // The resolved config (protected `core` in TypeScript); the exported default when that moves.
    const intervalMs = probe.core?.config?.watch?.intervalMs ?? OPTION_DEFAULTS.watch.intervalMs;
    await probe.close();
    const computed = (KEYS * HOUR_MS) / intervalMs;
    // Each delay is intervalMs × (0.9 + 0.1 × random): 0.95 × intervalMs on average.
    const computedJitter = (KEYS * HOUR_MS) / (0.95 * intervalMs);

    // Measured: the same keys polled every FAST_INTERVAL_MS, counted on the server.
    const m = new SecretsManager(
      { ...base, watch: { enabled: true, intervalMs: FAST_INTERVAL_MS, keys } },
      { env: {}, logger: silentLogger },
    );
    // Observe the watcher's polls (start and end times); behaviour is unchanged.
    const polls = [];
    const watcher = m.core?.watcher;
    if (typeof watcher?.pollOnce !== 'function' || typeof m.core?.scheduler?.schedule !== 'function')
      throw new Error(
        'cannot observe polls: SecretsCore.watcher.pollOnce or .scheduler.schedule is gone (update bench/watch-requests.mjs)',
      );
    const pollOnce = watcher.pollOnce.bind(watcher);
    let onPollEnd = () => {};
    watcher.pollOnce = async () => {
      const poll = { start: now(), end: NaN };
      polls.push(poll);
      try {
        return await pollOnce();
      } finally {
        poll.end = now();
        onPollEnd();
      }
    };
    const pollEnd = () => new Promise((resolve) => (onPollEnd = resolve));
    // Observe the delays the watcher asks its scheduler for (also unchanged).
    const scheduled = [];
    const scheduler = m.core.scheduler;
    const schedule = scheduler.schedule.bind(scheduler);
    scheduler.schedule = (name, delayMs, task) => {
      if (name === KV_WATCH_TIMEOUT_NAME) scheduled.push({ at: now(), delayMs });
      return schedule(name, delayMs, task);
    };
    await m.start();
    await pollEnd(); // the first poll learns every key's version
    await pollEnd();
    // Count from the end of one poll to the end of the last one (the next poll is ≥ 180 ms away):
    // the server's count then holds whole polls only.
    await vault.clearRequests();
    const t0 = now();
    const firstPoll = polls.length;
    while (polls.length - firstPoll < MAX_POLLS && now() - t0 < MAX_MS) await pollEnd();
    const all = await vault.requests();
    const elapsed = now() - t0;
    const timed = polls.slice(firstPoll);
    await m.close();
    const closedAt = await vault.requestCount();
    await sleep(FAST_INTERVAL_MS * 2);
    const afterClose = (await vault.requestCount()) - closedAt;

    const metadata = all.filter((r) => r.method === 'GET' && r.path.startsWith('secret/metadata/app/w'));
    const perKey = new Map(keys.map((k) => [`secret/metadata/app/${k}`, 0]));
    for (const r of metadata) perKey.set(r.path, (perKey.get(r.path) ?? 0) + 1);
    const counts = [...perKey.values()];
    const minPerKey = Math.min(...counts);
    const maxPerKey = Math.max(...counts);
    const other = all.length - metadata.length;

    const measuredFast = (all.length / elapsed) * HOUR_MS; // at FAST_INTERVAL_MS
    // Scaling to the configured interval: a poll cycle is (delay + poll duration); the delay
    // scales with the interval, the poll duration does not. Both are measured.
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const duration = mean(timed.map((p) => p.end - p.start));
    const period = elapsed / timed.length; // from the end of a poll to the end of the last
    // Scheduled delays in the window (each asked for when the previous poll ended): their mean
    // over the interval is the jitter factor, which scales with the interval; what the timer
    // adds on top (lateness, from a busy event loop or machine) and the poll time do not.
    const delays = scheduled.filter((d) => d.at >= t0 - 1 && d.at < timed.at(-1).start).map((d) => d.delayMs);
    const delayFactor = mean(delays) / FAST_INTERVAL_MS;
    const lateness = Math.max(0, period - duration - mean(delays));
    const perPoll = all.length / timed.length;
    const measured = (perPoll * HOUR_MS) / (delayFactor * intervalMs + lateness + duration);
    const ratio = measured / computed;
    const onePerKey = minPerKey === timed.length && maxPerKey === timed.length && other === 0;

    report({
      id: 'watch-requests',
      figure: `requests/hour for ${KEYS} watched keys`,
      ours: {
        label: `measured at ${FAST_INTERVAL_MS} ms, scaled to ${intervalMs / 1000} s`,
        text: `${fmtInt(measured)} /h`,
        value: measured,
      },
      peers: [
        {
          label: `computed: ${KEYS} keys × 3600 s / ${intervalMs / 1000} s (watch.intervalMs)`,
          text: `${fmtInt(computed)} /h`,
          value: computed,
        },
        { label: 'computed with the jitter (mean delay 0.95 × interval)', text: `${fmtInt(computedJitter)} /h` },
        { label: 'event subscription (Vault events websocket)', text: 'not implemented' },
      ],
      ratios: [{ label: 'measured / computed', text: fmtRatio(ratio), value: ratio }],
      targets: [
        { text: `measured within ±${TOLERANCE * 100}% of computed`, pass: Math.abs(ratio - 1) <= TOLERANCE },
        { text: '1 request per watched key per poll, nothing else', pass: onePerKey },
      ],
      summary: {
        ours: `${fmtInt(measured)} /h`,
        peer: `computed ${fmtInt(computed)} /h`,
        ratio: fmtRatio(ratio),
        target: `±${TOLERANCE * 100}% · 1/key/poll`,
      },
      notes: [
        `measured: ${fmtInt(all.length)} requests in ${timed.length} whole polls, ${(elapsed / 1000).toFixed(1)} s = ` +
          `${fmtInt(measuredFast)} /h at ${FAST_INTERVAL_MS} ms; ${perPoll.toFixed(1)} requests per poll, one poll every ${period.toFixed(0)} ms = ` +
          `delay ${mean(delays).toFixed(0)} ms (${delayFactor.toFixed(3)} × interval) + timer lateness ${lateness.toFixed(1)} ms + poll ${duration.toFixed(1)} ms`,
        `scaled: ${perPoll.toFixed(1)} × 3600 s / (${delayFactor.toFixed(3)} × ${intervalMs / 1000} s + ${(lateness + duration).toFixed(1)} ms); ` +
          'at the default interval the jitter (mean 0.95), not the poll time, sets the rate',
        `per key: ${minPerKey}–${maxPerKey} GET secret/metadata/app/<key> each; other requests: ${other}; after close(): ${afterClose}`,
        `default watch.intervalMs = ${OPTION_DEFAULTS.watch.intervalMs} ms; the next delay starts when a poll ends`,
        'event subscription: not implemented',
      ],
    });
  } finally {
    await vault.stop();
  }
});
