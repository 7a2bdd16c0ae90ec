/**
 * The HTTP transport (axios over an undici Pool): TLS (CA, wrong CA, host name, client
 * certificate, server name), the connect timeout, keep-alive (server-side connection counts),
 * the response cap, the deadline, 307 follow, and the cap on requests in flight with logins and
 * renewals ahead of reads. No test here is timed: waits are events and event-loop turns.
 */
import { createRequire } from 'node:module';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { inspect } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidOptionsError,
  MalformedResponseError,
  VaultRequestError,
  VaultTlsError,
  VaultUnavailableError,
  type VaultConfig,
} from '../../lib/index.js';
import { postLogin } from '../../lib/auth/login-request.js';
import { resolveVaultConfig } from '../../lib/core/resolve-vault-config.js';
import type { ResolvedVaultConfig } from '../../lib/options/resolved-vault-config.js';
import { buildTlsSettings, tlsConnectOptions } from '../../lib/transport/tls-settings.js';
import { MAX_RESPONSE_BYTES, VaultClient } from '../../lib/transport/vault-client.js';
import {
  createTestCertificateAuthority,
  issueTestClientCertificate,
  issueTestServerCertificate,
  type TestCertificateAuthority,
  type TestClientCertificate,
  type TestServerCertificate,
} from '@nestjs-vault-secrets/vault-test-server';
import { until } from '../support/async.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface TestServer {
  address: string;
  /** TCP connections accepted so far. */
  connections: number;
  /** Requests seen, in arrival order (`METHOD /path`). */
  seen: string[];
  /** Client certificate subjects seen on TLS connections (mutual TLS). */
  clientSubjects: string[];
  stop(): Promise<void>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** An HTTP (or, with `tls`, HTTPS) server on 127.0.0.1 that counts connections and logs requests. */
async function startServer(handler: Handler, tls?: https.ServerOptions): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const state: TestServer = { address: '', connections: 0, seen: [], clientSubjects: [], stop: async () => undefined };
  const onRequest: Handler = (req, res) => {
    state.seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
    const peer = (req.socket as { getPeerCertificate?: () => { subject?: { CN?: string } } }).getPeerCertificate?.();
    if (peer?.subject?.CN) state.clientSubjects.push(peer.subject.CN);
    req.resume();
    req.on('end', () => handler(req, res));
  };
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  server.on(tls ? 'secureConnection' : 'connection', () => (state.connections += 1));
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  state.address = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  state.stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  cleanups.push(() => state.stop());
  return state;
}

function ok(res: http.ServerResponse, body: unknown = { data: { value: 'v' } }): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A client for `address`; `extra` adds resolved fields the options do not carry yet (client certificate, server name). */
function client(address: string, options: Partial<VaultConfig> = {}, extra: Partial<ResolvedVaultConfig> = {}): VaultClient {
  const config = { ...resolveVaultConfig({ address, token: 'hvs.test', maxRetries: 0, ...options }, {}), ...extra };
  const vault = new VaultClient(config, { getToken: () => Promise.resolve('hvs.test') });
  cleanups.push(() => vault.close());
  return vault;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('dependencies', () => {
  it('undici loads under CommonJS (require) as well as ESM, and p-limit is gone', async () => {
    const require = createRequire(import.meta.url);
    const cjs = require('undici') as { Pool: unknown };
    const esm = await import('undici');
    expect(typeof cjs.Pool).toBe('function');
    expect(typeof esm.Pool).toBe('function');
    expect(() => require.resolve('p-limit')).toThrow();
  });
});

describe('TLS', () => {
  let ca: TestCertificateAuthority;
  let otherCa: TestCertificateAuthority;
  let serverCert: TestServerCertificate;
  let namedCert: TestServerCertificate;
  let clientCert: TestClientCertificate;

  beforeAll(async () => {
    [ca, otherCa] = await Promise.all([createTestCertificateAuthority('Transport CA'), createTestCertificateAuthority('Other CA')]);
    [serverCert, namedCert, clientCert] = await Promise.all([
      issueTestServerCertificate(ca, ['127.0.0.1', 'localhost']),
      issueTestServerCertificate(ca, ['vault.internal']),
      issueTestClientCertificate(ca, 'app-client'),
    ]);
  });

  it('verifies against the configured CA, and refuses a wrong CA and a host name mismatch as VaultTlsError', async () => {
    const server = await startServer((_req, res) => ok(res), { cert: serverCert.certPem, key: serverCert.keyPem });
    expect((await client(server.address, { caCert: ca.certPem }).request({ method: 'GET', path: 'secret/x' })).status).toBe(200);

    const wrongCa = await failure(client(server.address, { caCert: otherCa.certPem }).request({ method: 'GET', path: 'secret/x' }));
    expect(wrongCa).toBeInstanceOf(VaultTlsError);

    const named = await startServer((_req, res) => ok(res), { cert: namedCert.certPem, key: namedCert.keyPem });
    const mismatch = await failure(client(named.address, { caCert: ca.certPem }).request({ method: 'GET', path: 'secret/x' }));
    expect(mismatch).toBeInstanceOf(VaultTlsError);
    expect((mismatch as Error).message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
    // tlsServerName checks the certificate against the name it was issued for.
    const byName = client(named.address, { caCert: ca.certPem }, { tlsServerName: 'vault.internal' });
    expect((await byName.request({ method: 'GET', path: 'secret/x' })).status).toBe(200);
    expect(server.seen).toEqual(['GET /v1/secret/x']);
  });

  it('presents the client certificate to a Vault that requires one (mutual TLS); without it the handshake fails', async () => {
    const server = await startServer((_req, res) => ok(res), {
      cert: serverCert.certPem,
      key: serverCert.keyPem,
      ca: ca.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    });
    const withCert = client(server.address, { caCert: ca.certPem }, { clientCert: clientCert.certPem, clientKey: clientCert.keyPem });
    expect((await withCert.request({ method: 'GET', path: 'secret/x' })).status).toBe(200);
    expect(server.clientSubjects).toEqual(['app-client']);

    const without = await failure(client(server.address, { caCert: ca.certPem }).request({ method: 'GET', path: 'secret/x' }));
    // TLS 1.3 refuses a missing certificate after the handshake; the alert is the reported cause.
    expect(without).toBeInstanceOf(VaultTlsError);
    expect(without).toMatchObject({ problem: 'client-certificate-required' });
    expect(server.seen).toHaveLength(1);
  });

  it('builds one set of TLS settings for HTTP and the event websocket, and never shows the client key', () => {
    const settings = buildTlsSettings({
      verifySsl: true,
      caCert: ca.certPem,
      clientCert: clientCert.certPem,
      clientKey: clientCert.keyPem,
      tlsServerName: 'vault.internal',
    });
    // What undici's connector and the websocket are given: the same node:tls options.
    expect(tlsConnectOptions(settings)).toMatchObject({
      ca: ca.certPem,
      cert: clientCert.certPem,
      key: clientCert.keyPem,
      servername: 'vault.internal',
      rejectUnauthorized: true,
    });
    const keyBody = clientCert.keyPem.split('\n')[1]!;
    expect(inspect(settings)).not.toContain(keyBody);
    expect(JSON.stringify(settings)).not.toContain(keyBody);
    expect(buildTlsSettings({ verifySsl: false })).toEqual({ rejectUnauthorized: false });
  });
});

describe('connecting', () => {
  it('gives up on a connection that never completes after connectTimeoutMs, with VaultUnavailableError', async () => {
    // Accepts TCP on loopback and never answers the TLS handshake: only the connect timeout can end it.
    const held = new Set<net.Socket>();
    const blackHole = net.createServer((socket) => void held.add(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of held) socket.destroy();
          blackHole.close(() => resolve());
        }),
    );
    const { port } = blackHole.address() as net.AddressInfo;
    const vault = client(`https://127.0.0.1:${port}`, { connectTimeoutMs: 200, requestTimeoutMs: 60_000 });
    const started = performance.now();
    const error = await failure(vault.request({ method: 'GET', path: 'sys/health', authenticated: false }));
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(VaultUnavailableError);
    expect((error as Error).message).toMatch(/UND_ERR_CONNECT_TIMEOUT/);
    // A real socket connect: bounded, far below the request timeout of 60 s.
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(10_000);
  });

  it('validates connectTimeoutMs and maxConcurrentRequests at boot, listing every problem', () => {
    let error: unknown;
    try {
      resolveVaultConfig({ address: 'http://127.0.0.1:8200', token: 't', connectTimeoutMs: 0, maxConcurrentRequests: 2000 }, {});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as Error).message).toMatch(/connectTimeoutMs must be at least 1/);
    expect((error as Error).message).toMatch(/maxConcurrentRequests must be at most 1024/);
    const defaults = resolveVaultConfig({ address: 'http://127.0.0.1:8200', token: 't' }, {});
    expect(defaults.connectTimeoutMs).toBe(3000);
    expect(defaults.maxConcurrentRequests).toBe(32);
  });
});

describe('HTTP behaviour kept', () => {
  it('keeps connections alive: sequential reads share one or two connections, and later reads and bursts open none', async () => {
    const server = await startServer((_req, res) => ok(res));
    const vault = client(server.address);
    for (let i = 0; i < 20; i += 1) await vault.request({ method: 'GET', path: `secret/k${i}` });
    // undici checks an idle socket for one event-loop turn before reusing it, so a read that
    // follows at once may take a second connection; both are then reused.
    expect(server.connections).toBeLessThanOrEqual(2);
    const sequential = server.connections;
    await Promise.all(Array.from({ length: 16 }, (_, i) => vault.request({ method: 'GET', path: `secret/c${i}` })));
    const afterBurst = server.connections;
    expect(afterBurst).toBeLessThanOrEqual(sequential + 16);
    // Every later read rides a connection that is already open.
    for (let i = 0; i < 20; i += 1) await vault.request({ method: 'GET', path: `secret/again${i}` });
    await Promise.all(Array.from({ length: 16 }, (_, i) => vault.request({ method: 'GET', path: `secret/d${i}` })));
    expect(server.connections).toBe(afterBurst);
    expect(server.seen).toHaveLength(72);
  });

  it('caps response bodies at 16 MiB (declared or streamed): a malformed answer, not an outage', async () => {
    const big = Buffer.alloc(MAX_RESPONSE_BYTES + 1, 0x20);
    const server = await startServer((req, res) => {
      if (req.url?.includes('declared')) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(big.length) });
        res.end(big);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }); // chunked, no length
      res.write(big.subarray(0, 8 * 1024 * 1024));
      res.end(big.subarray(8 * 1024 * 1024));
    });
    const vault = client(server.address);
    for (const path of ['secret/declared', 'secret/streamed']) {
      const error = await failure(vault.request({ method: 'GET', path }));
      expect(error).toBeInstanceOf(MalformedResponseError);
      expect((error as Error).message).toMatch(/larger than 16 MiB/);
    }
    expect((await failure(vault.request({ method: 'GET', path: 'secret/declared', acceptStatus: [200] }))) instanceof Error).toBe(true);
  });

  it('ends a request at its deadline (AbortSignal) with VaultUnavailableError, and the client stays usable', async () => {
    const held: http.ServerResponse[] = [];
    const server = await startServer((req, res) => (req.url?.includes('hang') ? void held.push(res) : ok(res)));
    const vault = client(server.address);
    const error = await failure(vault.request({ method: 'GET', path: 'secret/hang', timeoutMs: 300 }));
    expect(error).toBeInstanceOf(VaultUnavailableError);
    expect((error as Error).message).toMatch(/timed out/);
    expect(held.length).toBeLessThanOrEqual(1);
    expect((await vault.request({ method: 'GET', path: 'secret/after' })).status).toBe(200);
  });

  it('follows a standby 307 to the active node with the same method, body and token, and never from https to http', async () => {
    const active = await startServer((req, res) => ok(res, { data: { node: 'active', token: req.headers['x-vault-token'] } }));
    const standby = await startServer((req, res) => {
      res.writeHead(307, { Location: `${active.address}${req.url ?? ''}` });
      res.end();
    });
    const vault = client(standby.address);
    const answer = await vault.request<{ data: { node: string; token: string } }>({ method: 'POST', path: 'secret/x', body: { a: 1 } });
    expect(answer.body?.data).toEqual({ node: 'active', token: 'hvs.test' });
    expect(active.seen).toEqual(['POST /v1/secret/x']);
    expect(standby.seen).toEqual(['POST /v1/secret/x']);
  });

  it('refuses a redirect from https to http', async () => {
    const ca = await createTestCertificateAuthority('Redirect CA');
    const cert = await issueTestServerCertificate(ca, ['127.0.0.1']);
    const plain = await startServer((_req, res) => ok(res));
    const secure = await startServer(
      (req, res) => {
        res.writeHead(307, { Location: `${plain.address}${req.url ?? ''}` });
        res.end();
      },
      { cert: cert.certPem, key: cert.keyPem },
    );
    const error = await failure(client(secure.address, { caCert: ca.certPem }).request({ method: 'GET', path: 'secret/x' }));
    expect(error).toBeInstanceOf(VaultRequestError);
    expect(plain.seen).toEqual([]);
  });
});

describe('requests in flight', () => {
  it('never has more than maxConcurrentRequests in flight; the rest queue and all complete', async () => {
    const held: http.ServerResponse[] = [];
    let inFlight = 0;
    let most = 0;
    let release = false;
    const server = await startServer((_req, res) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      res.on('finish', () => (inFlight -= 1));
      if (release) ok(res);
      else held.push(res);
    });
    const vault = client(server.address, { maxConcurrentRequests: 4 });
    const reads = Array.from({ length: 12 }, (_, i) => vault.request({ method: 'GET', path: `secret/k${i}` }));
    await until(() => held.length === 4);
    for (let turn = 0; turn < 200; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(held).toHaveLength(4);
    expect(vault.load).toEqual({ inFlight: 4, queued: 8 });
    release = true;
    for (const res of held.splice(0)) ok(res);
    expect((await Promise.all(reads)).map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(most).toBe(4);
    expect(server.seen).toHaveLength(12);
    expect(vault.load).toEqual({ inFlight: 0, queued: 0 });
  });

  it('sends logins and renewals ahead of queued reads', async () => {
    const held: http.ServerResponse[] = [];
    let release = false;
    const server = await startServer((req, res) => {
      const body = req.url?.includes('/login')
        ? { auth: { client_token: 'hvs.new', accessor: 'a', policies: [], lease_duration: 60, renewable: true } }
        : { data: {} };
      if (release) ok(res, body);
      else held.push(res);
    });
    const vault = client(server.address, { maxConcurrentRequests: 1 });
    const first = vault.request({ method: 'GET', path: 'secret/first' });
    await until(() => held.length === 1);
    const reads = [vault.request({ method: 'GET', path: 'secret/a' }), vault.request({ method: 'GET', path: 'secret/b' })];
    await until(() => vault.load.queued === 2); // the reads wait first
    const login = postLogin({ client: vault }, 'userpass', { password: 'pw' }, 'app');
    const renewal = vault.request({ method: 'PUT', path: 'sys/leases/renew', body: { lease_id: 'x' }, priority: 'high' });
    await until(() => vault.load.queued === 4);
    release = true;
    held.splice(0).forEach((res) => ok(res));
    await Promise.all([first, ...reads, login, renewal]);
    expect(server.seen).toEqual([
      'GET /v1/secret/first',
      'POST /v1/auth/userpass/login/app',
      'PUT /v1/sys/leases/renew',
      'GET /v1/secret/a',
      'GET /v1/secret/b',
    ]);
  });

  it('a request whose deadline passes while it waits for a slot fails with VaultUnavailableError and never reaches Vault', async () => {
    const held: http.ServerResponse[] = [];
    const server = await startServer((_req, res) => void held.push(res));
    const vault = client(server.address, { maxConcurrentRequests: 1 });
    const first = failure(vault.request({ method: 'GET', path: 'secret/first', timeoutMs: 60_000 }));
    await until(() => held.length === 1);
    const waiting = await failure(vault.request({ method: 'GET', path: 'secret/queued', timeoutMs: 30 }));
    expect(waiting).toBeInstanceOf(VaultUnavailableError);
    expect(vault.load).toEqual({ inFlight: 1, queued: 0 });
    ok(held[0]!);
    await first;
    expect(server.seen).toEqual(['GET /v1/secret/first']);
  });
});
