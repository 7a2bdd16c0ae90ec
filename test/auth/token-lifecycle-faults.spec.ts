/**
 * Token lifecycle attacks: revoked tokens, throwing and garbage logins, odd renew-self bodies,
 * revocation under load, 403 without "invalid token", throwing listeners, shutdown races.
 */
import { Module } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AuthFailedError,
  PermissionDeniedError,
  SecretsError,
  SecretsEvents,
  SecretsModule,
  SecretsService,
  VaultSealedError,
  type AuthMethod,
  type AuthResult,
} from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { bootApp } from '../support/boot-app.js';
import { dump, MARKER_CRED } from '../support/leak-markers.js';
import { envelope, json, rawServer } from '../support/raw-vault-server.js';
import { makeCore } from '../support/core-harness.js';
import { deferred, flush, settle, until } from '../support/async.js';
import { elapseFakeTimers } from '../support/fake-time.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  vi.useRealTimers();
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startServer(): Promise<VaultTestServer> {
  const server = await VaultTestServer.start();
  cleanups.push(() => server.stop());
  await server.admin.writePolicy('app-read', 'path "secret/data/app/*" { capabilities = ["read"] }');
  for (let i = 0; i < 20; i += 1) await server.admin.kvPut('secret', `app/k${i}`, { v: String(i) });
  return server;
}

/**
 * A login-capable method that mints a fresh token per login through the admin API. A test that
 * sets `hold` keeps the next logins in flight until the promise it returns settles.
 */
function minting(server: VaultTestServer): AuthMethod & { logins: number; issued: string[]; hold?: () => Promise<void> } {
  const m = {
    name: 'minting',
    canLogin: true,
    logins: 0,
    issued: [] as string[],
    hold: undefined as (() => Promise<void>) | undefined,
    async login(): Promise<AuthResult> {
      m.logins += 1;
      if (m.hold) await m.hold();
      const a = await server.admin.createToken({ policies: ['app-read'], ttl: 3600, no_parent: true });
      m.issued.push(a.client_token);
      return {
        token: a.client_token,
        accessor: a.accessor,
        policies: a.policies ?? [],
        leaseDuration: a.lease_duration,
        renewable: a.renewable,
        tokenType: a.token_type,
      };
    },
  };
  return m;
}

function fixed(result: unknown, name = 'garbage'): AuthMethod {
  return { name, canLogin: true, login: async () => result as AuthResult };
}

describe('token lifecycle: held up', () => {
  it('a token revoked while 20 reads are in flight causes exactly one re-login and every read succeeds', async () => {
    const server = await startServer();
    const method = minting(server);
    const { core } = makeCore({ address: server.address, auth: method, secretsPath: 'secret/app', cache: { ttlMs: 1 } });
    cleanups.push(() => core.close());
    await core.start();
    await server.admin.revokeToken(method.issued[0]!);
    server.faults.add({ path: /^secret\/data\/app\/k1\d$/, latencyMs: 100 });
    // The re-login stays in flight until k0-k9 all got their 403 (they join it); k10-k19 answer 403 after it is done.
    const fast403 = (): number => server.requests.filter((r) => /^secret\/data\/app\/k\d$/.test(r.path) && r.status === 403).length;
    method.hold = () => until(() => fast403() === 10).then(() => flush());
    const reads = await Promise.all(Array.from({ length: 20 }, (_, i) => settle(core.fetchSecret(`k${i}`))));
    expect(reads.filter((r) => r.ok)).toHaveLength(20);
    expect(method.logins).toBe(2);
  });

  it('a 403 without "invalid token" is PermissionDeniedError and never triggers a re-login loop', async () => {
    const server = await startServer();
    await server.admin.kvPut('secret', 'other/x', { v: 'x' });
    const method = minting(server);
    const { core } = makeCore({ address: server.address, auth: method, secretsPath: 'secret' });
    cleanups.push(() => core.close());
    for (let i = 0; i < 5; i += 1) {
      const r = await settle(core.fetchSecret('other/x', { refresh: true }));
      expect(!r.ok && r.error).toBeInstanceOf(PermissionDeniedError);
    }
    expect(method.logins).toBe(1);
  });

  it('a login that throws (with credentials on the error) becomes a sanitized AuthFailedError', async () => {
    const server = await startServer();
    const method: AuthMethod = {
      name: 'thrower',
      canLogin: true,
      login: async () => {
        const e = new Error('upstream said no');
        Object.assign(e, { config: { headers: { 'X-Vault-Token': MARKER_CRED }, data: `{"password":"${MARKER_CRED}"}` } });
        throw e;
      },
    };
    const { core } = makeCore({ address: server.address, auth: method });
    cleanups.push(() => core.close());
    const r = await settle(core.start());
    expect(!r.ok && r.error).toBeInstanceOf(AuthFailedError);
    expect(dump((r as { error: unknown }).error)).not.toContain(MARKER_CRED);
  });

  it('boots while Vault is sealed, reads fail as VaultSealedError, and recover after unseal', async () => {
    const server = await startServer();
    const { client_token } = await server.admin.createToken({ policies: ['app-read'], ttl: 3600 });
    server.seal();
    const { core } = makeCore({ address: server.address, token: client_token, secretsPath: 'secret/app' });
    cleanups.push(() => core.close());
    expect(await core.start()).toBeUndefined();
    const r = await settle(core.fetchSecret('k1'));
    expect(!r.ok && r.error).toBeInstanceOf(VaultSealedError);
    expect(core.status()).toMatchObject({ state: 'degraded', reason: 'sealed' });
    server.unseal();
    await core.supervisor.attemptNow();
    expect(await core.fetchSecret('k1')).toEqual({ v: '1' });
  });
});

describe('token lifecycle: regressions', () => {
  it('regression: a custom AuthMethod returning garbage crashes with a raw TypeError (undefined result, policies: null)', async () => {
    const server = await startServer();
    for (const result of [
      undefined,
      { token: server.rootToken, policies: null, leaseDuration: 60, renewable: true, tokenType: 'service' },
    ]) {
      const { core } = makeCore({ address: server.address, auth: fixed(result), secretsPath: 'secret/app' });
      const boot = await settle(core.start());
      expect(!boot.ok && boot.error, JSON.stringify(result)).toBeInstanceOf(SecretsError);
      expect(() => core.tokens.info(), 'tokenInfo() must never throw').not.toThrow();
      core.scheduler.cancelAll();
    }
  });

  it('regression: a custom AuthMethod returning an empty token or a negative/NaN TTL is accepted (negative TTL = never expires)', async () => {
    const server = await startServer();
    const token = (await server.admin.createToken({ policies: ['app-read'], ttl: 3600 })).client_token;
    for (const result of [
      { token: '', policies: [], leaseDuration: 60, renewable: true, tokenType: 'service' },
      { token, policies: [], leaseDuration: -5, renewable: true, tokenType: 'service' },
      { token, policies: [], leaseDuration: Number.NaN, renewable: true, tokenType: 'service' },
    ]) {
      const { core } = makeCore({ address: server.address, auth: fixed(result, 'token'), secretsPath: 'secret/app' });
      const boot = await settle(core.start());
      expect(boot.ok, `${JSON.stringify(result)} must be refused as a malformed login result`).toBe(false);
      core.scheduler.cancelAll();
    }
  });

  it('regression: a renew-self 200 without an auth block declares a valid token dead and fires onTokenRenewalFailed', async () => {
    let renewals = 0;
    const srv = await rawServer((req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/v1/auth/token/lookup-self'))
        return json(res, 200, envelope({ accessor: 'acc', policies: ['p'], ttl: 4, renewable: true, type: 'service' }));
      if (url.startsWith('/v1/auth/token/renew-self')) {
        renewals += 1;
        return json(res, 200, renewals === 1 ? {} : envelope(null, { auth: { client_token: 't', lease_duration: 4, renewable: true } }));
      }
      return json(res, 404, { errors: [] });
    });
    cleanups.push(() => srv.stop());
    // Timers and Date on the fake clock (I/O and setImmediate stay real): the renewals run without waiting for them.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const failures: unknown[] = [];
    const { core } = makeCore({ address: srv.address, token: 't', onTokenRenewalFailed: (e) => void failures.push(e) });
    cleanups.push(() => core.close());
    await core.start();
    await elapseFakeTimers(3500);
    expect(renewals).toBeGreaterThanOrEqual(1);
    expect(failures, 'one malformed renew answer must not be reported as a permanent failure').toHaveLength(0);
  });

  it('regression: a throwing secrets.token.renewed listener stops token renewal for good', async () => {
    let renewals = 0;
    const srv = await rawServer((req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/v1/auth/token/lookup-self'))
        return json(res, 200, envelope({ accessor: 'acc', policies: ['p'], ttl: 3, renewable: true, type: 'service' }));
      if (url.startsWith('/v1/auth/token/renew-self')) {
        renewals += 1;
        return json(res, 200, envelope(null, { auth: { client_token: 't', lease_duration: 3, renewable: true } }));
      }
      return json(res, 404, { errors: [] });
    });
    cleanups.push(() => srv.stop());
    // Timers and Date on the fake clock (I/O and setImmediate stay real): the renewals run without waiting for them.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const { app } = await bootApp([EventEmitterModule.forRoot(), SecretsModule.forRoot({ address: srv.address, token: 't' })]);
    cleanups.push(() => app.close());
    app.get(EventEmitter2).on(SecretsEvents.TokenRenewed, () => {
      throw new Error('a buggy metrics listener');
    });
    await elapseFakeTimers(5000);
    expect(renewals, 'renewal must go on whatever a listener does').toBeGreaterThanOrEqual(2);
  });

  it('regression: a throwing secrets.token.renewal-failed listener becomes an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    cleanups.push(() => void process.off('unhandledRejection', onUnhandled));
    const srv = await rawServer((req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/v1/auth/token/lookup-self'))
        return json(res, 200, envelope({ accessor: 'acc', policies: ['p'], ttl: 3, renewable: true, type: 'service' }));
      return json(res, 403, { errors: ['2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n'] });
    });
    cleanups.push(() => srv.stop());
    // Timers and Date on the fake clock (I/O and setImmediate stay real): the renewals run without waiting for them.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const { app } = await bootApp([EventEmitterModule.forRoot(), SecretsModule.forRoot({ address: srv.address, token: 't' })]);
    cleanups.push(() => app.close());
    app.get(EventEmitter2).on(SecretsEvents.TokenRenewalFailed, () => {
      throw new Error('a buggy alerting listener');
    });
    await elapseFakeTimers(2500);
    expect(unhandled.map(String)).toEqual([]);
  });

  it('regression: shutdown during an in-flight re-login leaves the newly issued token alive (never revoked)', async () => {
    const server = await startServer();
    const method = minting(server);
    const { core } = makeCore({ address: server.address, auth: method, secretsPath: 'secret/app' });
    await core.start();
    await server.admin.revokeToken(method.issued[0]!);
    const relogin = deferred();
    method.hold = () => relogin.promise; // the re-login is slow
    const read = settle(core.fetchSecret('k1'));
    await until(() => method.logins === 2); // the read got 403 invalid token; the re-login is in flight
    const closing = core.close();
    relogin.resolve(); // the login answers during shutdown
    await closing;
    await read;
    await core.tokens.settled();
    await until(() => method.issued.length === 2);
    await server.settle();
    const lookup = await fetch(`${server.address}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': method.issued[1]! } });
    expect(lookup.status, 'a token obtained by login must not outlive close()').toBe(403);
  });

  it('regression: two SecretsModule instances in one app collide in SchedulerRegistry and boot fails with an untyped Error', async () => {
    const server = await startServer();
    const t1 = await server.admin.createToken({ ttl: 3600 });
    const t2 = await server.admin.createToken({ ttl: 3600 });
    @Module({ imports: [SecretsModule.forRoot({ address: server.address, token: t1.client_token })] })
    class TeamA {}
    @Module({ imports: [SecretsModule.forRoot({ address: server.address, token: t2.client_token })] })
    class TeamB {}
    const booted = await settle(bootApp([ScheduleModule.forRoot(), TeamA, TeamB]));
    if (booted.ok) cleanups.push(() => booted.value.app.close());
    expect(booted.ok ? 'booted' : String((booted as { error: unknown }).error)).toBe('booted');
    if (booted.ok) expect(booted.value.app.select(TeamA).get(SecretsService).tokenInfo()).toBeDefined();
  });
});
