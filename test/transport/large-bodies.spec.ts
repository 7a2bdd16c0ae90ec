/**
 * Issue 22 item 15: many huge answers at once. 32 concurrent 16 MiB answers were all buffered and
 * decoded at the same time (2.6 GB RSS). Bodies over 1 MiB are now read two at a time: the others
 * wait with their responses paused. (The 16 MiB cap itself, declared or streamed, is covered in
 * test/e2e/transport.spec.ts and test/security/hostile-inputs.spec.ts.)
 */
import type http from 'node:http';
import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { LARGE_BODIES_AT_ONCE, LARGE_BODY_BYTES, UndiciAdapter } from '../../lib/transport/undici.adapter.js';
import { rawServer } from '../support/raw-vault-server.js';
import { until } from '../support/async.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const SIZE = 3 * 1024 * 1024;

/** A server that sends the first 1.5 MiB of a 3 MiB answer and holds the rest until `finish()`. */
async function holdingServer(declareLength: boolean) {
  const held: http.ServerResponse[] = [];
  const server = await rawServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(SIZE) } : {}) });
    res.write(Buffer.alloc(SIZE / 2, 0x20));
    held.push(res);
  });
  cleanups.push(() => server.stop());
  const finish = (): void => {
    for (const res of held.splice(0)) res.end(Buffer.alloc(SIZE / 2, 0x20));
  };
  cleanups.push(finish);
  return { server, held, finish };
}

function axiosOn(adapter: UndiciAdapter, address: string) {
  return axios.create({ baseURL: address, adapter: adapter.adapter, responseType: 'text', transformResponse: [(d: unknown) => d] });
}

describe('bodies over 1 MiB are read two at a time', () => {
  it.each([true, false])('8 concurrent 3 MiB answers (content-length declared: %s): 2 read, 6 wait, all complete', async (declared) => {
    expect(LARGE_BODY_BYTES).toBe(1024 * 1024);
    const { server, held, finish } = await holdingServer(declared);
    const adapter = new UndiciAdapter({
      tls: { rejectUnauthorized: true },
      connectTimeoutMs: 2000,
      maxResponseBytes: 16 * 1024 * 1024,
      connections: 8,
    });
    cleanups.push(() => adapter.destroy());
    const client = axiosOn(adapter, server.address);
    const answers = Array.from({ length: 8 }, (_, i) => client.get<string>(`/v1/big${i}`));
    await until(() => held.length === 8 && adapter.largeBodies.waiting === 8 - LARGE_BODIES_AT_ONCE);
    expect(adapter.largeBodies).toEqual({ reading: LARGE_BODIES_AT_ONCE, waiting: 8 - LARGE_BODIES_AT_ONCE });
    finish();
    const texts = await Promise.all(answers);
    expect(texts.map((r) => r.data.length)).toEqual(Array(8).fill(SIZE));
    expect(adapter.largeBodies).toEqual({ reading: 0, waiting: 0 });
  });

  it('a request whose deadline fires while it waits for a slot fails, and gives back nothing it did not take', async () => {
    const { server, held, finish } = await holdingServer(true);
    const adapter = new UndiciAdapter({
      tls: { rejectUnauthorized: true },
      connectTimeoutMs: 2000,
      maxResponseBytes: 16 * 1024 * 1024,
      connections: 8,
    });
    cleanups.push(() => adapter.destroy());
    const client = axiosOn(adapter, server.address);
    const first = [client.get<string>('/v1/a'), client.get<string>('/v1/b')];
    await until(() => held.length === 2 && adapter.largeBodies.reading === 2);
    const controller = new AbortController();
    const late = client.get<string>('/v1/c', { signal: controller.signal }).then(
      () => 'answered',
      () => 'failed',
    );
    await until(() => adapter.largeBodies.waiting === 1);
    controller.abort();
    expect(await late).toBe('failed');
    expect(adapter.largeBodies).toEqual({ reading: 2, waiting: 0 });
    finish();
    await Promise.all(first);
    expect(adapter.largeBodies).toEqual({ reading: 0, waiting: 0 });
  });
});
