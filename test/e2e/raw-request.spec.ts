/**
 * `secrets.request(...)`: authenticated raw calls through the module's transport, against the
 * test server (and a recording proxy in front of it for the headers): methods, typed errors,
 * token and namespace headers, no cache, retries for GET/LIST only, no storm when Vault is down.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidRequestError,
  PermissionDeniedError,
  SecretNotFoundError,
  SecretsManager,
  VaultRequestError,
  VaultUnavailableError,
  type VaultConfig,
} from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';

let server: VaultTestServer;
const managers: SecretsManager[] = [];

beforeAll(async () => {
  server = await VaultTestServer.start();
  await server.admin.kvPut('secret', 'raw/app', { user: 'app', password: 'p4ss-raw-1' });
});
afterAll(async () => {
  await Promise.all(managers.map((m) => m.close()));
  await server.stop();
});

async function manager(overrides: Partial<VaultConfig> = {}): Promise<SecretsManager> {
  const m = await new SecretsManager(
    {
      address: server.address,
      token: server.rootToken,
      secretsPath: 'secret',
      fallbackEnv: false,
      watch: { enabled: false },
      maxRetries: 2,
      requestTimeoutMs: 2000,
      ...overrides,
    },
    { env: {} },
  ).start();
  managers.push(m);
  return m;
}

describe('methods', () => {
  it('GET returns the status and the parsed envelope, typed', async () => {
    const m = await manager();
    const answer = await m.request<{ data: { user: string; password: string }; metadata: { version: number } }>({
      method: 'GET',
      path: 'secret/data/raw/app',
    });
    expect(answer.status).toBe(200);
    expect(answer.data?.data.user).toBe('app');
    expect(answer.data?.metadata.version).toBe(1);
    expect(answer.body?.mount_type).toBe('kv');
    expect(answer.warnings).toEqual([]);
  });

  it('LIST (sent as GET ?list=true), POST, PATCH (merge-patch) and DELETE (204, no body)', async () => {
    const m = await manager();
    const list = await m.request<{ keys: string[] }>({ method: 'LIST', path: 'secret/metadata/raw/' });
    expect(list.data?.keys).toContain('app');
    const written = await m.request<{ version: number }>({ method: 'POST', path: '/secret/data/raw/written', body: { data: { a: '1' } } });
    expect(written.data?.version).toBe(1);
    const patched = await m.request<{ version: number }>({ method: 'patch', path: 'secret/data/raw/written', body: { data: { b: '2' } } });
    expect(patched.data?.version).toBe(2);
    expect((await server.admin.request<{ data: { data: unknown } }>('GET', 'secret/data/raw/written'))?.data.data).toEqual({
      a: '1',
      b: '2',
    });
    const deleted = await m.request({ method: 'DELETE', path: 'secret/metadata/raw/written' });
    expect(deleted).toEqual({ status: 204, body: undefined, data: undefined, warnings: [] });
  });

  it('encodes path segments and sends query parameters', async () => {
    const m = await manager();
    await server.admin.kvPut('secret', 'raw/with space', { v: 'x' });
    const answer = await m.request<{ data: { v: string } }>({ method: 'GET', path: 'secret/data/raw/with space', query: { version: 1 } });
    expect(answer.data?.data.v).toBe('x');
  });
});

describe('typed errors', () => {
  it('404 → SecretNotFoundError, 400 → VaultRequestError with Vault’s message, 403 → PermissionDeniedError', async () => {
    const m = await manager();
    const missing = await m.request({ method: 'GET', path: 'secret/data/raw/absent' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SecretNotFoundError);
    expect((missing as SecretNotFoundError).status).toBe(404);
    const refused = await m
      .request({ method: 'POST', path: 'secret/data/raw/app', body: { data: {}, options: { cas: 99 } } })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(VaultRequestError);
    expect((refused as VaultRequestError).status).toBe(400);
    await server.admin.writePolicy('raw-read-only', 'path "secret/data/raw/*" { capabilities = ["read"] }');
    const { client_token } = await server.admin.createToken({ policies: ['raw-read-only'] });
    const limited = await manager({ token: client_token, renewToken: false });
    await expect(limited.request({ method: 'GET', path: 'secret/data/raw/app' })).resolves.toMatchObject({ status: 200 });
    const denied = await limited.request({ method: 'GET', path: 'sys/mounts' }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(PermissionDeniedError);
    expect((denied as PermissionDeniedError).status).toBe(403);
  });

  it('rejects a bad request before sending anything', async () => {
    const m = await manager();
    server.clearRequests();
    for (const bad of [
      { method: 'GET', path: '../sys/mounts' },
      { method: 'GET', path: 'http://evil.example/v1/secret' },
      { method: 'GET', path: '/v1/secret/data/raw/app' },
      { method: 'GET', path: 'secret/data/raw/app?version=1' },
      { method: 'HEAD', path: 'sys/health' },
      { method: 'GET', path: 'secret/data/raw/app', body: { a: 1 } },
    ]) {
      await expect(m.request(bad as never), JSON.stringify(bad)).rejects.toBeInstanceOf(InvalidRequestError);
    }
    expect(server.requestCount({})).toBe(0);
  });
});

describe('transport behaviour', () => {
  it('sends the managed token, X-Vault-Request and the namespace on every call', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const proxy = await recordingProxy(server.address, seen);
    try {
      const m = await manager({ address: proxy.address, namespace: 'team-a' });
      seen.length = 0;
      await m.request({ method: 'GET', path: 'secret/data/raw/app' });
      await m.request({ method: 'LIST', path: 'secret/metadata/raw' });
      expect(seen).toHaveLength(2);
      for (const headers of seen) {
        expect(headers['x-vault-token']).toBe(server.rootToken);
        expect(headers['x-vault-namespace']).toBe('team-a/'); // normalised the way Vault does
        expect(headers['x-vault-request']).toBe('true');
      }
    } finally {
      await proxy.close();
    }
  });

  it('is never cached: every call reaches Vault and sees the latest value', async () => {
    const m = await manager();
    server.clearRequests();
    const first = await m.request<{ data: { v: string } }>({ method: 'GET', path: 'secret/data/raw/changing' }).catch(() => undefined);
    expect(first).toBeUndefined();
    await server.admin.kvPut('secret', 'raw/changing', { v: 'one' });
    expect((await m.request<{ data: { v: string } }>({ method: 'GET', path: 'secret/data/raw/changing' })).data?.data.v).toBe('one');
    await server.admin.kvPut('secret', 'raw/changing', { v: 'two' });
    expect((await m.request<{ data: { v: string } }>({ method: 'GET', path: 'secret/data/raw/changing' })).data?.data.v).toBe('two');
    expect(server.requestCount({ path: 'secret/data/raw/changing', method: 'GET' })).toBe(3);
  });

  it('retries GET and LIST on 502, never POST, PUT, PATCH or DELETE', async () => {
    const remove = server.faults.add({ path: /^secret\/(data|metadata)\/raw\/flaky/, status: 502, body: { errors: [] } });
    try {
      for (const method of ['GET', 'LIST', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
        // A fresh client per method: six failures in a row would open the mount's circuit.
        const m = await manager({ maxRetries: 2 });
        server.clearRequests();
        const path = method === 'LIST' ? 'secret/metadata/raw/flaky' : 'secret/data/raw/flaky';
        const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? { data: { a: '1' } } : undefined;
        await expect(m.request({ method, path, ...(body ? { body } : {}) }), method).rejects.toBeInstanceOf(VaultUnavailableError);
        // Only the flaky path: the degraded managers of earlier methods probe Vault in the background.
        expect(server.requestCount({ path: /raw\/flaky/ }), method).toBe(method === 'GET' || method === 'LIST' ? 3 : 1);
      }
    } finally {
      remove();
    }
  });

  it('paths answering 503 → VaultUnavailableError with the path; repeated calls do not storm them (a breaker per path), the module stays ready', async () => {
    const m = await manager({ maxRetries: 0 });
    const remove = server.faults.add({ path: /^stormy\//, status: 503, body: { errors: ['down'] } });
    try {
      server.clearRequests();
      for (let i = 0; i < 50; i += 1) {
        const error = await m.request({ method: 'GET', path: `stormy/key-${i % 3}` }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(VaultUnavailableError);
        expect((error as VaultUnavailableError).path).toBe(`stormy/key-${i % 3}`);
      }
      // 50 calls over 3 paths reach Vault 5 times per path: after 5 consecutive failures a path's
      // breaker refuses its next calls without a request (a 503 on a path is that path's fault, not Vault's).
      expect(server.requestCount({ path: /^stormy\// })).toBe(15);
      const again = await m.request({ method: 'GET', path: 'stormy/key-0' }).catch((e: unknown) => e);
      expect(again).toMatchObject({ kind: 'circuit-open', path: 'stormy/key-0' });
      expect(server.requestCount({ path: /^stormy\// })).toBe(15);
      // Another path of the same mount has its own breaker: it is still asked (a path is faulted, not its mount).
      const other = await m.request({ method: 'GET', path: 'stormy/other' }).catch((e: unknown) => e);
      expect(other).toMatchObject({ status: 503, path: 'stormy/other' });
      expect(server.requestCount({ path: /^stormy\// })).toBe(16);
      // Vault itself serves: the confirming probe keeps the module ready and other mounts answer.
      expect(m.status().state).toBe('ready');
      expect((await m.request({ method: 'GET', path: 'secret/data/raw/app' })).status).toBe(200);
    } finally {
      remove();
    }
  });

  it('with nothing listening: VaultUnavailableError, not a crash', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const m = await manager({ address: `http://127.0.0.1:${port}`, maxRetries: 0 });
    await expect(m.request({ method: 'GET', path: 'secret/data/raw/app' })).rejects.toBeInstanceOf(VaultUnavailableError);
  });
});

/** A plain HTTP proxy that records request headers and forwards to `target`. */
async function recordingProxy(target: string, seen: IncomingHttpHeaders[]): Promise<{ address: string; close: () => Promise<void> }> {
  const upstream = new URL(target);
  const proxy: Server = createServer((req, res) => {
    seen.push(req.headers);
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    address: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}
