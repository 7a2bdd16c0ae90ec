import { describe, expect, it } from 'vitest';
import { Deadline } from '../../lib/timing/deadline.js';
import { RequestLimiter } from '../../lib/transport/request-limiter.js';
import { until } from '../support/async.js';

describe('Deadline (the per-call deadline of VaultClient)', () => {
  it('fires once its time has passed: aborted, a TimeoutError reason, every listener called once', async () => {
    const deadline = new Deadline(1);
    let calls = 0;
    deadline.addEventListener('abort', () => (calls += 1));
    const removed = (): void => {
      calls += 100;
    };
    deadline.addEventListener('abort', removed);
    deadline.removeEventListener('abort', removed);
    expect(deadline.aborted).toBe(false);
    await until(() => deadline.aborted);
    expect(calls).toBe(1);
    expect(deadline.reason).toBeInstanceOf(DOMException);
    expect((deadline.reason as DOMException).name).toBe('TimeoutError');
  });

  it('never fires once cleared (the call settled first)', async () => {
    const cleared = new Deadline(1);
    cleared.clear();
    const control = new Deadline(1);
    await until(() => control.aborted);
    expect(cleared.aborted).toBe(false);
    expect(cleared.reason).toBeUndefined();
  });

  it('gives a real AbortSignal that aborts with it, already aborted when asked for late', async () => {
    const deadline = new Deadline(1);
    const signal = deadline.signal;
    expect(signal).toBeInstanceOf(AbortSignal);
    await until(() => deadline.aborted);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(deadline.reason);
    const late = new Deadline(1);
    await until(() => late.aborted);
    expect(late.signal.aborted).toBe(true);
  });

  it('takes a waiting task out of the RequestLimiter queue when it fires', async () => {
    const limiter = new RequestLimiter(1);
    let release = (): void => undefined;
    const busy = limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    const deadline = new Deadline(1);
    let ran = false;
    const waiting = limiter.run(
      async () => {
        ran = true;
      },
      'normal',
      deadline,
    );
    const reason = await waiting.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(reason).toBe(deadline.reason);
    expect((reason as DOMException).name).toBe('TimeoutError');
    expect(limiter.queued).toBe(0);
    release();
    await busy;
    expect(ran).toBe(false);
  });
});
