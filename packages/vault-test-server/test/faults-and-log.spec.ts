/**
 * The test-only extras: fault injection, request log, clock, lifecycle.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock, type VaultTestServer } from '../src/index.js';
import { call, envelope, root, startServer, unique } from './support.js';

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

describe('faults', () => {
  it('answers a canned status/body/headers for matching requests, `times` times', async () => {
    const path = unique('f');
    await server.admin.kvPut('secret', path, { v: '1' });
    server.faults.add({
      method: 'GET',
      path: `secret/data/${path}`,
      status: 502,
      body: { errors: ['upstream down'] },
      headers: { 'Retry-After': '3' },
      times: 2,
    });
    for (let i = 0; i < 2; i += 1) {
      const answer = await root(server, 'GET', `secret/data/${path}`);
      expect(answer.status).toBe(502);
      expect(answer.json).toEqual({ errors: ['upstream down'] });
      expect(answer.headers.get('retry-after')).toBe('3');
    }
    expect((await root(server, 'GET', `secret/data/${path}`)).status).toBe(200);
  });

  it('matches RegExp paths, also for sys/health, and can be removed', async () => {
    const remove = server.faults.add({ path: /^sys\/health$/, status: 429 });
    const answer = await call(server, 'GET', 'sys/health');
    expect(answer.status).toBe(429);
    expect(answer.text).toBe('{"errors":[]}\n');
    remove();
    expect((await call(server, 'GET', 'sys/health')).status).toBe(200);
  });

  it('adds latency and then continues normally', async () => {
    server.faults.add({ path: 'sys/seal-status', latencyMs: 60, times: 1 });
    const started = Date.now();
    const answer = await call(server, 'GET', 'sys/seal-status');
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('drops the connection without answering', async () => {
    server.faults.add({ path: 'sys/health', drop: true, times: 1 });
    await expect(call(server, 'GET', 'sys/health')).rejects.toThrow();
    expect(server.requests.at(-1)).toMatchObject({ path: 'sys/health', status: 0 });
    expect((await call(server, 'GET', 'sys/health')).status).toBe(200);
  });

  it('treats LIST rules as matching GET ?list=true, and clear() removes all', async () => {
    server.faults.add({ method: 'LIST', path: /^secret\/metadata\//, status: 500 });
    expect((await root(server, 'GET', 'secret/metadata/x?list=true')).status).toBe(500);
    expect((await root(server, 'LIST', 'secret/metadata/x')).status).toBe(500);
    server.faults.clear();
    expect((await root(server, 'LIST', 'secret/metadata/x')).status).toBe(404);
  });
});

describe('request log', () => {
  it('records method, path without /v1/ and query, status, accessor and clock time', async () => {
    server.clearRequests();
    const at = server.clock.now();
    await root(server, 'GET', 'secret/data/logged?version=2');
    await call(server, 'GET', 'sys/health');
    const accessor = envelope(await root(server, 'GET', 'auth/token/lookup-self')).data['accessor'];
    expect(server.requests).toHaveLength(3);
    expect(server.requests[0]).toEqual({
      method: 'GET',
      path: 'secret/data/logged',
      query: { version: '2' },
      status: 404,
      token: accessor,
      at,
    });
    expect(server.requests[1]).not.toHaveProperty('token');
    expect(JSON.stringify(server.requests)).not.toContain(server.rootToken);
    expect(server.requestCount()).toBe(3);
    expect(server.requestCount({ method: 'get', path: 'sys/health' })).toBe(1);
    expect(server.requestCount({ path: /^secret\// })).toBe(1);
    server.clearRequests();
    expect(server.requestCount()).toBe(0);
  });
});

describe('clock', () => {
  it('starts at real time, only moves when told, and rejects going back with advance', () => {
    const clock = new TestClock();
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(1000);
    const start = clock.now();
    clock.advance(1500);
    expect(clock.now()).toBe(start + 1500);
    clock.set(1_000_000);
    expect(clock.now()).toBe(1_000_000);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(clock.nowNanos()).toBeLessThan(clock.nowNanos());
  });

  it('can start at a fixed time', async () => {
    const fixed = await startServer({ startTime: Date.UTC(2024, 0, 1), devMounts: true });
    try {
      const meta = await fixed.admin.kvPut('secret', 'k', { v: '1' });
      expect(meta.created_time.startsWith('2024-01-01T00:00:00')).toBe(true);
    } finally {
      await fixed.stop();
    }
  });
});

describe('lifecycle', () => {
  it('stops idempotently and closes keep-alive sockets', async () => {
    const temp = await startServer();
    const port = Number(new URL(temp.address).port);
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n`);
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const pending = call(temp, 'GET', 'sys/seal-status');
    temp.faults.add({ path: 'sys/health', latencyMs: 10_000 });
    const slow = call(temp, 'GET', 'sys/health').catch(() => 'dropped');
    await pending;
    await Promise.all([temp.stop(), temp.stop()]);
    await closed;
    expect(await slow).toBe('dropped');
    await expect(fetch(`${temp.address}/v1/sys/health`)).rejects.toThrow();
  });

  it('uses the given root token and port 0 by default', async () => {
    const temp = await startServer({ rootToken: 'my-root' });
    try {
      expect(temp.rootToken).toBe('my-root');
      expect(temp.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const generated = await startServer();
      expect(generated.rootToken).toMatch(/^hvs\.[A-Za-z0-9]{24}$/);
      await generated.stop();
    } finally {
      await temp.stop();
    }
  });
});
