import { afterEach, describe, expect, it } from 'vitest';
import { TimerScheduler } from '../../lib/timing/task-scheduler.js';
import { KvEventSubscriber, KV_EVENTS_RECONNECT_NAME } from '../../lib/core/rotation/kv-event.subscriber.js';
import { CapturingLogger as Capture } from '../support/capture-logs.js';
import { FakeEvents, frame } from '../support/fake-events-server.js';
import { sleep, waitFor } from '../support/async.js';

const TOKEN = 'hvs.ATTACK3-SECRET-TOKEN-123456';
let fake: FakeEvents;
let sub: KvEventSubscriber | undefined;
let scheduler: TimerScheduler;
let logs: Capture;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown): void => void unhandled.push(e);

function make(over: Partial<ConstructorParameters<typeof KvEventSubscriber>[0]> = {}) {
  const changes: string[] = [];
  const keyOfCalls: string[] = [];
  sub = new KvEventSubscriber({
    address: fake.address,
    namespace: 'team-a/',
    tls: { rejectUnauthorized: true },
    token: () => Promise.resolve(TOKEN),
    keyOf: (p) => {
      keyOfCalls.push(p);
      return Promise.resolve(p.startsWith('secret/data/app/') ? p.slice('secret/data/app/'.length) : undefined);
    },
    onChange: (k) => void changes.push(k),
    scheduler,
    logger: logs,
    ...over,
  });
  return { sub, changes, keyOfCalls };
}

afterEach(async () => {
  sub?.stop();
  sub = undefined;
  process.off('unhandledRejection', onUnhandled);
  unhandled.length = 0;
  await fake?.close();
});

async function setup(): Promise<void> {
  fake = await new FakeEvents().listen();
  scheduler = new TimerScheduler();
  logs = new Capture();
  process.on('unhandledRejection', onUnhandled);
}

describe('subscriber: frames', () => {
  it('ignores malformed, binary, huge and foreign frames without throwing', async () => {
    await setup();
    const { sub, changes, keyOfCalls } = make();
    await sub.start();
    await waitFor(() => fake.sockets.size === 1);
    fake.send('not json');
    fake.send('null');
    fake.send('[]');
    fake.send('{"data":{"event":{"metadata":{"data_path":42}}}}');
    fake.send('{"data":{"event":null}}');
    fake.send(Buffer.from([0, 1, 2, 255, 254, 0x0a]), true);
    fake.send(Buffer.from(frame('secret/data/app/bin')), true); // binary frame carrying JSON
    fake.send('x'.repeat(8 * 1024 * 1024));
    fake.send(frame('other/data/app/config'));
    fake.send(frame('secret/data/appx/config'));
    fake.send(frame('secret/data/app/config'));
    await waitFor(() => changes.includes('config'));
    await sleep(100);
    expect(changes.filter((c) => c !== 'bin')).toEqual(['config']);
    expect(keyOfCalls).not.toContain(42);
    expect(unhandled).toEqual([]);
    expect(sub.toJSON()).toEqual({ connected: true });
  });

  it('sends token and namespace in headers, never in the URL', async () => {
    await setup();
    const { sub } = make();
    await sub.start();
    await waitFor(() => fake.upgrades.length === 1);
    const up = fake.upgrades[0]!;
    expect(up.headers['x-vault-token']).toBe(TOKEN);
    expect(up.headers['x-vault-namespace']).toBe('team-a/');
    expect(up.url).toBe('/v1/sys/events/subscribe/kv-v2%2Fdata-*?json=true');
    expect(up.url).not.toContain(TOKEN);
  });
});

describe('subscriber: refusal', () => {
  it('403 on upgrade: logged once, never retried, no timer left', async () => {
    await setup();
    fake.mode = { kind: 'refuse', status: 403 };
    const { sub } = make();
    await sub.start();
    await waitFor(() => logs.count(/refused the KV event subscription \(HTTP 403\)/) === 1);
    await sleep(2500);
    expect(fake.upgrades.length).toBe(1);
    expect(logs.count(/refused/)).toBe(1);
    expect(scheduler.pending()).toEqual([]);
    expect(logs.text).not.toContain(TOKEN);
  });

  it('regression: a transient 503 on upgrade (sealed/standby/LB) disables event subscription forever', async () => {
    await setup();
    fake.mode = { kind: 'refuse', status: 503 };
    const { sub, changes } = make();
    await sub.start();
    await waitFor(() => fake.upgrades.length === 1);
    fake.mode = { kind: 'accept' };
    // A reconnect is due within backoffDelayMs(0) <= 1 s; give it 2.5 s.
    await sleep(2500);
    expect(fake.upgrades.length).toBeGreaterThan(1);
    fake.send(frame('secret/data/app/config'));
    await sleep(100);
    expect(changes).toEqual(['config']);
  });
});

describe('subscriber: reconnects', () => {
  it('reconnects after a drop and stop() leaves no timer or socket', async () => {
    await setup();
    const { sub } = make();
    await sub.start();
    await waitFor(() => fake.sockets.size === 1);
    fake.dropAll();
    await waitFor(() => scheduler.pending().includes(KV_EVENTS_RECONNECT_NAME));
    await waitFor(() => fake.sockets.size === 1, 3000);
    fake.dropAll();
    await waitFor(() => scheduler.pending().includes(KV_EVENTS_RECONNECT_NAME));
    sub.stop();
    expect(scheduler.pending()).toEqual([]);
    await sleep(2200);
    expect(fake.sockets.size).toBe(0);
    expect(fake.upgrades.length).toBe(2);
  });

  it('regression: a server that accepts and immediately closes is reconnected at ~1/s forever (backoff reset on open)', async () => {
    await setup();
    fake.mode = { kind: 'accept-then-close' };
    const { sub } = make();
    await sub.start();
    await sleep(7000);
    // With a backoff that grows (1,2,4 s ...) there would be at most ~4 attempts in 7 s.
    const n = fake.upgrades.length;
    sub.stop();
    expect(n).toBeLessThanOrEqual(4);
  }, 15_000);

  it('regression: close() while the token is being fetched still opens a socket afterwards', async () => {
    await setup();
    let release!: (t: string) => void;
    const { sub } = make({ token: () => new Promise<string>((r) => (release = r)) });
    const started = sub.start();
    sub.stop();
    release(TOKEN);
    await started;
    await sleep(300);
    expect(fake.upgrades.length).toBe(0);
    expect(sub.toJSON()).toEqual({ connected: false });
  });

  it('regression: concurrent start() calls open two sockets', async () => {
    await setup();
    const { sub } = make();
    await Promise.all([sub.start(), sub.start()]);
    await sleep(300);
    expect(fake.sockets.size).toBe(1);
  });

  it('close() while the upgrade is in flight: socket aborted, no timer, no unhandled rejection', async () => {
    await setup();
    fake.mode = { kind: 'hang' };
    const { sub } = make();
    await sub.start();
    await waitFor(() => fake.hung.length === 1);
    sub.stop();
    await sleep(200);
    expect(scheduler.pending()).toEqual([]);
    expect(unhandled).toEqual([]);
    expect(fake.hung[0]!.destroyed || (fake.hung[0] as unknown as { readableEnded: boolean }).readableEnded).toBe(true);
  });

  it('regression: token lookup failing on a reconnect: unhandled rejection and the subscription is never retried', async () => {
    await setup();
    let fail = false;
    const { sub, changes } = make({
      token: () => (fail ? Promise.reject(new Error('vault unavailable')) : Promise.resolve(TOKEN)),
    });
    await sub.start();
    await waitFor(() => fake.sockets.size === 1);
    fail = true;
    fake.dropAll();
    await sleep(1500); // reconnect (<=1 s) fails to get a token
    fail = false;
    await sleep(4000); // a bounded backoff would retry by now
    const noUnhandled = unhandled.length === 0;
    fake.send(frame('secret/data/app/config'));
    await sleep(100);
    expect({ noUnhandled, reconnected: fake.upgrades.length > 1, changes }).toEqual({
      noUnhandled: true,
      reconnected: true,
      changes: ['config'],
    });
  }, 15_000);
});
