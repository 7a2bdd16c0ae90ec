/**
 * Issue 21: the adapter reads answers through a dispatch handler (lib/transport/response-collector.ts)
 * instead of a Readable stream per response. What the stream and `pool.request` did for it must
 * still hold: decompression, the size cap, the signal (AbortSignal or Deadline) with no listener
 * left behind, the large-body slots, 1xx answers skipped.
 */
import { getEventListeners } from 'node:events';
import type http from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import axios, { AxiosError, AxiosHeaders } from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { UndiciAdapter } from '../../lib/transport/undici.adapter.js';
import { Deadline, type AbortLike } from '../../lib/timing/deadline.js';
import { rawServer } from '../support/raw-vault-server.js';
import { settle, until } from '../support/async.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function newAdapter(connections = 8, maxResponseBytes = 16 * 1024 * 1024): UndiciAdapter {
  const adapter = new UndiciAdapter({ tls: { rejectUnauthorized: true }, connectTimeoutMs: 2000, maxResponseBytes, connections });
  cleanups.push(() => adapter.destroy());
  return adapter;
}

function axiosOn(adapter: UndiciAdapter, address: string) {
  return axios.create({ baseURL: address, adapter: adapter.adapter, responseType: 'text', transformResponse: [(d: unknown) => d] });
}

async function server(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const srv = await rawServer(handler);
  cleanups.push(() => srv.stop());
  return srv;
}

/** An AbortLike (the shape of the client's Deadline) that counts its listeners. */
function countingSignal(): AbortLike & { listeners: number; fire(): void } {
  const listeners = new Set<() => void>();
  let aborted = false;
  return {
    get aborted() {
      return aborted;
    },
    reason: new DOMException('no answer within 1 ms', 'TimeoutError'),
    get listeners() {
      return listeners.size;
    },
    addEventListener: (_type, listener) => void listeners.add(listener),
    removeEventListener: (_type, listener) => void listeners.delete(listener),
    fire() {
      aborted = true;
      for (const listener of [...listeners]) listener();
    },
  };
}

describe('answers read through the dispatch handler', () => {
  it('decodes gzip, deflate and br bodies as UTF-8, with the headers lowercased and a repeated one as an array', async () => {
    const text = JSON.stringify({ data: { value: 'ünïcødé ✓' } });
    const encoders: Record<string, (b: Buffer) => Buffer> = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
    const srv = await server((req, res) => {
      const encoding = (req.url ?? '').slice(1);
      const body = encoding in encoders ? encoders[encoding]!(Buffer.from(text)) : Buffer.from(text);
      res.writeHead(200, [
        ['Content-Type', 'application/json'],
        ['Content-Encoding', encoding === 'none' ? 'identity' : encoding],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
      ]);
      res.end(body);
    });
    const client = axiosOn(newAdapter(), srv.address);
    for (const encoding of ['gzip', 'deflate', 'br', 'none']) {
      const answer = await client.get<string>(`/${encoding}`);
      expect(answer.data, encoding).toBe(text);
      expect(answer.status).toBe(200);
      expect(answer.statusText).toBe('');
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    }
  });

  it('skips a 103 Early Hints answer and returns the final one', async () => {
    const srv = await server((_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    });
    const answer = await axiosOn(newAdapter(), srv.address).get<string>('/v1/x');
    expect(answer.status).toBe(200);
    expect(answer.data).toBe('{"ok":true}');
    expect(answer.headers.link).toBeUndefined();
  });

  it('fails a body over maxContentLength, declared (before the body arrives), streamed, or once decompressed', async () => {
    const held: http.ServerResponse[] = [];
    cleanups.push(() => held.forEach((res) => res.destroy()));
    const srv = await server((req, res) => {
      if (req.url === '/declared') {
        // Declares 2 KiB and sends none of it: the cap must not wait for the body.
        res.writeHead(200, { 'Content-Length': '2048' });
        res.flushHeaders();
        return void held.push(res);
      }
      if (req.url === '/gzip') {
        res.writeHead(200, { 'Content-Encoding': 'gzip' });
        return res.end(gzipSync(Buffer.alloc(4096, 0x61)));
      }
      res.writeHead(200);
      res.end(Buffer.alloc(2048, 0x61));
    });
    const client = axiosOn(newAdapter(), srv.address);
    for (const path of ['/declared', '/streamed', '/gzip']) {
      const outcome = await settle(client.get<string>(path, { maxContentLength: 1024 }));
      const error = !outcome.ok && (outcome.error as AxiosError);
      expect(error, path).toBeInstanceOf(AxiosError);
      expect((error as AxiosError).message).toBe('maxContentLength size of 1024 exceeded');
      expect((error as AxiosError).code).toBe(AxiosError.ERR_BAD_RESPONSE);
      expect((error as AxiosError).config?.url).toBe(path);
    }
  });

  it('leaves no abort listener on the signal once each exchange settles, whatever the outcome', async () => {
    const srv = await server((req, res) => {
      if (req.url === '/drop') return req.socket.destroy();
      res.writeHead(req.url === '/fail' ? 500 : 200);
      res.end('{}');
    });
    const adapter = newAdapter();
    const client = axiosOn(adapter, srv.address);
    const controller = new AbortController();
    const deadlineLike = countingSignal();
    for (let i = 0; i < 20; i += 1) {
      for (const path of ['/ok', '/fail', '/drop']) {
        await settle(client.get(path, { signal: controller.signal }));
        await settle(client.get(path, { signal: deadlineLike as unknown as AbortSignal }));
      }
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(deadlineLike.listeners).toBe(0);
  });

  it('fails at once, sending nothing, when the signal has already fired', async () => {
    const srv = await server((_req, res) => res.end('{}'));
    const adapter = newAdapter();
    const signal = countingSignal();
    signal.fire();
    const config = { url: `${srv.address}/v1/x`, method: 'get', headers: new AxiosHeaders(), signal };
    const outcome = await settle(adapter.adapter(config as never) as Promise<unknown>);
    expect(!outcome.ok && (outcome.error as AxiosError).cause).toBe(signal.reason);
    expect(srv.requests).toHaveLength(0);
    expect(signal.listeners).toBe(0);
  });

  it('fails a request whose signal fires while it waits in the pool for a connection, and never sends it', async () => {
    const held: http.ServerResponse[] = [];
    const srv = await server((req, res) => {
      if (req.url === '/hold') return void held.push(res);
      res.end('{}');
    });
    const adapter = newAdapter(1);
    const client = axiosOn(adapter, srv.address);
    const first = client.get<string>('/hold');
    await until(() => held.length === 1);
    const controller = new AbortController();
    const late = settle(client.get<string>('/late', { signal: controller.signal }));
    controller.abort();
    // axios reports a rejection after its signal fired as its own cancellation.
    const outcome = await late;
    expect(!outcome.ok && axios.isCancel(outcome.error)).toBe(true);
    expect(held).toHaveLength(1);
    held[0]!.end('{}');
    expect((await first).data).toBe('{}');
    expect((await client.get<string>('/after')).data).toBe('{}');
    expect(srv.requests.map((r) => r.url)).toEqual(['/hold', '/after']);
  });
});

describe('the deadline during a large body', () => {
  it('a Deadline firing mid-body aborts the read, frees its large-body slot and closes the connection', async () => {
    const SIZE = 3 * 1024 * 1024;
    let closed = false;
    const srv = await server((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(SIZE) });
      res.write(Buffer.alloc(SIZE / 2, 0x20)); // the rest never comes
      res.on('close', () => (closed = true));
    });
    const adapter = newAdapter();
    const client = axiosOn(adapter, srv.address);
    const deadline = new Deadline(300);
    cleanups.push(() => deadline.clear());
    const read = settle(client.get<string>('/v1/big', { signal: deadline as unknown as AbortSignal }));
    await until(() => adapter.largeBodies.reading === 1);
    const outcome = await read;
    expect(deadline.aborted).toBe(true);
    expect(!outcome.ok && axios.isCancel(outcome.error)).toBe(true);
    expect(adapter.largeBodies).toEqual({ reading: 0, waiting: 0 });
    await until(() => closed);
  });

  it('large bodies that fail while reading or waiting for a slot (the adapter destroyed) give every slot back', async () => {
    const SIZE = 3 * 1024 * 1024;
    const held: http.ServerResponse[] = [];
    const srv = await server((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(SIZE) });
      res.write(Buffer.alloc(SIZE / 2, 0x20)); // the rest never comes
      held.push(res);
    });
    const adapter = newAdapter();
    const client = axiosOn(adapter, srv.address);
    const reads = ['/a', '/b', '/c'].map((path) => settle(client.get<string>(path)));
    await until(() => held.length === 3 && adapter.largeBodies.reading === 2 && adapter.largeBodies.waiting === 1);
    await adapter.destroy();
    const outcomes = await Promise.all(reads);
    expect(outcomes.map((o) => !o.ok && (o.error as AxiosError).code)).toEqual([
      'UND_ERR_DESTROYED',
      'UND_ERR_DESTROYED',
      'UND_ERR_DESTROYED',
    ]);
    // The waiting read failed first; the slot it is granted afterwards is freed at once.
    await until(() => adapter.largeBodies.reading === 0 && adapter.largeBodies.waiting === 0);
  });
});
