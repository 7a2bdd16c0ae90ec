/**
 * Chaos test: a read load against the module while the Vault test server misbehaves.
 *
 * A seeded PRNG (the seed is printed; rerun with `CHAOS_SEED=<n>`) plans the fault episodes:
 * random 5xx on random paths, latency above and below `requestTimeoutMs`, dropped connections,
 * seal/unseal, and a full restart on the same port (re-seeded: a real Vault keeps its data).
 * Meanwhile 8 loops read random keys, half of them with `refresh: true` (the cache TTL is 50 ms,
 * so reads really go to Vault), for CHAOS_MS. Then the faults stop and the loops keep reading
 * through a recovery window.
 *
 * Asserted: 0 failed reads of keys read before (the module serves the last good value while
 * Vault is unavailable) and only values that were written; no unhandled rejection; recovery (a
 * `refresh: true` read sees a value written after the faults stopped, and `status()` is `up`
 * and not degraded once every degraded key was refreshed); no marker (values, token) in the
 * captured logs, the errors seen, the events or the inspected module objects.
 *
 * The summary line (`[chaos] {...}`) shows per episode `kind/intensity:requests that reached the
 * server/of them faulted/reads served from a fallback`.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import type { INestApplicationContext } from '@nestjs/common';
import { afterAll, describe, expect, it } from 'vitest';
import { BREAKER_HALF_OPEN_AFTER_MS } from '../../lib/transport/resilience-policy.js';
import { SecretsEvents, SecretsModule, SecretsService, VaultUnavailableError } from '../../lib/index.js';
import { VaultTestServer, type FaultRule } from '@nestjs-vault-secrets/vault-test-server';
import { bootApp } from '../support/boot-app.js';
import { flush, sleep, until } from '../support/async.js';
import { steadyLoad } from '../support/steady-load.js';

// ---------------------------------------------------------------------------------------------
// Parameters (milliseconds)
// ---------------------------------------------------------------------------------------------

const REQUEST_TIMEOUT_MS = 300;
const CACHE_TTL_MS = 50;
/** How long faults are injected under load. */
const CHAOS_MS = 7_000;
/**
 * Hard cap of the recovery window after the faults stop. The module's circuit breaker may be open
 * when they stop (or be re-opened by late failures of calls sent during the outage); it lets one
 * call through only after BREAKER_HALF_OPEN_AFTER_MS (5000 ms, not configurable).
 */
const RECOVERY_MS = BREAKER_HALF_OPEN_AFTER_MS + 2_000;
/** Reading goes on for this many reads (all loops together) after recovery was seen. */
const AFTER_RECOVERY_READS = 300;
const LOOPS = 8;
const KEY_COUNT = 20;
const MOUNT = 'secret';
const FOLDER = 'chaos';

const SEED = process.env.CHAOS_SEED !== undefined ? Number(process.env.CHAOS_SEED) >>> 0 : randomBytes(4).readUInt32LE(0);

/** Every value marker starts with this; the captured output must not contain it at all. */
const VALUE_MARKER_PREFIX = 'CHAOS-MARKER';
const TOKEN_TAIL = randomBytes(18).toString('base64url').replace(/[-_]/g, 'x');
/** The root token is itself a marker (Vault token shape, so the module's redaction rules apply to it). */
const TOKEN = `hvs.CHAOSTOKENMARKER${TOKEN_TAIL}`;

const KEYS = Array.from({ length: KEY_COUNT }, (_, i) => `group-${i % 4}/key-${String(i).padStart(2, '0')}`);
const RECOVERY_KEY = KEYS[0]!;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/**
 * The soak's one wall-clock wait (besides the read loops' pacing, `steadyLoad`): how long a fault
 * episode, its calm gap or a restart's downtime lasts, and the pause between two tries of a
 * restart on a busy port or of a last refresh. Justified: the test soaks a module whose own timers
 * are real (the circuit breaker's 5 s half-open delay is not configurable, the supervisor's backoff,
 * the request timeout) under 8 read loops over real HTTP; an episode is a span of that wall time.
 * Everything else waits on an outcome (a read that saw the new value, a number of reads done).
 */
const wallTime = (ms: number): Promise<void> => sleep(ms);

/** mulberry32: a small seeded PRNG in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const between = (rng: () => number, min: number, max: number): number => Math.floor(min + rng() * (max - min + 1));
const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

/** JSON with sorted object keys, for comparing values whatever the key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function secretValue(key: string, generation: string): Record<string, unknown> {
  const marker = `${VALUE_MARKER_PREFIX}-${key.replace(/\W/g, '_')}-${generation}-${randomBytes(6).toString('hex')}`;
  return { password: marker, url: `postgres://app:${marker}@db:5432/app`, nested: { apiKey: marker, rotation: generation } };
}

// ---------------------------------------------------------------------------------------------
// The fault plan (fully determined by the seed)
// ---------------------------------------------------------------------------------------------

type EpisodeKind = '5xx' | 'latency-above-timeout' | 'latency-below-timeout' | 'drop' | 'seal' | 'restart';

interface Episode {
  kind: EpisodeKind;
  /**
   * `blip`: every rule applies to a few requests only (`times`), the kind of fault a retry or one
   * stale read absorbs; `sustained`: the rules stay for the whole episode.
   */
  intensity: 'blip' | 'sustained';
  /** How long the episode's faults stay (restart: the downtime). */
  durationMs: number;
  /** Calm after the episode. */
  gapMs: number;
  /** Fault rules added for the episode (5xx, latency, drop), plus one-shot 5xx "sprinkles". */
  rules: FaultRule[];
}

const STATUSES = [500, 502, 503, 504] as const;

/** A random target: one key, one group of keys, every KV read, or everything under the mount. */
function randomPath(rng: () => number): string | RegExp {
  const r = rng();
  if (r < 0.4) return `${MOUNT}/data/${FOLDER}/${pick(rng, KEYS)}`;
  if (r < 0.75) return new RegExp(`^${MOUNT}/data/${FOLDER}/group-${between(rng, 0, 3)}/`);
  if (r < 0.9) return new RegExp(`^${MOUNT}/data/`);
  return new RegExp(`^${MOUNT}/`);
}

function rulesFor(kind: EpisodeKind, intensity: Episode['intensity'], rng: () => number): FaultRule[] {
  const rules: FaultRule[] = [];
  const count = kind === 'seal' || kind === 'restart' ? 0 : between(rng, 1, 3);
  for (let i = 0; i < count; i += 1) {
    const base: FaultRule = { path: randomPath(rng), ...(intensity === 'blip' ? { times: between(rng, 1, 6) } : {}) };
    if (kind === '5xx') {
      // Sometimes the backend echoes the token in its error (the module must redact it).
      const body = rng() < 0.3 ? { errors: [`upstream failed for X-Vault-Token: ${TOKEN} (${TOKEN})`] } : undefined;
      rules.push({ ...base, status: pick(rng, STATUSES), ...(body ? { body } : {}) });
    } else if (kind === 'latency-above-timeout') {
      rules.push({ ...base, latencyMs: between(rng, REQUEST_TIMEOUT_MS + 50, 1_500) });
    } else if (kind === 'latency-below-timeout') {
      rules.push({ ...base, latencyMs: between(rng, 10, REQUEST_TIMEOUT_MS - 120) });
    } else if (kind === 'drop') {
      rules.push({ ...base, drop: true, ...(rng() < 0.4 ? { latencyMs: between(rng, 1, 150) } : {}) });
    }
  }
  // One-shot 5xx on top of any episode: the kind of blip a retry absorbs.
  if (rng() < 0.4) rules.push({ path: randomPath(rng), status: pick(rng, STATUSES), times: between(rng, 1, 3) });
  return rules;
}

function shuffled<T>(rng: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The module's circuit breaker opens after 5 consecutive failed calls and then keeps every read
 * off Vault for 5000 ms, hiding the faults that follow. So the plan first runs every kind as a
 * blip (mostly absorbed by retries, exercising the request-level paths), then sustained outages,
 * the restart first, then random extras until CHAOS_MS. Worst case of the mandatory part:
 * 5 × (450 + 150) + 4 × (650 + 200) = 6400 ms < CHAOS_MS, so every mandatory episode runs.
 */
function planChaos(rng: () => number): Episode[] {
  const plan: Episode[] = [];
  const add = (kind: EpisodeKind, intensity: Episode['intensity']): number => {
    const durationMs = intensity === 'blip' ? between(rng, 200, 450) : between(rng, 250, 650);
    const gapMs = intensity === 'blip' ? between(rng, 30, 150) : between(rng, 30, 200);
    plan.push({ kind, intensity, durationMs, gapMs, rules: rulesFor(kind, intensity, rng) });
    return durationMs + gapMs;
  };
  let planned = 0;
  for (const kind of shuffled(rng, ['5xx', 'latency-above-timeout', 'latency-below-timeout', 'drop', 'seal'] as const)) {
    planned += add(kind, 'blip');
  }
  // The restart first: with the breaker still closed the module meets it (resets, refused connections).
  for (const kind of ['restart', ...shuffled(rng, ['5xx', 'latency-above-timeout', 'drop'] as const)] as const) {
    planned += add(kind, 'sustained');
  }
  const extras: EpisodeKind[] = ['5xx', 'latency-above-timeout', 'latency-below-timeout', 'drop', 'seal'];
  while (planned < CHAOS_MS) planned += add(pick(rng, extras), rng() < 0.5 ? 'blip' : 'sustained');
  return plan;
}

function describeRule(rule: FaultRule): string {
  const path = rule.path instanceof RegExp ? rule.path.source : rule.path;
  const what = [
    rule.status !== undefined ? `${rule.status}${rule.body ? '+echo' : ''}` : '',
    rule.latencyMs !== undefined ? `${rule.latencyMs}ms` : '',
    rule.drop ? 'drop' : '',
    rule.times !== undefined ? `x${rule.times}` : '',
  ].filter(Boolean);
  return `${what.join(' ')} @${path}`;
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

let server: VaultTestServer | undefined;
let app: INestApplicationContext | undefined;
afterAll(async () => {
  await app?.close().catch(() => undefined);
  await server?.stop();
});

describe('chaos', () => {
  it(
    'serves every key read before through 5xx, latency, drops, seal and a restart; recovers; leaks nothing',
    { timeout: 60_000 },
    async () => {
      const startedAt = Date.now();
      const chaosRng = prng(SEED);
      const loadRng = prng(SEED ^ 0x9e3779b9);
      const plan = planChaos(chaosRng);
      console.log(`[chaos] seed=${SEED} (rerun with CHAOS_SEED=${SEED})`);
      console.log(
        `[chaos] plan: ${plan.map((e) => `${e.kind}/${e.intensity}(${e.durationMs}ms${e.rules.length ? `: ${e.rules.map(describeRule).join(', ')}` : ''})`).join(' | ')}`,
      );

      // -- Vault with marker values, on a port picked once ------------------------------------
      server = await VaultTestServer.start({ rootToken: TOKEN });
      const port = Number(new URL(server.address).port);
      /** The latest value written per key: what a restart re-seeds (a real Vault keeps its data). */
      const latest = new Map<string, Record<string, unknown>>();
      /** Every value ever written per key: a read must return one of them. */
      const accepted = new Map<string, Set<string>>();
      const write = async (key: string, value: Record<string, unknown>): Promise<void> => {
        latest.set(key, value);
        const set = accepted.get(key) ?? new Set<string>();
        set.add(canonical(value));
        accepted.set(key, set);
        await server!.admin.kvPut(MOUNT, `${FOLDER}/${key}`, value);
      };
      for (const key of KEYS) await write(key, secretValue(key, 'v1'));

      // -- Server-side statistics, harvested before each stop ------------------------------------
      const serverStats = { requests: 0, faulted5xx: 0, dropped: 0, ok: 0 };
      const harvest = (s: VaultTestServer): void => {
        for (const entry of s.requests) {
          serverStats.requests += 1;
          if (entry.status === 0) serverStats.dropped += 1;
          else if (entry.status >= 500) serverStats.faulted5xx += 1;
          else if (entry.status < 400) serverStats.ok += 1;
        }
        s.clearRequests();
      };

      // -- Unhandled rejections ------------------------------------------------------------------
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);

      /** Every error the test saw, and event payloads: inspected for markers at the end. */
      const seenErrors: unknown[] = [];
      const inspectedEvents: string[] = [];
      const eventCounts: Record<string, number> = {};
      const failures: Array<{ key: string; refresh: boolean; phase: string; name: string; code: string; message: string; atMs: number }> =
        [];
      const wrongValues: Array<{ key: string; phase: string }> = [];
      const probeErrors: Record<string, number> = {};
      const faultsInjected: Record<string, number> = { rules: 0, seals: 0, restarts: 0 };
      const episodesRun: string[] = [];
      /** Per episode: requests that reached the server / of them answered with a fault / reads served from a fallback. */
      const episodeHits: string[] = [];
      let probes = 0;
      /** Ends the read loops (also when the test fails half-way). */
      let stopLoad = false;
      let phase: 'warm-up' | 'chaos' | 'recovery' | 'final' = 'warm-up';
      let reads = 0;
      /** Set in the recovery phase: the value whose first `refresh: true` read marks recovery. */
      let freshWatch: { key: string; value: string; seen: () => void } | undefined;
      const readsByPhase: Record<string, number> = {};

      try {
        // -- The app ----------------------------------------------------------------------------
        const booted = await bootApp([
          EventEmitterModule.forRoot(),
          SecretsModule.forRoot({
            address: server.address,
            token: TOKEN,
            secretsPath: `${MOUNT}/${FOLDER}`,
            requestTimeoutMs: REQUEST_TIMEOUT_MS,
            cache: { ttlMs: CACHE_TTL_MS },
            watch: { enabled: false },
          }),
        ]);
        app = booted.app;
        const logs = booted.logs;
        const secrets = app.get(SecretsService);
        const emitter = app.get(EventEmitter2);
        emitter.onAny((name: string | string[], payload: unknown) => {
          const event = String(name);
          eventCounts[event] = (eventCounts[event] ?? 0) + 1;
          // A sample of every event kind (fallback events come by the thousand).
          if ((eventCounts[event] ?? 0) <= 200) inspectedEvents.push(`${event} ${inspect(payload, { depth: 10, showHidden: true })}`);
        });

        const read = async (key: string, refresh: boolean): Promise<Record<string, unknown> | undefined> => {
          reads += 1;
          readsByPhase[phase] = (readsByPhase[phase] ?? 0) + 1;
          try {
            const value = await secrets.fetchSecret<Record<string, unknown>>(key, { refresh });
            if (!accepted.get(key)?.has(canonical(value))) wrongValues.push({ key, phase });
            if (refresh && freshWatch?.key === key && freshWatch.value === canonical(value)) freshWatch.seen();
            return value;
          } catch (error) {
            seenErrors.push(error);
            const e = error as { name?: string; code?: string; message?: string };
            failures.push({
              key,
              refresh,
              phase,
              name: String(e.name),
              code: String(e.code),
              message: String(e.message),
              atMs: Date.now() - startedAt,
            });
            return undefined;
          }
        };

        // -- Warm-up: every key read once (the "keys read before") --------------------------------
        for (const key of KEYS) await read(key, false);
        expect(failures, 'warm-up reads').toEqual([]);
        expect(wrongValues, 'warm-up values').toEqual([]);
        expect(secrets.status()).toMatchObject({ vault: 'up', degraded: false });

        // -- Load ---------------------------------------------------------------------------------
        // Yield to timers (the chaos driver) and I/O between reads: fallback reads resolve without I/O.
        const loop = (): Promise<void> =>
          steadyLoad(
            () => read(pick(loadRng, KEYS), loadRng() < 0.5).then(() => undefined),
            () => between(loadRng, 1, 3),
            () => !stopLoad,
          );
        /** describeSecret is never served from a fallback: its errors are the Vault errors the module builds. */
        const probe = (): Promise<void> =>
          steadyLoad(
            async () => {
              try {
                probes += 1;
                await secrets.describeSecret(pick(loadRng, KEYS));
              } catch (error) {
                seenErrors.push(error);
                const e = error as { name?: string; message?: string };
                const gist = /circuit open/.test(String(e.message)) ? 'circuit-open' : String(e.name);
                probeErrors[gist] = (probeErrors[gist] ?? 0) + 1;
                if (!(error instanceof VaultUnavailableError)) probeErrors[`untyped:${String(e.name)}`] = 1;
              }
            },
            50,
            () => !stopLoad,
          );

        // -- Chaos driver ---------------------------------------------------------------------------
        const restart = async (downtimeMs: number, rules: FaultRule[]): Promise<void> => {
          const old = server!;
          harvest(old);
          await old.stop();
          await wallTime(downtimeMs);
          for (let attempt = 0; ; attempt += 1) {
            try {
              server = await VaultTestServer.start({ port, rootToken: TOKEN });
              break;
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 40) throw error;
              await wallTime(50);
            }
          }
          // A restarted Vault has its data but answers reads "sealed" until it is ready: the empty
          // test server is re-seeded behind a 503 "Vault is sealed" on reads (added before any
          // request can be handled: start() resolves before the next I/O turn).
          const ready = server.faults.add({
            method: 'GET',
            path: new RegExp(`^${MOUNT}/`),
            status: 503,
            body: { errors: ['Vault is sealed'] },
          });
          for (const [key, value] of latest) await server.admin.kvPut(MOUNT, `${FOLDER}/${key}`, value);
          ready();
          for (const rule of rules) server.faults.add(rule);
        };

        const chaos = async (deadline: number): Promise<void> => {
          for (const episode of plan) {
            if (Date.now() >= deadline) break;
            const s = server!;
            const before = s.requests.length;
            const fallbackBefore = eventCounts[SecretsEvents.FallbackUsed] ?? 0;
            episodesRun.push(episode.kind);
            faultsInjected.rules! += episode.rules.length;
            if (episode.kind === 'restart') {
              faultsInjected.restarts! += 1;
              await restart(episode.durationMs, episode.rules);
            } else {
              const removers = episode.rules.map((rule) => s.faults.add(rule));
              if (episode.kind === 'seal') {
                s.seal();
                faultsInjected.seals! += 1;
              }
              await wallTime(Math.max(0, Math.min(episode.durationMs, deadline - Date.now())));
              if (episode.kind === 'seal') s.unseal();
              for (const remove of removers) remove();
            }
            // Requests that reached the server during the episode (after a restart: the new server's reads).
            const during = episode.kind === 'restart' ? server!.requests.filter((e) => e.method !== 'POST') : s.requests.slice(before);
            const faulted = during.filter((e) => e.status === 0 || e.status >= 500).length;
            episodeHits.push(
              `${episode.kind}/${episode.intensity}:${during.length}/${faulted}/${(eventCounts[SecretsEvents.FallbackUsed] ?? 0) - fallbackBefore}`,
            );
            await wallTime(Math.max(0, Math.min(episode.gapMs, deadline - Date.now())));
          }
        };

        phase = 'chaos';
        const chaosStart = Date.now();
        const loops = [...Array.from({ length: LOOPS }, () => loop()), probe()];
        await chaos(chaosStart + CHAOS_MS);
        const chaosMs = Date.now() - chaosStart;

        // -- Faults stop: recovery window -------------------------------------------------------------
        phase = 'recovery';
        server.faults.clear();
        if (server.sealed) server.unseal();
        const recoveryStart = Date.now();
        // The module comes back within one supervisor backoff step (issue 10): the window it is in when the
        // faults stop (up to 8-16 s after 7 s of faults) plus the breaker's half-open delay.
        const nextAttemptAt = secrets.status().nextAttemptAt ?? recoveryStart;
        const recoveryDeadline = Math.max(recoveryStart, nextAttemptAt) + RECOVERY_MS;
        const fresh = secretValue(RECOVERY_KEY, 'v2');
        await write(RECOVERY_KEY, fresh);
        // Recovery is the first `refresh: true` read of RECOVERY_KEY (by the read loops, which keep
        // going) that returns the value written after the faults stopped: wait for that outcome.
        let recoveredAfterMs: number | undefined;
        freshWatch = { key: RECOVERY_KEY, value: canonical(fresh), seen: () => (recoveredAfterMs ??= Date.now() - recoveryStart) };
        await until(() => recoveredAfterMs !== undefined, Math.max(1, recoveryDeadline - Date.now())).catch(() => undefined);
        // Reading goes on for AFTER_RECOVERY_READS more reads after recovery was seen.
        const readsAtRecovery = reads;
        if (recoveredAfterMs !== undefined) {
          await until(() => reads >= readsAtRecovery + AFTER_RECOVERY_READS, Math.max(1, recoveryDeadline - Date.now())).catch(
            () => undefined,
          );
        }
        stopLoad = true;
        await Promise.all(loops);

        // -- Every key still served from a fallback is refreshed from Vault ----------------------------
        phase = 'final';
        const degradedAtEnd = Object.keys(secrets.status().fallbackKeys);
        const finalDeadline = Date.now() + BREAKER_HALF_OPEN_AFTER_MS + 1_500;
        for (const key of degradedAtEnd) {
          while (Date.now() < finalDeadline) {
            const before = failures.length;
            await read(key, true);
            if (failures.length === before && secrets.status().fallbackKeys[key] === undefined) break;
            await wallTime(100);
          }
        }
        const status = secrets.status();
        harvest(server);

        // Objects a user could log: the service, its status.
        const inspectedObjects = [
          inspect(secrets, { depth: 20, showHidden: true }),
          inspect(status, { depth: 20 }),
          JSON.stringify(status),
        ];

        await app.close();
        app = undefined;
        // Late rejections (sockets closing) get a chance to surface: a rejection nobody handles is
        // reported once the microtask queue drains, and close() has settled every timer.
        await flush();

        const totalMs = Date.now() - startedAt;
        const summary = {
          seed: SEED,
          totalMs,
          chaosMs,
          recoveredAfterMs,
          reads,
          readsByPhase,
          failedReads: failures.length,
          wrongValues: wrongValues.length,
          servedFromFallback: eventCounts[SecretsEvents.FallbackUsed] ?? 0,
          vaultUnavailableEvents: eventCounts[SecretsEvents.VaultUnavailable] ?? 0,
          vaultRecoveredEvents: eventCounts[SecretsEvents.VaultRecovered] ?? 0,
          episodesRun,
          episodeHits,
          probes,
          faultsInjected,
          server: serverStats,
          probeErrors,
          degradedAtEnd,
          unhandledRejections: unhandled.length,
          errorsInspected: seenErrors.length,
          logLines: logs.lines.length,
        };
        console.log(`[chaos] ${JSON.stringify(summary)}`);
        const context = `seed ${SEED} (rerun with CHAOS_SEED=${SEED})`;

        // -- 0 failed reads, only values that were written -----------------------------------------------
        const failureKinds: Record<string, number> = {};
        for (const f of failures) {
          const kind = `${f.phase} ${f.name} ${f.code}: ${f.message}`;
          failureKinds[kind] = (failureKinds[kind] ?? 0) + 1;
        }
        expect(
          failures.length,
          `${context}: failed reads of keys read before: ${JSON.stringify(failureKinds)}; first: ${JSON.stringify(failures.slice(0, 5))}`,
        ).toBe(0);
        expect(wrongValues, `${context}: reads that returned a value never written`).toEqual([]);
        expect(
          Object.keys(probeErrors).filter((k) => k.startsWith('untyped:')),
          `${context}: describeSecret errors that are not VaultUnavailableError`,
        ).toEqual([]);

        // -- The chaos really happened ----------------------------------------------------------------
        for (const kind of ['5xx', 'latency-above-timeout', 'latency-below-timeout', 'drop', 'seal', 'restart'] as const) {
          expect(episodesRun, `${context}: episode ${kind} ran`).toContain(kind);
        }
        expect(summary.servedFromFallback, `${context}: reads were served from a fallback`).toBeGreaterThan(0);
        expect(summary.vaultUnavailableEvents, `${context}: the module saw Vault unavailable`).toBeGreaterThan(0);
        expect(readsByPhase.chaos ?? 0, `${context}: reads under chaos`).toBeGreaterThan(500);

        // -- No unhandled rejection -------------------------------------------------------------------------
        expect(
          unhandled.map((r) => inspect(r)),
          `${context}: unhandled rejections`,
        ).toEqual([]);

        // -- Recovery -------------------------------------------------------------------------------------------
        expect(recoveredAfterMs, `${context}: a refresh read saw the value written after the faults stopped`).toBeDefined();
        expect(status, `${context}: status after every degraded key was refreshed`).toMatchObject({
          vault: 'up',
          degraded: false,
          fallbackKeys: {},
        });
        expect(eventCounts[SecretsEvents.VaultRecovered] ?? 0, `${context}: recovery announced`).toBeGreaterThan(0);

        // -- No marker anywhere -----------------------------------------------------------------------------------
        const errorTexts = seenErrors.map((error) =>
          [
            inspect(error, { depth: 20, showHidden: true }),
            error instanceof Error ? `${error.message}\n${String(error.stack)}` : String(error),
            (() => {
              try {
                return JSON.stringify(error) ?? '';
              } catch {
                return '';
              }
            })(),
          ].join('\n'),
        );
        const everything = [logs.text, ...errorTexts, ...inspectedEvents, ...inspectedObjects].join('\n');
        expect(logs.lines.length, 'something was logged').toBeGreaterThan(0);
        expect(logs.text, 'the outage was logged').toContain('serving');
        for (const marker of [VALUE_MARKER_PREFIX, TOKEN, TOKEN_TAIL]) {
          const at = everything.indexOf(marker);
          const near = at === -1 ? '' : everything.slice(Math.max(0, at - 300), at);
          expect(at, `${context}: a marker is in the captured output, right after: ${near}`).toBe(-1);
        }
      } finally {
        stopLoad = true;
        process.off('unhandledRejection', onUnhandled);
      }
    },
  );
});
