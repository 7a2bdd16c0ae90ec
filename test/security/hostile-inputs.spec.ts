/**
 * Issue 14's hostile inputs, each a regression: a typed SecretsError naming the problem, no
 * crash, no unmanaged lease, no secret in the message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MalformedResponseError, SecretNotFoundError, SecretsError, VaultRequestError, VaultUnavailableError } from '../../lib/index.js';
import { redactText } from '../../lib/util/redact.js';
import { MAX_RESPONSE_BYTES } from '../../lib/transport/vault-client.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { json, rawServer, rootLookup } from '../support/raw-vault-server.js';
import { makeCore } from '../support/core-harness.js';
import { settle } from '../support/async.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A raw Vault: `routes[path]` answers [status, body] (body string = raw text); records every request. */
async function raw(routes: Record<string, [number, unknown] | ((body: string) => [number, unknown])>, token = 't') {
  const seen: Array<{ method: string; path: string; body: string }> = [];
  const srv = await rawServer((req, res, body) => {
    const path = (req.url ?? '').replace(/^\/v1\//, '').split('?')[0]!;
    seen.push({ method: req.method ?? '', path, body });
    if (path === 'auth/token/lookup-self') return json(res, 200, rootLookup);
    const route = routes[path];
    const answer = typeof route === 'function' ? route(body) : route;
    if (!answer) return json(res, 404, { errors: [] });
    if (typeof answer[1] === 'string') {
      res.writeHead(answer[0], { 'Content-Type': 'application/json' });
      return res.end(answer[1]);
    }
    return json(res, answer[0], answer[1]);
  });
  cleanups.push(() => srv.stop());
  const { core, logger } = makeCore({ address: srv.address, token, secretsPath: 'secret/app', watch: { enabled: false } });
  cleanups.push(() => core.close());
  return { srv, core, logger, seen };
}

function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

describe('bad inputs: responses', () => {
  it('a response nested 8,000 levels deep: MalformedResponseError saying so, not a RangeError', async () => {
    const { core } = await raw({ 'secret/data/app/deep': [200, `{"data":{"data":${nested(8000)},"metadata":{"version":1}}}`] });
    const r = await settle(core.fetchSecret('deep'));
    expect(!r.ok && r.error).toBeInstanceOf(MalformedResponseError);
    expect((r as { error: Error }).error.message).toMatch(/nested more than \d+ levels deep/);
    // Reasonable nesting still works.
    const ok = await raw({ 'secret/data/app/ok': [200, `{"data":{"data":${nested(50)},"metadata":{"version":1}}}`] });
    expect(await ok.core.fetchSecret('ok')).toMatchObject({ a: { a: expect.any(Object) } });
  });

  it('lease_duration sent as a string: a typed error naming it, and the lease is revoked, not left unmanaged', async () => {
    const leaseId = 'database/creds/app/abcdefghijklmnopqrstuvwx';
    const { core, seen } = await raw({
      'database/creds/app': [
        200,
        { lease_id: leaseId, lease_duration: '3600', renewable: true, data: { username: 'v-app', password: 'pw-SECRET-1' } },
      ],
      'sys/leases/revoke': [204, ''],
    });
    const r = await settle(core.leased.fetchDynamicDbCreds('app'));
    const error = (r as { error: SecretsError }).error;
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error.message).toContain('lease_duration must be a number of seconds (got a string)');
    expect(error.message).not.toContain('dynamic role');
    expect(error.message).not.toContain('pw-SECRET-1');
    const revoke = seen.find((s) => s.path === 'sys/leases/revoke');
    expect(JSON.parse(revoke?.body ?? '{}')).toMatchObject({ lease_id: leaseId });
  });

  it('a DB username that is an object: a typed error naming the field, the lease revoked, never "[object Object]"', async () => {
    const leaseId = 'database/creds/app/zyxwvutsrqponmlkjihgfedc';
    const { core, seen } = await raw({
      'database/creds/app': [
        200,
        { lease_id: leaseId, lease_duration: 3600, renewable: true, data: { username: { x: 1 }, password: 'pw-SECRET-2' } },
      ],
      'sys/leases/revoke': [204, ''],
    });
    const r = await settle(core.leased.fetchDynamicDbCreds('app'));
    const error = (r as { error: SecretsError }).error;
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error.message).toContain('data.username must be a string (got an object)');
    expect(error.message).not.toContain('[object Object]');
    expect(seen.filter((s) => s.path === 'sys/leases/revoke')).toHaveLength(1);
  });

  it('a response over 16 MiB: MalformedResponseError, downloaded once, not an outage', async () => {
    const big = `{"data":{"data":{"v":"${'x'.repeat(MAX_RESPONSE_BYTES + 10)}"},"metadata":{"version":1}}}`;
    const { core, seen } = await raw({ 'secret/data/app/big': [200, big] });
    const r = await settle(core.fetchSecret('big'));
    const error = (r as { error: SecretsError }).error;
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).not.toBeInstanceOf(VaultUnavailableError);
    expect(error.message).toMatch(/larger than 16 MiB/);
    expect(seen.filter((s) => s.path === 'secret/data/app/big')).toHaveLength(1);
    expect(core.status().vault).not.toBe('down');
  });
});

describe('bad inputs: missing mounts and engines', () => {
  it('getAllSecrets() on a mount that does not exist: a typed error saying the mount is missing, not {}', async () => {
    const server = await VaultTestServer.start();
    cleanups.push(() => server.stop());
    const { core } = makeCore({ address: server.address, token: server.rootToken, secretsPath: 'nomount/app', watch: { enabled: false } });
    cleanups.push(() => core.close());
    await core.start();
    const r = await settle(core.getAllSecrets());
    const error = (r as { error: SecretsError }).error;
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(error.message).toMatch(/no secrets engine is mounted at "nomount\/"/i);
  });

  it('fetchDynamicDbCreds on a missing engine mount says the mount is missing, not that a secret does not exist', async () => {
    const server = await VaultTestServer.start();
    cleanups.push(() => server.stop());
    const { core } = makeCore({ address: server.address, token: server.rootToken, watch: { enabled: false } });
    cleanups.push(() => core.close());
    await core.start();
    const r = await settle(core.leased.fetchDynamicDbCreds('app', { mount: 'db-prod' }));
    const error = (r as { error: SecretsError }).error;
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(error.message).toMatch(/no secrets engine is mounted at "db-prod\/"/i);
    expect(error.message).not.toMatch(/^Secret .* does not exist/);
  });
});

describe('bad inputs: messages', () => {
  it('a 1,000,000-character key is cut to a readable length in the error', async () => {
    const server = await VaultTestServer.start();
    cleanups.push(() => server.stop());
    const { core } = makeCore({ address: server.address, token: server.rootToken, secretsPath: 'secret/app', watch: { enabled: false } });
    cleanups.push(() => core.close());
    await core.start();
    const r = await settle(core.fetchSecret('k'.repeat(1_000_000)));
    const error = (r as { error: SecretsError }).error;
    expect(error).toBeInstanceOf(SecretsError);
    expect(error.message.length).toBeLessThan(1000);
    expect(error.message).toMatch(/k{20,}…\(10000\d\d characters\)/);
    expect(JSON.stringify(error).length).toBeLessThan(2000);
  });

  it('redaction leaves the words after a key named like db-password alone, and still hides real credential pairs', () => {
    expect(redactText('Vault unavailable for db-password: HTTP 502')).toBe('Vault unavailable for db-password: HTTP 502');
    expect(redactText('reading app/api-token: 503 sealed')).toBe('reading app/api-token: 503 sealed');
    expect(redactText('password: hunter2 and DB_PASSWORD=hunter3 and {"client_token":"abc"}')).not.toMatch(/hunter2|hunter3|abc/);
  });

  it('a Vault error body echoing the live token verbatim is redacted, whatever the token looks like', async () => {
    for (const token of ['hvs.short123', 's.abc', 'my-dev-root-token']) {
      const { core } = await raw({ 'secret/data/app/echo': [400, { errors: [`token ${token} is not allowed here`] }] }, token);
      await core.start();
      const r = await settle(core.fetchSecret('echo'));
      const error = (r as { error: VaultRequestError }).error;
      expect(error).toBeInstanceOf(VaultRequestError);
      expect(error.message).not.toContain(token);
      expect(error.vaultErrors.join(' ')).not.toContain(token);
      expect(error.message).toContain('is not allowed here');
    }
  });
});
