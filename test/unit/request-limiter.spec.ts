import { describe, expect, it } from 'vitest';
import { RequestLimiter } from '../../lib/transport/request-limiter.js';

/** A task that runs until `finish()` is called. */
function gate(): { task: () => Promise<string>; started: boolean; finish: () => void } {
  let finish = (): void => undefined;
  const state = {
    started: false,
    finish: () => finish(),
    task: () => {
      state.started = true;
      return new Promise<string>((resolve) => (finish = () => resolve('done')));
    },
  };
  return state;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('RequestLimiter', () => {
  it('runs at most `limit` tasks at once and starts the next one as a slot frees', async () => {
    const limiter = new RequestLimiter(2);
    const gates = [gate(), gate(), gate()];
    const runs = gates.map((g) => limiter.run(g.task));
    await turn();
    expect(gates.map((g) => g.started)).toEqual([true, true, false]);
    expect({ active: limiter.active, queued: limiter.queued }).toEqual({ active: 2, queued: 1 });
    gates[0]!.finish();
    await runs[0];
    await turn();
    expect(gates[2]!.started).toBe(true);
    gates[1]!.finish();
    gates[2]!.finish();
    expect(await Promise.all(runs)).toEqual(['done', 'done', 'done']);
    expect({ active: limiter.active, queued: limiter.queued }).toEqual({ active: 0, queued: 0 });
  });

  it('starts waiting high-priority tasks before normal ones, each queue in arrival order', async () => {
    const limiter = new RequestLimiter(1);
    const order: string[] = [];
    const first = gate();
    const running = limiter.run(first.task);
    const task = (name: string) => () => {
      order.push(name);
      return Promise.resolve(name);
    };
    const queued = [
      limiter.run(task('read-1')),
      limiter.run(task('read-2')),
      limiter.run(task('login'), 'high'),
      limiter.run(task('renew'), 'high'),
    ];
    first.finish();
    await Promise.all([running, ...queued]);
    expect(order).toEqual(['login', 'renew', 'read-1', 'read-2']);
  });

  it('a waiting task whose signal fires leaves the queue, rejects with the reason and never runs; a failing task frees its slot', async () => {
    const limiter = new RequestLimiter(1);
    const first = gate();
    const running = limiter.run(first.task);
    const controller = new AbortController();
    let ran = false;
    const waiting = limiter.run(
      () => {
        ran = true;
        return Promise.resolve();
      },
      'normal',
      controller.signal,
    );
    controller.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    expect(limiter.queued).toBe(0);
    first.finish();
    await running;
    expect(ran).toBe(false);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(() => Promise.resolve('next'))).resolves.toBe('next');
    expect(() => new RequestLimiter(0)).toThrow(RangeError);
  });
});
