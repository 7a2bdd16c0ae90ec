import type { INestApplicationContext } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  PermissionDeniedError,
  SecretsEvents,
  SecretsModule,
  SecretsService,
  type AuthMethod,
  type AuthResult,
  type SecretsError,
  type VaultConfig,
} from '../../lib/index.js';
import { VaultTestServer, type CreateTokenOptions } from '@nestjs-vault-secrets/vault-test-server';
import { bootApp } from '../support/boot-app.js';
import { until } from '../support/async.js';
import { untilOnlyModuleTimers } from '../support/release-idle-connections.js';
import type { CapturingLogger } from '../support/capture-logs.js';

const RENEWAL = 'secrets:token-renewal';

let server: VaultTestServer;
let app: INestApplicationContext | undefined;
let events: Array<{ name: string; payload: unknown }>;
let logs: CapturingLogger | undefined;

beforeEach(async () => {
  // Only timers and Date are faked: I/O (and setImmediate) run for real, so HTTP round trips complete.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  server = await VaultTestServer.start({ clockMode: 'realtime' });
  await server.admin.kvPut('secret', 'app/db', { password: 'token-lifecycle' });
  await server.admin.writePolicy('app-read', 'path "secret/data/app/*" { capabilities = ["read"] }');
  events = [];
});

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') {
    console.error(
      `captured logs:\n${logs?.text}\nevents: ${events.map((e) => e.name).join(', ')}\nrequests: ${server.requests.map((r) => `${r.method} ${r.path} ${r.status}`).join('; ')}`,
    );
  }
  await app?.close();
  app = undefined;
  await server.stop();
  vi.useRealTimers();
});

/** A login-capable auth method that mints tokens through `auth/token/create`, counting its logins. */
function mintingMethod(options: CreateTokenOptions): AuthMethod & { logins: number; issued: string[] } {
  const method = {
    name: 'minting',
    canLogin: true,
    logins: 0,
    issued: [] as string[],
    async login(): Promise<AuthResult> {
      method.logins += 1;
      const auth = await server.admin.createToken({ policies: ['app-read'], no_parent: true, ...options });
      method.issued.push(auth.client_token);
      return {
        token: auth.client_token,
        accessor: auth.accessor,
        policies: auth.policies ?? [],
        leaseDuration: auth.lease_duration,
        renewable: auth.renewable,
        tokenType: auth.token_type,
      };
    },
  };
  return method;
}

async function boot(options: VaultConfig, withSchedule = true): Promise<SecretsService> {
  const booted = await bootApp([
    ...(withSchedule ? [ScheduleModule.forRoot()] : []),
    EventEmitterModule.forRoot({ wildcard: false }),
    SecretsModule.forRoot({
      address: server.address,
      secretsPath: 'secret/app',
      cache: { ttlMs: 1 },
      watch: { enabled: false },
      ...options,
    }),
  ]);
  app = booted.app;
  logs = booted.logs;
  app.get(EventEmitter2).onAny((name: string | string[], payload: unknown) => {
    events.push({ name: String(name), payload });
  });
  return app.get(SecretsService);
}

/**
 * Lets in-flight HTTP requests finish (axios clears its own timeout timer when a request closes),
 * then fires the next task the module scheduled.
 */
async function advanceToNextTask(): Promise<void> {
  await untilOnlyModuleTimers(app!);
  await vi.advanceTimersToNextTimerAsync();
}

const named = (name: string): unknown[] => events.filter((e) => e.name === name).map((e) => e.payload);
const dead403s = (): number => server.requests.filter((r) => r.status === 403).length;

describe('token renewal', () => {
  it('renews at about two thirds of the time left, registered in SchedulerRegistry, and keeps doing so', async () => {
    const { client_token } = await server.admin.createToken({ policies: ['app-read'], ttl: 60 });
    const secrets = await boot({ token: client_token });
    const registry = app!.get(SchedulerRegistry);
    expect(registry.getTimeouts()).toContain(RENEWAL);
    const loginAt = Date.now();
    server.clearRequests();

    await advanceToNextTask();
    await until(() => named(SecretsEvents.TokenRenewed).length === 1);
    const renewals = server.requests.filter((r) => r.path === 'auth/token/renew-self');
    expect(renewals).toHaveLength(1);
    const elapsed = renewals[0]!.at - loginAt;
    expect(elapsed).toBeGreaterThanOrEqual(0.56 * 60_000);
    expect(elapsed).toBeLessThanOrEqual((2 / 3) * 60_000 + 1);

    for (let i = 2; i <= 5; i += 1) {
      await advanceToNextTask();
      await until(() => named(SecretsEvents.TokenRenewed).length === i);
    }
    expect(await secrets.fetchSecret('db')).toEqual({ password: 'token-lifecycle' });
    expect(dead403s()).toBe(0);
  });

  it('renews a periodic token forever (well past any TTL it started with)', async () => {
    const { client_token } = await server.admin.createToken({ policies: ['app-read'], period: 30 });
    const secrets = await boot({ token: client_token });
    for (let i = 1; i <= 20; i += 1) {
      await advanceToNextTask();
      await until(() => named(SecretsEvents.TokenRenewed).length === i);
    }
    expect(Date.now() - server.clock.now()).toBeLessThan(1000);
    expect(await secrets.fetchSecret('db', { refresh: true })).toEqual({ password: 'token-lifecycle' });
    expect(dead403s()).toBe(0);
  });

  it('never renews a root-like token without a TTL', async () => {
    await boot({ token: server.rootToken });
    expect(app!.get(SchedulerRegistry).getTimeouts()).not.toContain(RENEWAL);
  });

  it('keeps the token through a Vault outage shorter than its TTL, without logging in again', async () => {
    const method = mintingMethod({ ttl: 120 });
    const secrets = await boot({ auth: method });
    server.seal();
    await advanceToNextTask();
    await until(() => server.requestCount({ path: 'auth/token/renew-self' }) === 1);
    // Vault is down: the renewal waits for the supervisor (issue 17), which probes sys/health; no renew-self meanwhile.
    for (let i = 0; i < 3; i += 1) await advanceToNextTask();
    expect(server.requestCount({ path: 'auth/token/renew-self' })).toBe(1);
    server.unseal();
    // the supervisor's next probe recovers; the parked renewal runs within 10 s
    for (let i = 0; i < 6 && named(SecretsEvents.TokenRenewed).length === 0; i += 1) {
      await advanceToNextTask();
      await untilOnlyModuleTimers(app!);
    }
    const renewals = server.requests.filter((r) => r.path === 'auth/token/renew-self').map((r) => r.status);
    expect(renewals.slice(0, 2)).toEqual([503, 200]);
    expect(named(SecretsEvents.TokenRenewed).length).toBeGreaterThanOrEqual(1);
    expect(method.logins).toBe(1);
    expect(named(SecretsEvents.TokenRenewalFailed)).toHaveLength(0);
    expect(await secrets.fetchSecret('db')).toEqual({ password: 'token-lifecycle' });
  });
});

describe('re-login', () => {
  it('logs in again before expiry when renewal is capped by max TTL: no request ever carries an expired token', async () => {
    const method = mintingMethod({ ttl: 60, explicit_max_ttl: 90 });
    const secrets = await boot({ auth: method });
    for (let step = 1; step <= 12; step += 1) {
      await advanceToNextTask();
      await until(() => named(SecretsEvents.TokenRenewed).length === step);
      await secrets.fetchSecret('db');
    }
    expect(method.logins).toBeGreaterThanOrEqual(3);
    expect(dead403s()).toBe(0);
    expect(named(SecretsEvents.TokenRenewalFailed)).toHaveLength(0);
  });

  it('replaces batch tokens (not renewable) before they expire', async () => {
    const method = mintingMethod({ ttl: 60, type: 'batch' });
    const secrets = await boot({ auth: method });
    for (let i = 2; i <= 5; i += 1) {
      await advanceToNextTask();
      await until(() => method.logins === i && named(SecretsEvents.TokenRenewed).length === i - 1);
      expect(await secrets.fetchSecret('db')).toEqual({ password: 'token-lifecycle' });
    }
    expect(server.requestCount({ path: 'auth/token/renew-self' })).toBe(0);
    expect(dead403s()).toBe(0);
  });

  it('re-logs in exactly once and retries the request once when the token was revoked', async () => {
    const method = mintingMethod({ ttl: 3600 });
    const secrets = await boot({ auth: method });
    const first = app!.get(SecretsService).tokenInfo()!;
    await secrets.fetchSecret('db');
    await server.admin.revokeToken(await currentToken(method));
    server.clearRequests();
    expect(await secrets.fetchSecret('db', { refresh: true })).toEqual({ password: 'token-lifecycle' });
    expect(method.logins).toBe(2);
    expect(server.requestCount({ path: 'secret/data/app/db' })).toBe(2);
    expect(app!.get(SecretsService).tokenInfo()!.accessor).not.toBe(first.accessor);
  });

  it('does not log in again on a policy 403', async () => {
    const method = mintingMethod({ ttl: 3600 });
    await server.admin.kvPut('secret', 'other/thing', { x: '1' });
    const secrets = await boot({ auth: method, secretsPath: 'secret/other' });
    await expect(secrets.fetchSecret('thing')).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(secrets.fetchSecret('thing')).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(method.logins).toBe(1);
  });

  it('shares one login among 100 concurrent first reads', async () => {
    const method = mintingMethod({ ttl: 3600 });
    const { SecretsCore } = await import('../../lib/core/secrets-core.js');
    const { resolveVaultConfig } = await import('../../lib/core/resolve-vault-config.js');
    const core = new SecretsCore(resolveVaultConfig({ address: server.address, auth: method, secretsPath: 'secret/app' }, {}));
    const reads = await Promise.all(Array.from({ length: 100 }, (_, i) => core.fetchSecret('db', { refresh: i % 2 === 0 })));
    expect(reads.every((r) => r.password === 'token-lifecycle')).toBe(true);
    expect(method.logins).toBe(1);
    await core.close();
  });
});

describe('failure for good', () => {
  it('fires the renewal-failed event and the callback once when a given token hits its max TTL', async () => {
    const failures: SecretsError[] = [];
    const { client_token } = await server.admin.createToken({ policies: ['app-read'], ttl: 60, explicit_max_ttl: 100 });
    await boot({ token: client_token, onTokenRenewalFailed: (e) => void failures.push(e) });
    for (let i = 0; i < 8 && failures.length === 0; i += 1) {
      await advanceToNextTask();
      await until(() => server.requests.length > 0);
    }
    await until(() => failures.length === 1);
    expect(named(SecretsEvents.TokenExpiring)).toHaveLength(1);
    expect(named(SecretsEvents.TokenRenewalFailed)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(failures).toHaveLength(1);
    expect(named(SecretsEvents.TokenRenewalFailed)).toHaveLength(1);
  });

  it('fires once when re-login is refused', async () => {
    const failures: SecretsError[] = [];
    const method = mintingMethod({ ttl: 60, type: 'batch' });
    const refusing: AuthMethod = {
      name: 'refusing',
      canLogin: true,
      login: async (ctx) => {
        if (method.logins === 0) return method.login(ctx);
        throw new Error('invalid role or secret ID');
      },
    };
    await boot({ auth: refusing, onTokenRenewalFailed: (e) => void failures.push(e) });
    await advanceToNextTask();
    await until(() => failures.length === 1);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.code).toBe('SECRETS_AUTH_FAILED');
    expect(named(SecretsEvents.TokenRenewalFailed)).toHaveLength(1);
  });
});

describe('shutdown', () => {
  it('leaves no timer and no SchedulerRegistry entry, and revokes only a token it logged in for', async () => {
    const method = mintingMethod({ ttl: 600 });
    await boot({ auth: method });
    const registry = app!.get(SchedulerRegistry);
    expect(registry.getTimeouts()).toContain(RENEWAL);
    const token = await currentToken(method);
    await app!.close();
    app = undefined;
    expect(registry.getTimeouts()).not.toContain(RENEWAL);
    expect(vi.getTimerCount()).toBe(0);
    expect(server.requestCount({ path: 'auth/token/revoke-self' })).toBe(1);
    await expect(lookupToken(token)).rejects.toThrow(/403|bad token/);

    const given = await server.admin.createToken({ policies: ['app-read'], ttl: 600 });
    await boot({ token: given.client_token });
    await app!.close();
    app = undefined;
    expect(server.requestCount({ path: 'auth/token/revoke-self' })).toBe(1);
    expect((await lookupToken(given.client_token)).id).toBe(given.client_token);
  });

  it('uses its own unref’d timer when ScheduleModule is not imported, and clears it on close', async () => {
    const { client_token } = await server.admin.createToken({ policies: ['app-read'], ttl: 60 });
    await boot({ token: client_token }, false);
    expect(vi.getTimerCount()).toBe(1);
    await app!.close();
    app = undefined;
    expect(vi.getTimerCount()).toBe(0);
  });
});

/** The token the module currently holds: the last one the minting method issued. */
async function currentToken(method: { issued: string[] }): Promise<string> {
  return method.issued.at(-1)!;
}

/** `POST auth/token/lookup` with the root token: the looked-up token's data, or a thrown error. */
async function lookupToken(token: string): Promise<{ id: string }> {
  const response = await fetch(`${server.address}/v1/auth/token/lookup`, {
    method: 'POST',
    headers: { 'X-Vault-Token': server.rootToken, 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (!response.ok) throw new Error(`lookup failed: ${response.status}`);
  return ((await response.json()) as { data: { id: string } }).data;
}
