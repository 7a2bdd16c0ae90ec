import { SchedulerRegistry } from '@nestjs/schedule';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffDelayMs } from '../../lib/timing/backoff.js';
import { boundedRetryDelayMs, renewDelayMs } from '../../lib/timing/renewal-timing.js';
import { MAX_TIMER_DELAY_MS, TimerScheduler } from '../../lib/timing/task-scheduler.js';

describe('renewal timing', () => {
  it('renews at about two thirds of the time left, jittered down by at most 10%', () => {
    expect(renewDelayMs(60_000, () => 0)).toBe(40_000);
    expect(renewDelayMs(60_000, () => 0.999)).toBeGreaterThanOrEqual(34_000);
    expect(renewDelayMs(60_000, () => 0.5)).toBeCloseTo(37_000, -1);
    expect(renewDelayMs(-5, () => 0)).toBe(0);
  });

  it('backs off exponentially with jitter and a ceiling', () => {
    expect(backoffDelayMs(0, () => 1)).toBe(1000);
    expect(backoffDelayMs(3, () => 1)).toBe(8000);
    expect(backoffDelayMs(3, () => 0)).toBe(4000);
    expect(backoffDelayMs(40, () => 1)).toBe(60_000);
  });

  it('never schedules a retry past the deadline', () => {
    const now = 1_000_000;
    expect(boundedRetryDelayMs(5, now, now + 10_000, () => 1)).toBe(9000);
    expect(boundedRetryDelayMs(0, now, now + 500, () => 1)).toBeUndefined();
  });
});

describe('TimerScheduler', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('registers its timeouts in SchedulerRegistry and removes them when they run or are cancelled', async () => {
    vi.useFakeTimers();
    const registry = new SchedulerRegistry();
    const scheduler = new TimerScheduler(registry);
    const ran: string[] = [];
    scheduler.schedule('secrets:a', 1000, () => ran.push('a'));
    scheduler.schedule('secrets:b', 2000, () => ran.push('b'));
    expect(registry.getTimeouts().sort()).toEqual(['secrets:a', 'secrets:b']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ran).toEqual(['a']);
    expect(registry.getTimeouts()).toEqual(['secrets:b']);
    scheduler.cancelAll();
    expect(registry.getTimeouts()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('replaces a task scheduled under the same name', async () => {
    vi.useFakeTimers();
    const scheduler = new TimerScheduler();
    const ran: number[] = [];
    scheduler.schedule('x', 1000, () => ran.push(1));
    scheduler.schedule('x', 3000, () => ran.push(2));
    await vi.advanceTimersByTimeAsync(3000);
    expect(ran).toEqual([2]);
  });

  it('reaches delays longer than a Node.js timer allows in steps', async () => {
    vi.useFakeTimers();
    const scheduler = new TimerScheduler();
    let ran = false;
    scheduler.schedule('long', MAX_TIMER_DELAY_MS + 5000, () => {
      ran = true;
    });
    await vi.advanceTimersByTimeAsync(MAX_TIMER_DELAY_MS);
    expect(ran).toBe(false);
    expect(scheduler.pending()).toEqual(['long']);
    await vi.advanceTimersByTimeAsync(5000);
    expect(ran).toBe(true);
  });
});
