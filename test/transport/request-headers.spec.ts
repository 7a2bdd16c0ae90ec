/**
 * Issue 21: VaultClient hands its headers to the adapter ready to send (built once per client,
 * the token and namespace added per request) instead of through axios's header merge, and the
 * adapter gives axios response headers it need not normalise again. What reaches Vault and what
 * callers read back must not change: every header once, in the case Vault's CLI sends it.
 */
import type http from 'node:http';
import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveVaultConfig } from '../../lib/core/resolve-vault-config.js';
import { AuthFailedError } from '../../lib/errors/auth-failed.error.js';
import { InvalidRequestError } from '../../lib/errors/invalid-request.error.js';
import { InvalidTokenError } from '../../lib/errors/invalid-token.error.js';
import { VaultUnavailableError } from '../../lib/errors/vault-unavailable.error.js';
import { UndiciAdapter, type PreparedHeadersConfig } from '../../lib/transport/undici.adapter.js';
import { VaultClient } from '../../lib/transport/vault-client.js';
import { settle } from '../support/async.js';
import type { AuthMethod } from '../../lib/contracts/auth-method.js';
import { makeCore } from '../support/core-harness.js';
import { envelope, json, rawServer } from '../support/raw-vault-server.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface Seen {
  method: string;
  url: string;
  /** Header names as sent (case kept) with their values, in order. */
  raw: Array<[string, string]>;
  body: string;
}

async function recordingVault(
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => json(res, 200, envelope({ ok: true })),
) {
  const seen: Seen[] = [];
  const srv = await rawServer((req, res, body) => {
    const raw: Array<[string, string]> = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) raw.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    seen.push({ method: req.method ?? '', url: req.url ?? '', raw, body });
    answer(req, res);
  });
  cleanups.push(() => srv.stop());
  return { srv, seen };
}

function client(address: string, namespace?: string, token = 's.client-token'): VaultClient {
  const config = resolveVaultConfig({ address, token, ...(namespace ? { namespace } : {}) }, {});
  const vault = new VaultClient(config, { getToken: async () => token });
  cleanups.push(() => vault.close());
  return vault;
}

/** The sent headers other than the ones undici adds itself (host, connection, content-length). */
function vaultHeaders(seen: Seen): Array<[string, string]> {
  return seen.raw.filter(([name]) => !['host', 'connection', 'content-length'].includes(name.toLowerCase()));
}

describe('headers sent to Vault', () => {
  it('a GET sends Accept, X-Vault-Request and X-Vault-Token once each, and nothing else', async () => {
    const { srv, seen } = await recordingVault();
    await client(srv.address).request({ method: 'GET', path: 'secret/data/app' });
    expect(vaultHeaders(seen[0]!)).toEqual([
      ['Accept', 'application/json, text/plain, */*'],
      ['X-Vault-Request', 'true'],
      ['X-Vault-Token', 's.client-token'],
    ]);
  });

  it('a write sends its Content-Type once (axios adds no form type of its own), the configured namespace, and the token given per request', async () => {
    const { srv, seen } = await recordingVault();
    const vault = client(srv.address, 'team-a');
    await vault.request({ method: 'POST', path: 'secret/data/app', body: { data: { a: 1 } }, token: 's.other-token' });
    await vault.request({ method: 'PUT', path: 'sys/wrapping/unwrap', body: '{"x":1}', contentType: 'text/plain', namespace: 'team-b' });
    expect(vaultHeaders(seen[0]!)).toEqual([
      ['Accept', 'application/json, text/plain, */*'],
      ['X-Vault-Request', 'true'],
      ['X-Vault-Token', 's.other-token'],
      ['X-Vault-Namespace', 'team-a/'],
      ['Content-Type', 'application/json'],
    ]);
    expect(seen[0]!.body).toBe('{"data":{"a":1}}');
    expect(vaultHeaders(seen[1]!)).toContainEqual(['X-Vault-Namespace', 'team-b']);
    expect(vaultHeaders(seen[1]!).filter(([name]) => name.toLowerCase() === 'content-type')).toEqual([['Content-Type', 'text/plain']]);
  });

  it('a login (no token) sends no X-Vault-Token, and a redirect to the active node re-sends the same headers', async () => {
    let hops = 0;
    const { srv, seen } = await recordingVault((req, res) => {
      if (hops++ === 0) {
        res.writeHead(307, { Location: `/v1/auth/approle/login?from=standby` });
        res.end();
        return;
      }
      json(res, 200, envelope(null, { auth: { client_token: 's.new' } }));
    });
    await client(srv.address, 'team-a').request({
      method: 'POST',
      path: 'auth/approle/login',
      body: { role_id: 'r' },
      authenticated: false,
    });
    expect(seen).toHaveLength(2);
    expect(seen[1]!.url).toBe('/v1/auth/approle/login?from=standby');
    for (const exchange of seen) {
      expect(vaultHeaders(exchange).map(([name]) => name)).toEqual(['Accept', 'X-Vault-Request', 'X-Vault-Namespace', 'Content-Type']);
    }
  });
});

describe('response headers read back', () => {
  it('callers see every response header lowercased, a repeated one as an array, Retry-After and Location included', async () => {
    const { srv } = await recordingVault((_req, res) => {
      res.writeHead(200, [
        ['Content-Type', 'application/json'],
        ['Cache-Control', 'no-store'],
        ['Retry-After', '7'],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
      ]);
      res.end(JSON.stringify(envelope({ ok: true })));
    });
    const answer = await client(srv.address).request({ method: 'GET', path: 'sys/x' });
    expect(answer.headers).toMatchObject({
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'retry-after': '7',
      'set-cookie': ['a=1', 'b=2'],
    });
  });
});

describe('a response header named __proto__ (a broken or hostile proxy)', () => {
  it('is kept aside: answers still map to their status, once each, whether it comes once or twice', async () => {
    for (const repeats of [1, 2]) {
      let status = 200;
      const { srv, seen } = await recordingVault((_req, res) => {
        const protoHeaders = Array.from({ length: repeats }, (_, i) => ['__proto__', `v${i}`]).flat();
        res.writeHead(status, ['Content-Type', 'application/json', ...protoHeaders]);
        res.end(
          status === 200 ? JSON.stringify(envelope({ ok: true })) : JSON.stringify({ errors: status === 403 ? ['invalid token'] : [] }),
        );
      });
      const vault = client(srv.address);
      expect((await vault.request({ method: 'GET', path: 'secret/data/a' })).status).toBe(200);
      status = 404;
      expect((await vault.request({ method: 'GET', path: 'secret/data/a', acceptStatus: [404] })).status).toBe(404);
      status = 403;
      await expect(vault.request({ method: 'GET', path: 'secret/data/a' })).rejects.toBeInstanceOf(InvalidTokenError);
      expect(seen, `${repeats} __proto__ header(s): one request per call, no retry`).toHaveLength(3);
    }
  });
});

describe('the adapter with prepared headers', () => {
  it('sends the prepared list first, then axios headers, and plain axios headers alone when no list is given', async () => {
    const { srv, seen } = await recordingVault();
    const adapter = new UndiciAdapter({
      tls: { rejectUnauthorized: true },
      connectTimeoutMs: 2000,
      maxResponseBytes: 1 << 20,
      connections: 2,
    });
    cleanups.push(() => adapter.destroy());
    const http = axios.create({ baseURL: srv.address, adapter: adapter.adapter, responseType: 'text' });
    const prepared: PreparedHeadersConfig = { preparedHeaders: ['X-Vault-Token', 's.t'] };
    await http.get('/v1/a', { ...prepared, headers: { 'X-Extra': 'e' } });
    await http.get('/v1/b', { headers: { 'X-Extra': 'e' } });
    const names = (i: number) => vaultHeaders(seen[i]!).map(([name]) => name);
    expect(names(0)[0]).toBe('X-Vault-Token');
    expect(names(0)).toContain('X-Extra');
    expect(names(1)).not.toContain('X-Vault-Token');
    expect(names(1)).toContain('X-Extra');
    const response = await http.get('/v1/c');
    expect(response.headers['content-type']).toBe('application/json');
  });
});

describe('a token or namespace no header can carry', () => {
  const BAD_TOKEN = 'hvs.MARKERtoken\r\nX-Injected: 1';

  it('is refused before sending, as an auth failure (not an outage to retry), without quoting the token', async () => {
    const { srv, seen } = await recordingVault();
    const vault = client(srv.address);
    for (const token of [BAD_TOKEN, 'hvs.nul\u0000', 'hvs.wide\u0100']) {
      const error = await vault.request({ method: 'GET', path: 'secret/data/app', token }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthFailedError);
      expect(error).not.toBeInstanceOf(VaultUnavailableError);
      expect(String((error as Error).message)).not.toContain('MARKER');
      expect(String((error as Error).stack)).not.toContain('MARKER');
    }
    const ns = await vault.request({ method: 'GET', path: 'secret/data/app', namespace: 'team\na' }).catch((e: unknown) => e);
    expect(ns).toBeInstanceOf(InvalidRequestError);
    expect(seen, 'nothing reaches Vault').toHaveLength(0);
  });

  it('from a login answer fails the login: the token is never stored or sent', async () => {
    const { srv, seen } = await recordingVault((req, res) => {
      if ((req.url ?? '').startsWith('/v1/auth/approle/login'))
        return json(res, 200, envelope(null, { auth: { client_token: BAD_TOKEN, lease_duration: 3600, renewable: true, policies: [] } }));
      json(res, 200, envelope({ ok: true }));
    });
    const { core } = makeCore({ address: srv.address, auth: { method: 'approle', roleId: 'r', secretId: 's' }, secretsPath: 'secret/app' });
    cleanups.push(() => core.close());
    const boot = await settle(core.start());
    expect(boot.ok).toBe(false);
    expect(!boot.ok && boot.error).toBeInstanceOf(AuthFailedError);
    expect(String(!boot.ok && (boot.error as Error).message)).not.toContain('MARKER');
    expect(seen.map((s) => s.url).filter((u) => !u.startsWith('/v1/auth/approle/login'))).toEqual([]);
  });

  it('from a custom auth method, with only a trailing newline (a token file read untrimmed), is trimmed and works', async () => {
    const { srv, seen } = await recordingVault((_req, res) =>
      json(res, 200, envelope({ db: 'pw' }, { data: { data: { db: 'pw' }, metadata: { version: 1 } } })),
    );
    const fileToken: AuthMethod = {
      name: 'file-token',
      canLogin: true,
      login: async () => ({ token: 'hvs.from-file\n', policies: [], leaseDuration: 3600, renewable: false, tokenType: 'service' }),
    };
    const { core } = makeCore({ address: srv.address, auth: fileToken, secretsPath: 'secret/app', kvVersion: 2 });
    cleanups.push(() => core.close());
    await core.start();
    await core.readKv('db');
    const tokens = seen.map((s) => s.raw.find(([name]) => name === 'X-Vault-Token')?.[1]);
    expect(tokens.length).toBeGreaterThan(0);
    expect(new Set(tokens)).toEqual(new Set(['hvs.from-file']));
  });
});
