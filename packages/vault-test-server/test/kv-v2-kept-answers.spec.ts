/**
 * KV v2 keeps the JSON text of stored version data and LIST answers per prefix, and the router
 * handles bodiless requests without reading a body. None of that may change what a client sees:
 * every read and LIST reflects the writes before it (REFERENCE §1), and pipelined requests on one
 * connection, with and without bodies, are handled and answered in the order they were sent.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { envelope, root, startServer, unique } from './support.js';

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

interface Read {
  data: Record<string, unknown> | null;
  metadata: { version: number; destroyed: boolean; deletion_time: string; custom_metadata: Record<string, string> | null };
}

async function read(path: string, query = ''): Promise<{ status: number; body: Read }> {
  const answer = await root(server, 'GET', `secret/data/${path}${query}`);
  return { status: answer.status, body: (answer.json as { data: Read }).data };
}

async function list(prefix: string): Promise<string[] | number> {
  const answer = await root(server, 'LIST', `secret/metadata/${prefix}`);
  return answer.status === 200 ? envelope<{ keys: string[] }>(answer).data.keys : answer.status;
}

describe('KV v2 reads and LISTs after each kind of change', () => {
  it('a read reflects write, patch, delete, undelete, destroy, custom_metadata and a refused cas', async () => {
    const path = unique('kept');
    await root(server, 'POST', `secret/data/${path}`, { body: { data: { a: '1', nested: { x: 1 } } } });
    expect((await read(path)).body.data).toEqual({ a: '1', nested: { x: 1 } });
    await root(server, 'POST', `secret/data/${path}`, { body: { data: { a: '2' } } });
    expect((await read(path)).body.data).toEqual({ a: '2' });
    expect((await read(path, '?version=1')).body.data).toEqual({ a: '1', nested: { x: 1 } });
    await root(server, 'PATCH', `secret/data/${path}`, {
      body: { data: { b: '3', a: null } },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect((await read(path)).body.data).toEqual({ b: '3' });
    expect((await read(path, '?version=2')).body.data).toEqual({ a: '2' });
    const refused = await root(server, 'POST', `secret/data/${path}`, { body: { options: { cas: 1 }, data: { a: 'cas' } } });
    expect(refused.status).toBe(400);
    expect((await read(path)).body.data).toEqual({ b: '3' });
    await root(server, 'POST', `secret/metadata/${path}`, { body: { custom_metadata: { owner: 'team-a' } } });
    expect((await read(path)).body.metadata.custom_metadata).toEqual({ owner: 'team-a' });
    await root(server, 'DELETE', `secret/data/${path}`);
    const deleted = await read(path);
    expect(deleted.status).toBe(404);
    expect(deleted.body.data).toBeNull();
    expect(deleted.body.metadata.deletion_time).not.toBe('');
    await root(server, 'POST', `secret/undelete/${path}`, { body: { versions: [3] } });
    expect((await read(path)).body.data).toEqual({ b: '3' });
    await root(server, 'POST', `secret/destroy/${path}`, { body: { versions: [3] } });
    const destroyed = await read(path);
    expect(destroyed.status).toBe(404);
    expect(destroyed.body.metadata.destroyed).toBe(true);
    expect((await read(path, '?version=1')).body.data).toEqual({ a: '1', nested: { x: 1 } });
    await root(server, 'DELETE', `secret/metadata/${path}`);
    expect((await read(path, '?version=1')).status).toBe(404);
    await root(server, 'POST', `secret/data/${path}`, { body: { data: { again: true } } });
    const recreated = await read(path);
    expect(recreated.body.data).toEqual({ again: true });
    expect(recreated.body.metadata.version).toBe(1);
  });

  it('a LIST reflects keys added, a metadata delete, a re-created key and nested folders, per prefix', async () => {
    const base = unique('lists');
    const put = (key: string) => root(server, 'POST', `secret/data/${base}/${key}`, { body: { data: { v: key } } });
    await put('a');
    expect(await list(base)).toEqual(['a']);
    expect(await list(`${base}/f`)).toBe(404);
    await put('b');
    await put('f/c');
    expect(await list(base)).toEqual(['a', 'b', 'f/']);
    expect(await list(`${base}/f`)).toEqual(['c']);
    // Writes, deletes and destroys of an existing key keep the listing.
    await put('a');
    await root(server, 'DELETE', `secret/data/${base}/a`);
    await root(server, 'POST', `secret/destroy/${base}/b`, { body: { versions: [1] } });
    expect(await list(base)).toEqual(['a', 'b', 'f/']);
    await root(server, 'DELETE', `secret/metadata/${base}/f/c`);
    expect(await list(base)).toEqual(['a', 'b']);
    expect(await list(`${base}/f`)).toBe(404);
    await root(server, 'POST', `secret/metadata/${base}/m`, { body: { max_versions: 3 } });
    expect(await list(base)).toEqual(['a', 'b', 'm']);
    // A listing a client changes is not the server's.
    const listing = (await list(base)) as string[];
    listing.push('z');
    expect(await list(base)).toEqual(['a', 'b', 'm']);
  });
});

/** Sends `raw` on one connection (in `parts`, the later ones after `gapMs`) and returns the answers' status lines and bodies in order. */
async function pipelined(parts: string[], count: number, gapMs = 30): Promise<Array<{ status: number; body: string }>> {
  const { hostname, port } = new URL(server.address);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = Buffer.alloc(0);
  const answers: Array<{ status: number; body: string }> = [];
  const done = new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      for (;;) {
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = received.subarray(0, end).toString('latin1');
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (received.length < end + 4 + length) return;
        answers.push({ status: Number(head.slice(9, 12)), body: received.subarray(end + 4, end + 4 + length).toString('utf8') });
        received = received.subarray(end + 4 + length);
        if (answers.length === count) return resolve();
      }
    });
  });
  for (const [i, part] of parts.entries()) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    socket.write(part);
  }
  await done;
  socket.destroy();
  return answers;
}

function request(method: string, path: string, body?: unknown): string {
  const text = body === undefined ? '' : JSON.stringify(body);
  const framing = body === undefined ? '' : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n`;
  return `${method} /v1/${path} HTTP/1.1\r\nHost: vault\r\nX-Vault-Token: ${server.rootToken}\r\n${framing}\r\n${text}`;
}

const valueOf = (answer: { body: string }): unknown => (JSON.parse(answer.body) as { data: { data: { v: unknown } } }).data.data.v;

describe('pipelined requests on one connection', () => {
  it('with and without bodies, in one write: handled and answered in order', async () => {
    const path = unique('pipe');
    const answers = await pipelined(
      [
        request('POST', `secret/data/${path}`, { data: { v: 1 } }) +
          request('GET', `secret/data/${path}`) +
          request('POST', `secret/data/${path}`, { data: { v: 2 } }) +
          request('GET', `secret/data/${path}`) +
          request('DELETE', `secret/metadata/${path}`) +
          request('GET', `secret/data/${path}`) +
          request('POST', `secret/data/${path}`, { data: { v: 3 } }) +
          request('GET', `secret/data/${path}?list=true`.replace('data', 'metadata').replace(`/${path}`, '')) +
          request('GET', `secret/data/${path}`),
      ],
      9,
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 204, 404, 200, 200, 200]);
    expect(valueOf(answers[1]!)).toBe(1);
    expect(valueOf(answers[3]!)).toBe(2);
    expect((JSON.parse(answers[7]!.body) as { data: { keys: string[] } }).data.keys).toContain(path);
    expect(valueOf(answers[8]!)).toBe(3);
  });

  it('bodiless requests behind a body that arrives late wait for it', async () => {
    const path = unique('late');
    const write = request('POST', `secret/data/${path}`, { data: { v: 'late' } });
    const cut = write.length - 5;
    const answers = await pipelined(
      [write.slice(0, cut), write.slice(cut) + request('GET', `secret/data/${path}`) + request('DELETE', `secret/data/${path}`)],
      3,
      100,
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 204]);
    expect(valueOf(answers[1]!)).toBe('late');
  });

  it('a bodiless change followed by reads, in one write: the reads see the change', async () => {
    const path = unique('bodiless');
    await root(server, 'POST', `secret/data/${path}`, { body: { data: { v: 'x' } } });
    const answers = await pipelined(
      [
        request('DELETE', `secret/data/${path}`) +
          request('GET', `secret/data/${path}`) +
          request('DELETE', `secret/metadata/${path}`) +
          request('GET', `secret/data/${path}`),
      ],
      4,
    );
    expect(answers.map((a) => a.status)).toEqual([204, 404, 204, 404]);
    expect((JSON.parse(answers[1]!.body) as { data: unknown }).data).toEqual({ data: null, metadata: expect.anything() });
  });

  it('a body holding the bytes of a LIST head stays a body: the shim follows Content-Length, the next request is answered', async () => {
    const path = unique('shim');
    await root(server, 'POST', `secret/data/${path}`, { body: { data: { v: 'kept' } } });
    const fake = `\r\n\r\nLIST /v1/secret/metadata/ HTTP/1.1\r\nHost: v\r\n\r\n`;
    const post = `POST /v1/secret/data/${path} HTTP/1.1\r\nHost: vault\r\nX-Vault-Token: ${server.rootToken}\r\nContent-Type: application/json\r\nContent-Length: ${fake.length}\r\n\r\n${fake}`;
    const answers = await pipelined([post + request('LIST', 'secret/metadata/') + request('GET', `secret/data/${path}`)], 3);
    expect(answers.map((a) => a.status)).toEqual([400, 200, 200]);
    expect((JSON.parse(answers[1]!.body) as { data: { keys: string[] } }).data.keys).toContain(path);
    expect(valueOf(answers[2]!)).toBe('kept');
  });
});
