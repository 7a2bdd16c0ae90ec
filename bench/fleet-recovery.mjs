// A fleet after an outage: 200 SecretsManager instances in this process, each logged in with
// AppRole and reading 3 keys, against one VaultTestServer (a child process, real-time clock). Vault
// goes away for 30 s: every connection is dropped (like a Vault that stopped; BENCH_FLEET_OUTAGE=sealed
// seals it instead), then it returns. From the server's request log: the peak logins/s and
// requests/s reaching Vault during recovery and the spread of the logins (first to last); from the
// instances: the time until all 200 are `ready` again.
// Targets (issue 17): logins spread over ≥ 10 s; all ready ≤ 35 s after Vault returns.
//
// The AppRole tokens live 20 s (renewable): renewals are held while degraded, so every token dies
// during the outage and each instance must log in again at recovery (the worst case for a login
// storm). Each instance reads one of its keys every second (cache TTL 2 s, so reads reach the
// supervisor's gate and nudge early probes); BENCH_FLEET_READS=0 leaves the instances idle after
// the warm-up. Real time (a bench, not a test); about 1.5 minutes.
import { VaultAdmin } from '@nestjs-vault-secrets/vault-test-server';
import { SecretsManager } from '../dist/manager.js';
import { fmtInt, header, report, run, silentLogger } from './support/common.mjs';
import { startVault } from './support/vault.mjs';

const INSTANCES = Number(process.env.BENCH_FLEET_INSTANCES ?? 200);
const KEYS = ['db', 'stripe', 'kafka'];
const OUTAGE_MS = 30_000;
const READ_EVERY_MS = 1000;
const WAIT_AFTER_RETURN_MS = 60_000;
const TOKEN_TTL_S = 20;
const MODE = process.env.BENCH_FLEET_OUTAGE === 'sealed' ? 'sealed' : 'dropped';
/** BENCH_FLEET_READS=0: after the warm-up the instances read nothing (idle replicas). */
const READING = process.env.BENCH_FLEET_READS !== '0';
const TARGET_SPREAD_MS = 10_000;
const TARGET_READY_MS = 35_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Peak count in any 1 s window (sliding, by request) among `times` (ms). */
function peakPerSecond(times) {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (sorted[i] - sorted[j] >= 1000) j += 1;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

run(async () => {
  const vault = await startVault({ clockMode: 'realtime' });
  const managers = [];
  let reading = true;
  try {
    header(
      `fleet-recovery: ${INSTANCES} SecretsManager instances (AppRole, ${READING ? 'each reading 1 key/s' : 'idle'}) through a ${OUTAGE_MS / 1000} s outage (${MODE})`,
      vault,
      'one run, real time',
    );
    const admin = new VaultAdmin(vault.address, vault.rootToken);
    await admin.writePolicy('app-read', 'path "secret/data/app/*" { capabilities = ["read"] }');
    await admin.enableAuthMethod('approle', 'approle');
    await admin.writeAppRole('approle', 'app', { token_policies: ['app-read'], token_ttl: TOKEN_TTL_S, token_max_ttl: 3600 });
    const roleId = await admin.readRoleId('approle', 'app');
    const secretId = await admin.generateSecretId('approle', 'app');
    await vault.kvPutMany(
      'secret',
      KEYS.map((k) => [`app/${k}`, { value: `${k}-v1` }]),
    );

    for (let i = 0; i < INSTANCES; i += 1) {
      managers.push(
        new SecretsManager(
          {
            address: vault.address,
            auth: { method: 'approle', roleId, secretId },
            secretsPath: 'secret/app',
            cache: { ttlMs: 2000 },
            watch: { enabled: false },
          },
          { env: {}, logger: silentLogger },
        ),
      );
    }
    // Boot a few at a time, as replicas would.
    for (let i = 0; i < managers.length; i += 20) await Promise.all(managers.slice(i, i + 20).map((m) => m.start()));
    // Every instance reads each key once from Vault (its last good value), retried on a busy machine.
    let warmRetries = 0;
    await Promise.all(
      managers.map(async (m) => {
        for (const key of KEYS) {
          for (let tries = 0; ; tries += 1) {
            try {
              await m.fetchSecret(key);
              break;
            } catch (error) {
              warmRetries += 1;
              if (tries >= 20) throw error;
              await sleep(500);
            }
          }
        }
      }),
    );
    // Then it reads its keys, one read per second each, spread over the second.
    let failedReads = 0;
    const failures = new Map();
    const phase = { downAt: Infinity, returnedAt: Infinity };
    let reads = 0;
    const readers = managers.map(async (m, i) => {
      await sleep((i * READ_EVERY_MS) / managers.length);
      for (let n = 0; reading && READING; n += 1) {
        reads += 1;
        await m.fetchSecret(KEYS[n % KEYS.length]).catch((error) => {
          failedReads += 1;
          const code = `${error?.code ?? error?.name}${error?.kind ? `/${error.kind}` : ''}${Date.now() < phase.downAt ? ' before the outage' : Date.now() < phase.returnedAt ? ' during' : ' after'}`;
          failures.set(code, (failures.get(code) ?? 0) + 1);
        });
        await sleep(READ_EVERY_MS);
      }
    });
    await sleep(5000);
    const readyBefore = managers.filter((m) => m.status().state === 'ready').length;

    const downAt = Date.now();
    phase.downAt = downAt;
    if (MODE === 'sealed') await vault.setSealed(true);
    else await vault.setDrop(true);
    await sleep(OUTAGE_MS);
    const degradedAtReturn = managers.filter((m) => m.status().state === 'degraded').length;
    const returnedAt = Date.now();
    phase.returnedAt = returnedAt;
    if (MODE === 'sealed') await vault.setSealed(false);
    else await vault.setDrop(false);

    const readyAt = new Array(managers.length).fill(undefined);
    while (Date.now() - returnedAt < WAIT_AFTER_RETURN_MS) {
      const now = Date.now();
      managers.forEach((m, i) => {
        if (readyAt[i] === undefined && m.status().state === 'ready') readyAt[i] = now;
      });
      if (readyAt.every((t) => t !== undefined)) break;
      await sleep(50);
    }
    reading = false;
    await Promise.all(readers);
    const allReadyMs = readyAt.every((t) => t !== undefined) ? Math.max(...readyAt) - returnedAt : Infinity;
    const stillDown = readyAt.filter((t) => t === undefined).length;
    const sortedReady = readyAt
      .filter((t) => t !== undefined)
      .map((t) => t - returnedAt)
      .sort((a, b) => a - b);
    const pct = (p) => sortedReady[Math.min(sortedReady.length - 1, Math.floor(p * sortedReady.length))] ?? NaN;

    const log = await vault.requests();
    const windowEnd = returnedAt + (Number.isFinite(allReadyMs) ? allReadyMs : WAIT_AFTER_RETURN_MS) + 1000;
    const recovery = log.filter((r) => r.at >= returnedAt && r.at <= windowEnd);
    const logins = recovery.filter((r) => r.path === 'auth/approle/login' && r.status === 200).map((r) => r.at);
    const refused = recovery.filter((r) => r.path === 'auth/approle/login' && r.status !== 200).length;
    const during = log.filter((r) => r.at >= downAt && r.at < returnedAt);
    const spread = logins.length ? Math.max(...logins) - Math.min(...logins) : 0;
    const peakLogins = peakPerSecond(logins);
    const peakRequests = peakPerSecond(recovery.map((r) => r.at));
    const byPath = new Map();
    for (const r of recovery)
      byPath.set(
        r.path.replace(/^secret\/data\/app\/.*/, 'secret/data/app/*'),
        (byPath.get(r.path.replace(/^secret\/data\/app\/.*/, 'secret/data/app/*')) ?? 0) + 1,
      );
    const firstLogin = logins.length ? Math.min(...logins) - returnedAt : NaN;

    report({
      id: 'fleet-recovery',
      figure: `${INSTANCES} instances, ${OUTAGE_MS / 1000} s outage`,
      ours: {
        label: `all ${INSTANCES} ready after Vault returned`,
        text: Number.isFinite(allReadyMs) ? `${(allReadyMs / 1000).toFixed(1)} s` : `${stillDown} never`,
      },
      peers: [
        { label: 'logins at recovery: spread first to last', text: `${(spread / 1000).toFixed(1)} s` },
        { label: 'peak logins/s reaching Vault during recovery', text: `${fmtInt(peakLogins)} /s` },
        { label: 'peak requests/s reaching Vault during recovery', text: `${fmtInt(peakRequests)} /s` },
      ],
      targets: [
        { text: `logins spread over ≥ ${TARGET_SPREAD_MS / 1000} s`, pass: spread >= TARGET_SPREAD_MS },
        { text: `all ready ≤ ${TARGET_READY_MS / 1000} s after Vault returned`, pass: allReadyMs <= TARGET_READY_MS },
      ],
      summary: {
        ours: Number.isFinite(allReadyMs) ? `all ready ${(allReadyMs / 1000).toFixed(1)} s` : `${stillDown} not ready`,
        peer: `logins ${logins.length} over ${(spread / 1000).toFixed(1)} s, peak ${peakLogins}/s`,
        ratio: `peak ${peakRequests} req/s`,
        target: 'spread ≥ 10 s · ready ≤ 35 s',
      },
      notes: [
        `outage: every connection ${MODE === 'sealed' ? 'answered 503 sealed' : 'dropped'} for ${OUTAGE_MS / 1000} s; ${degradedAtReturn}/${INSTANCES} instances degraded when Vault returned (${readyBefore}/${INSTANCES} ready before; ${warmRetries} warm-up reads retried)`,
        `ready after return: first ${(pct(0) / 1000).toFixed(1)} s, median ${(pct(0.5) / 1000).toFixed(1)} s, p90 ${(pct(0.9) / 1000).toFixed(1)} s, last ${(pct(1) / 1000).toFixed(1)} s`,
        `logins at recovery: ${logins.length} accepted, ${refused} refused, first ${(firstLogin / 1000).toFixed(1)} s after return; requests during the outage: ${during.length}`,
        `requests in the recovery window (${((windowEnd - returnedAt) / 1000).toFixed(1)} s): ${[...byPath].map(([p, n]) => `${p} ${n}`).join(', ')}`,
        `reads by the app: ${fmtInt(reads)}, failed: ${failedReads}${failures.size ? ` (${[...failures].map(([c, n]) => `${c} ${n}`).join(', ')})` : ''}`,
      ],
    });
  } finally {
    reading = false;
    await Promise.all(managers.map((m) => m.close().catch(() => undefined)));
    await vault.stop();
  }
});
