import { describe, expect, it } from 'vitest';
import type { VaultConfig } from '../../lib/index.js';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import { sendRawRequest } from '../../lib/core/raw-request.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { freshServerPerTest, supervisedCore } from '../support/core-harness.js';
import { MARKER_CRED, dump } from '../support/leak-markers.js';

/**
 * Review of the self-healing supervisor (issue 17) against Vault's documented behaviour: each test
 * states the promise of docs/resilience.md ("When Vault is down") it checks. On the test server,
 * its frozen clock shared by the module; no sleeping.
 */

let server: VaultTestServer;
const cores: SecretsCore[] = [];

freshServerPerTest(
  (s) => (server = s),
  cores,
  async (s) => {
    await s.admin.kvPut('secret', 'app/hot', { n: '1' });
  },
);

const harness = (options: Partial<VaultConfig> = {}) => supervisedCore(server, cores, { token: server.rootToken, ...options });

describe('one path’s fault is not an outage (docs/resilience.md)', () => {
  it('five 500s in a row on one path: the same mount’s other keys are still read from Vault', async () => {
    const h = harness();
    await h.core.start();
    expect(await h.core.fetchSecret('config')).toEqual({ feature: 'v1' });
    server.faults.add({ path: 'secret/data/app/hot', status: 500, body: { errors: ['internal error'] } });
    for (let i = 0; i < 5; i += 1)
      await expect(sendRawRequest(h.core.requester, { method: 'GET', path: 'secret/data/app/hot' })).rejects.toMatchObject({
        status: 500,
      });
    await server.admin.kvPut('secret', 'app/config', { feature: 'v2' });
    server.clearRequests();
    const read = await h.core.fetchSecret('config', { refresh: true }).catch((e: unknown) => e);
    console.log('read after 5x500 on another path:', read, JSON.stringify(h.core.status()));
    // Promise: "a 5xx, 429 or 412 on one data path fails that call ... the module stays ready when Vault serves".
    expect(server.requestCount({ method: 'GET', path: 'secret/data/app/config' })).toBe(1);
    expect(read).toEqual({ feature: 'v2' });
    expect(h.core.status()).toMatchObject({ state: 'ready', fallbackKeys: {} });
  });

  it.each(['-1', '0'])('a 429 with Retry-After %s still backs the path off (no request per call)', async (retryAfter) => {
    const h = harness();
    await h.core.start();
    server.faults.add({
      path: 'secret/data/app/hot',
      status: 429,
      headers: { 'Retry-After': retryAfter },
      body: { errors: ['rate limit quota exceeded'] },
    });
    server.clearRequests();
    for (let i = 0; i < 20; i += 1)
      await sendRawRequest(h.core.requester, { method: 'GET', path: 'secret/data/app/hot' }).catch((e: unknown) => e);
    // Promise (PathBackoff): "a path that answered 429 is not called again until its Retry-After or,
    // without one, 1 s doubling to 30 s". A negative value is no valid Retry-After (RFC 9110: a
    // non-negative delay or an HTTP date) and must fall back to the 1 s step; 20 calls at one instant: 1 request.
    expect(server.requestCount({ path: 'secret/data/app/hot' })).toBeLessThanOrEqual(1);
    expect(h.core.status()).toMatchObject({ state: 'ready' });
  });
});

describe('sys/health answering odd things', () => {
  it('a load balancer’s 503 (HTML, no Vault JSON) on sys/health while unreachable is not reported as `sealed`', async () => {
    const h = harness();
    await h.core.start();
    await h.core.fetchSecret('config');
    // The load balancer in front of Vault has no backend: 503 with its own page for everything.
    server.faults.add({ status: 503, body: '<html><body>503 Service Unavailable: no healthy upstream</body></html>' });
    await h.core.fetchSecret('config', { refresh: true }).catch(() => undefined);
    await h.time.advance(5_000);
    const status = h.core.status();
    expect(status.state).toBe('degraded');
    // Vault answers 503 on sys/health only with its JSON body ("sealed": true); a body that is not
    // Vault's says nothing about the seal, so an operator is sent to unseal a Vault that is not sealed.
    expect(status).not.toMatchObject({ reason: 'sealed' });
  });
});

describe('a flap during the recovery', () => {
  it('Vault drops again while the recovery re-reads: the module does not stay `ready` announcing `recovered`', async () => {
    const h = harness();
    await h.core.start();
    await h.core.fetchSecret('config');
    server.seal();
    await h.core.fetchSecret('config', { refresh: true }).catch(() => undefined);
    expect(h.core.status()).toMatchObject({ state: 'degraded', reason: 'sealed' });
    await h.time.advance(600_000);
    // Past the cache's life: the read is served the last good value (a stale key, re-read at recovery).
    await h.core.fetchSecret('config').catch(() => undefined);
    expect(h.core.status()).toMatchObject({ state: 'degraded', fallbackKeys: { config: 'stale-cache' } });
    // Vault comes back only for sys/health: every other call is dropped (it flaps away again
    // right after the probe; sys/health kept answering to show the window).
    server.unseal();
    const drop = server.faults.add({ path: /^(?!sys\/health)/, drop: true });
    h.events.length = 0;
    await h.time.advance(35_000);
    const recovered = h.named('secrets.vault.recovered').length;
    const status = h.core.status();
    console.log(`flap during recovery: state ${status.state}, recovered events ${recovered}, requests ${h.sent.length}`);
    // Promise: "`secrets.vault.recovered` is emitted once" when everything is brought back; the
    // convergence reads failed with connection errors (Vault-wide evidence), so Vault is not back.
    drop();
    // Vault is really back now; the app stays idle for 5 minutes.
    await h.time.advance(300_000);
    const after = h.core.status();
    console.log(
      `5 min after Vault is really back: ${JSON.stringify(after)}; config reads ${server.requestCount({ path: 'secret/data/app/config' })}`,
    );
    expect(recovered === 0 || status.state === 'degraded').toBe(true);
    expect(after).toMatchObject({ state: 'ready', degraded: false, fallbackKeys: {} });
  });
});

describe('a slow Vault', () => {
  // Real time: the test server's latency fault and the request deadlines are real (about 11 s).
  it('answering every call in 90 % of requestTimeoutMs (6 s): the module leaves degraded', { timeout: 60_000 }, async () => {
    const h = harness({ requestTimeoutMs: 6000 });
    await h.core.start();
    await h.core.fetchSecret('config');
    server.faults.add({ path: 'secret/data/app/config', drop: true, times: 1 });
    await h.core.fetchSecret('config', { refresh: true }).catch(() => undefined);
    expect(h.core.status()).toMatchObject({ state: 'degraded', reason: 'unreachable' });
    // Vault is back, slow: every answer takes 5.4 s, within the module's 6 s deadline.
    server.faults.add({ latencyMs: 5400 });
    const started = Date.now();
    const raw = await h.core.client.request({ method: 'GET', path: 'secret/data/app/config' });
    expect(raw.status).toBe(200);
    console.log(`slow Vault answered a read in ${Date.now() - started} ms (deadline 6000 ms)`);
    await h.core.supervisor.attemptNow();
    await h.core.supervisor.attemptNow();
    // Promise: "Any probe that finds Vault serving ends degraded"; a Vault that answers every read
    // within requestTimeoutMs is serving, but the probe's own deadline is min(5 s, requestTimeoutMs).
    expect(h.core.status()).toMatchObject({ state: 'ready' });
  });
});

describe('secrets in the supervisor’s output', () => {
  it('a refused AppRole secret_id and a userpass password: in no log, error, status(), event or inspect/JSON of the module’s objects', async () => {
    const planted = [MARKER_CRED, `${MARKER_CRED}-pw`];
    await server.admin.enableAuthMethod('approle', 'approle');
    await server.admin.writeAppRole('approle', 'app', { token_ttl: 3600, token_policies: ['default'] });
    const roleId = await server.admin.readRoleId('approle', 'app');
    await server.admin.enableAuthMethod('userpass', 'userpass');
    const runs = [
      supervisedCore(server, cores, { auth: { method: 'approle', roleId, secretId: planted[0] } }),
      supervisedCore(server, cores, { auth: { method: 'userpass', username: 'alice', password: planted[1] } } as Partial<VaultConfig>),
    ];
    const texts: string[] = [];
    for (const h of runs) {
      await h.core.start().catch((e: unknown) => texts.push(dump(e)));
      for (let minute = 0; minute < 20; minute += 1) {
        texts.push(dump(await h.core.fetchSecret('config').catch((e: unknown) => e)));
        texts.push(dump(await h.core.probeHealth().catch((e: unknown) => e)));
        await h.time.advance(60_000);
      }
      texts.push(dump(h.core.status()), dump(h.core.supervisor), dump(h.core.tokens), dump(h.events), ...h.logger.lines);
      const logins = h.sent.filter((r) => /\/login/.test(r.path)).length;
      console.log(
        `${h === runs[0] ? 'approle' : 'userpass'}: ${logins} logins in 20 min, status ${JSON.stringify(h.core.status().login ?? {})}`,
      );
      // Lockout-safe: at most 3 refused logins of one credential per 15 minutes (20 min: ≤ 4).
      expect(logins).toBeLessThanOrEqual(4);
    }
    for (const text of texts) for (const secret of planted) expect(text).not.toContain(secret);
  });
});

describe('a Vault flapping every 3 s for a minute, under reads', () => {
  it('reads every 100 ms over 5 keys: at most one request per read, probes no faster than the ladder, back ≤ 3 s after the last return', async () => {
    await server.admin.enableAuthMethod('approle', 'approle');
    await server.admin.writeAppRole('approle', 'app', { token_ttl: 3600, token_policies: ['reader'] });
    await server.admin.writePolicy('reader', 'path "secret/*" { capabilities = ["read"] }');
    for (let k = 0; k < 5; k += 1) await server.admin.kvPut('secret', `app/k${k}`, { v: `${k}` });
    const roleId = await server.admin.readRoleId('approle', 'app');
    const secretId = await server.admin.generateSecretId('approle', 'app');
    const h = supervisedCore(server, cores, { auth: { method: 'approle', roleId, secretId }, maxRetries: 2 });
    await h.core.start();
    for (let k = 0; k < 5; k += 1) await h.core.fetchSecret(`k${k}`);
    h.sent.length = 0;
    const probesAt: number[] = [];
    let reads = 0;
    let end: (() => void) | undefined;
    for (let tick = 0; tick < 600; tick += 1) {
      const phase = Math.floor(tick / 30) % 2; // 3 s down, 3 s up
      if (phase === 0 && !end) end = server.faults.add({ drop: true });
      if (phase === 1 && end) {
        end();
        end = undefined;
      }
      const before = h.sent.length;
      await Promise.all(Array.from({ length: 5 }, (_, k) => h.core.fetchSecret(`k${k}`, { refresh: true }).catch(() => undefined)));
      reads += 5;
      await h.time.advance(100);
      // Probes sent in this 100 ms step (read-triggered or planned), stamped with its end.
      for (const r of h.sent.slice(before)) if (r.path === 'sys/health') probesAt.push(server.clock.now());
    }
    end?.();
    const lastReturn = server.clock.now();
    let servedAt: number | undefined;
    for (let tick = 0; tick < 100 && servedAt === undefined; tick += 1) {
      await Promise.all(Array.from({ length: 5 }, (_, k) => h.core.fetchSecret(`k${k}`, { refresh: true }).catch(() => undefined)));
      reads += 5;
      if (h.core.status().state === 'ready' && Object.keys(h.core.status().fallbackKeys).length === 0) servedAt = server.clock.now();
      else await h.time.advance(100);
    }
    const data = h.sent.filter((r) => r.path.startsWith('secret/')).length;
    const logins = h.sent.filter((r) => r.path.endsWith('/login')).length;
    const probes = h.sent.filter((r) => r.path === 'sys/health').length;
    let fastest = Number.POSITIVE_INFINITY;
    for (let i = 1; i < probesAt.length; i += 1) fastest = Math.min(fastest, probesAt[i]! - probesAt[i - 1]!);
    console.log(
      `flapping 60 s: ${reads} reads, ${data} data requests, ${probes} probes (closest two ${fastest} ms apart), ${logins} logins, ` +
        `other ${h.sent.length - data - probes - logins}; served from Vault ${servedAt === undefined ? 'never' : servedAt - lastReturn} ms after the last return`,
    );
    expect(data).toBeLessThanOrEqual(reads);
    // The ladder's second step is 2 s, jittered to 75 % at the harness's draw 0.5: 1.5 s; a read never adds a closer one.
    expect(fastest).toBeGreaterThanOrEqual(1500);
    expect(logins).toBe(0);
    expect(servedAt !== undefined && servedAt - lastReturn <= 3000).toBe(true);
  });
});
