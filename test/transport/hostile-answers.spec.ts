/**
 * Hostile answers written byte by byte on a raw `node:net` socket, read through the adapter's
 * dispatch handler (lib/transport/response-collector.ts): the deadline at every stage of the
 * exchange, resets, caps, compression bombs, informational answers, repeated headers, and what is
 * left behind (abort listeners, large-body slots, sockets).
 */
import net, { type AddressInfo, type Socket } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import axios, { AxiosError } from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { UndiciAdapter } from '../../lib/transport/undici.adapter.js';
import { Deadline } from '../../lib/timing/deadline.js';
import { settle, sleep, until } from '../support/async.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

type Conversation = (socket: Socket, request: string) => void;

/** A TCP server that answers each request head with `answer` (one request per connection unless `answer` says more). */
async function hostile(answer: Conversation): Promise<{ address: string; requests: string[]; closed: () => number }> {
  const requests: string[] = [];
  let closed = 0;
  const sockets = new Set<Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      closed += 1;
    });
    socket.on('error', () => undefined);
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        requests.push(head.split('\r\n')[0] ?? '');
        answer(socket, head);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { address: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, closed: () => closed };
}

function newAdapter(options: { connections?: number; maxResponseBytes?: number; largeBodiesAtOnce?: number } = {}): UndiciAdapter {
  const adapter = new UndiciAdapter({
    tls: { rejectUnauthorized: true },
    connectTimeoutMs: 2000,
    maxResponseBytes: options.maxResponseBytes ?? 16 * 1024 * 1024,
    connections: options.connections ?? 4,
    largeBodiesAtOnce: options.largeBodiesAtOnce,
  });
  cleanups.push(() => adapter.destroy());
  return adapter;
}

function client(adapter: UndiciAdapter, address: string) {
  return axios.create({ baseURL: address, adapter: adapter.adapter, responseType: 'text', transformResponse: [(d: unknown) => d] });
}

/** A Deadline that counts its listeners (the adapter must leave none behind; a fired Deadline drops them all). */
function deadline(ms: number): Deadline & { listenerCount(): number } {
  const d = new Deadline(ms);
  cleanups.push(() => d.clear());
  let count = 0;
  const add = d.addEventListener.bind(d);
  const remove = d.removeEventListener.bind(d);
  return Object.assign(d, {
    addEventListener: (type: 'abort', listener: () => void) => {
      count += 1;
      add(type, listener);
    },
    removeEventListener: (type: 'abort', listener: () => void) => {
      count -= 1;
      remove(type, listener);
    },
    listenerCount: () => (d.aborted ? 0 : count),
  }) as Deadline & { listenerCount(): number };
}

const HEAD_OK = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n';

describe('the deadline at each stage of an exchange', () => {
  it('fires mid-headers (a status line and half a header, then nothing): the request fails as cancelled and the socket closes', async () => {
    const srv = await hostile((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Ty'));
    const d = deadline(150);
    const outcome = await settle(client(newAdapter(), srv.address).get('/v1/x', { signal: d as unknown as AbortSignal }));
    expect(!outcome.ok && axios.isCancel(outcome.error)).toBe(true);
    expect(d.listenerCount()).toBe(0);
    await until(() => srv.closed() >= 1, 1000);
  });

  it('fires while the body drips one byte every 20 ms: cancelled, listener gone, socket closed', async () => {
    const srv = await hostile((socket) => {
      socket.write(`${HEAD_OK}Content-Length: 1000\r\n\r\n`);
      const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write('a')), 20);
      socket.on('close', () => clearInterval(timer));
    });
    const d = deadline(200);
    const outcome = await settle(client(newAdapter(), srv.address).get('/v1/x', { signal: d as unknown as AbortSignal }));
    expect(!outcome.ok && axios.isCancel(outcome.error)).toBe(true);
    expect(d.listenerCount()).toBe(0);
    await until(() => srv.closed() >= 1, 1000);
  });

  it('fires before the request is dispatched: nothing is sent', async () => {
    const srv = await hostile((socket) => socket.end(`${HEAD_OK}Content-Length: 2\r\n\r\n{}`));
    const d = deadline(1);
    await sleep(20); // the deadline has fired
    const outcome = await settle(client(newAdapter(), srv.address).get('/v1/x', { signal: d as unknown as AbortSignal }));
    expect(!outcome.ok && axios.isCancel(outcome.error)).toBe(true);
    expect(srv.requests).toHaveLength(0);
  });

  it('leaves no listener on a long-lived signal over many exchanges (success, reset, 500)', async () => {
    let n = 0;
    const srv = await hostile((socket) => {
      n += 1;
      if (n % 3 === 0) return void socket.resetAndDestroy();
      socket.write(`HTTP/1.1 ${n % 3 === 1 ? 200 : 500} X\r\nContent-Length: 2\r\n\r\n{}`);
    });
    const http = client(newAdapter(), srv.address);
    const d = deadline(60_000);
    for (let i = 0; i < 60; i += 1) await settle(http.get('/v1/x', { signal: d as unknown as AbortSignal }));
    expect(d.listenerCount()).toBe(0);
  });
});

describe('broken and oversized bodies', () => {
  it('a connection reset mid-body fails with the socket error, not a TLS cause, and carries no body text', async () => {
    const srv = await hostile((socket) => {
      socket.write(`${HEAD_OK}Content-Length: 100\r\n\r\n{"data":{"password":"hunter2`);
      setTimeout(() => socket.resetAndDestroy(), 20);
    });
    const outcome = await settle(client(newAdapter(), srv.address).get('/v1/x'));
    const error = !outcome.ok ? (outcome.error as AxiosError) : undefined;
    expect(error).toBeInstanceOf(AxiosError);
    expect(error?.code).toMatch(/^(UND_ERR_SOCKET|ECONNRESET)$/);
    expect(JSON.stringify({ m: error?.message, s: String(error?.stack), c: String((error?.cause as Error)?.message) })).not.toContain(
      'hunter2',
    );
  });

  it('an undeclared (chunked) body over the cap fails with maxContentLength, the connection closed', async () => {
    const srv = await hostile((socket) => {
      socket.write(`${HEAD_OK}Transfer-Encoding: chunked\r\n\r\n`);
      for (let i = 0; i < 8; i += 1) socket.write(`200\r\n${'a'.repeat(0x200)}\r\n`);
    });
    const outcome = await settle(client(newAdapter(), srv.address).get('/v1/x', { maxContentLength: 1024 }));
    expect(!outcome.ok && (outcome.error as AxiosError).message).toBe('maxContentLength size of 1024 exceeded');
    await until(() => srv.closed() >= 1, 1000);
  });

  it('gzip and br bombs stop at the cap (and quickly)', async () => {
    const zeros = Buffer.alloc(16 * 1024 * 1024);
    const bombs: Record<string, Buffer> = { gzip: gzipSync(zeros), br: brotliCompressSync(zeros) };
    const srv = await hostile((socket, head) => {
      const encoding = head.includes('/gzip') ? 'gzip' : 'br';
      const body = bombs[encoding]!;
      socket.write(`${HEAD_OK}Content-Encoding: ${encoding}\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body);
    });
    const http = client(newAdapter({ maxResponseBytes: 1024 * 1024 }), srv.address);
    for (const path of ['/gzip', '/br']) {
      const started = performance.now();
      const outcome = await settle(http.get(path));
      expect(!outcome.ok && (outcome.error as AxiosError).message, path).toBe('maxContentLength size of 1048576 exceeded');
      expect(performance.now() - started).toBeLessThan(3000);
    }
  });

  it('a body that is not valid gzip fails with zlib error, and the next request works', async () => {
    let n = 0;
    const srv = await hostile((socket) => {
      n += 1;
      if (n === 1) socket.write(`${HEAD_OK}Content-Encoding: gzip\r\nContent-Length: 4\r\n\r\nnope`);
      else socket.write(`${HEAD_OK}Content-Length: 2\r\n\r\n{}`);
    });
    const http = client(newAdapter({ connections: 1 }), srv.address);
    const outcome = await settle(http.get('/v1/x'));
    expect(!outcome.ok && (outcome.error as AxiosError).code).toBe('Z_DATA_ERROR');
    expect((await http.get('/v1/y')).data).toBe('{}');
  });
});

describe('informational and odd answers', () => {
  it('skips 102 Processing and 103 Early Hints, then reads the final answer', async () => {
    const srv = await hostile((socket) =>
      socket.write(
        'HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' + `${HEAD_OK}Content-Length: 11\r\n\r\n{"ok":true}`,
      ),
    );
    const answer = await client(newAdapter(), srv.address).get<string>('/v1/x');
    expect(answer.status).toBe(200);
    expect(answer.data).toBe('{"ok":true}');
    expect(answer.headers['link']).toBeUndefined();
  });

  it('an unrequested 101 Switching Protocols fails the request (no hang)', async () => {
    const srv = await hostile((socket) =>
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'),
    );
    const d = deadline(3000);
    const outcome = await settle(client(newAdapter(), srv.address).get('/v1/x', { signal: d as unknown as AbortSignal }));
    expect(outcome.ok).toBe(false);
    expect(axios.isCancel((outcome as { error: unknown }).error)).toBe(false);
  });

  it('repeated headers come as arrays (the first content-encoding decides)', async () => {
    const body = gzipSync(Buffer.from('{"a":1}'));
    const srv = await hostile((socket) => {
      socket.write(`${HEAD_OK}X-Warn: a\r\nX-Warn: b\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body);
    });
    const answer = await client(newAdapter(), srv.address).get<string>('/v1/x');
    expect(answer.headers['x-warn']).toEqual(['a', 'b']);
    expect(answer.data).toBe('{"a":1}');
  });

  it('conflicting Content-Length headers fail the request', async () => {
    const srv = await hostile((socket) => socket.write(`${HEAD_OK}Content-Length: 2\r\nContent-Length: 5\r\n\r\n{}`));
    const outcome = await settle(client(newAdapter(), srv.address).get('/v1/x'));
    expect(outcome.ok).toBe(false);
  });
});

describe('large-body slots', () => {
  const MiB = 1024 * 1024;

  it('a waiting large body whose deadline fires gives up its place; a read reset mid-body gives its slot back', async () => {
    const srv = await hostile((socket, head) => {
      socket.write(`${HEAD_OK}Content-Length: ${3 * MiB}\r\n\r\n`);
      socket.write(Buffer.alloc(2 * MiB, 0x20));
      if (head.includes('/reset')) setTimeout(() => socket.resetAndDestroy(), 100);
    });
    const adapter = newAdapter({ largeBodiesAtOnce: 1 });
    const http = client(adapter, srv.address);
    const holding = settle(http.get('/reset'));
    await until(() => adapter.largeBodies.reading === 1);
    const d = deadline(50);
    const waiting = await settle(http.get('/wait', { signal: d as unknown as AbortSignal }));
    expect(!waiting.ok && axios.isCancel(waiting.error)).toBe(true);
    expect(d.listenerCount()).toBe(0);
    const held = await holding;
    expect(held.ok).toBe(false);
    await until(() => adapter.largeBodies.reading === 0 && adapter.largeBodies.waiting === 0);
  });

  it('a chunked large body that ends while waiting for a slot is decoded once the slot comes', async () => {
    let release: (() => void) | undefined;
    const srv = await hostile((socket, head) => {
      if (head.includes('/first')) {
        socket.write(`${HEAD_OK}Content-Length: ${2 * MiB}\r\n\r\n`);
        socket.write(Buffer.alloc(MiB + 10, 0x20));
        release = () => socket.write(Buffer.alloc(MiB - 10, 0x20));
        return;
      }
      const chunk = Buffer.alloc(MiB / 2, 0x61);
      socket.write(`${HEAD_OK}Transfer-Encoding: chunked\r\n\r\n`);
      const parts: Buffer[] = [];
      for (let i = 0; i < 3; i += 1) parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
      parts.push(Buffer.from('0\r\n\r\n'));
      socket.write(Buffer.concat(parts));
    });
    const adapter = newAdapter({ largeBodiesAtOnce: 1 });
    const http = client(adapter, srv.address);
    const first = http.get<string>('/first');
    await until(() => adapter.largeBodies.reading === 1 && release !== undefined);
    const second = http.get<string>('/second');
    await until(() => adapter.largeBodies.waiting === 1);
    release!();
    expect((await first).data).toHaveLength(2 * MiB);
    expect((await second).data).toHaveLength(3 * (MiB / 2));
    expect(adapter.largeBodies).toEqual({ reading: 0, waiting: 0 });
  });
});
