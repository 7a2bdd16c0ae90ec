import type { VaultRequest, VaultResponse } from '../../lib/contracts/vault-request.js';
import type { TaskScheduler } from '../../lib/timing/task-scheduler.js';
import type { VaultTransport } from '../../lib/transport/vault-transport.js';
import type { TokenSource } from '../../lib/contracts/token-source.js';
import { vi } from 'vitest';
import { flush, until } from './async.js';

/**
 * A {@link TaskScheduler} on a movable clock (the test server's frozen clock, so Vault's TTLs and
 * the module's timers move together). `advance(ms)` runs every task that falls due, in time
 * order, letting the HTTP round trips each one starts finish before the next.
 */
export class FakeTime implements TaskScheduler {
  readonly #tasks = new Map<string, { at: number; task: () => void }>();
  readonly history: Array<{ name: string; at: number }> = [];

  constructor(
    private readonly clock: { now(): number; advance(ms: number): void },
    private readonly idle: () => Promise<void>,
  ) {}

  now(): number {
    return this.clock.now();
  }

  schedule(name: string, delayMs: number, task: () => void): void {
    this.#tasks.set(name, { at: this.clock.now() + Math.max(0, delayMs), task });
  }

  cancel(name: string): void {
    this.#tasks.delete(name);
  }

  cancelAll(): void {
    this.#tasks.clear();
  }

  pending(): string[] {
    return [...this.#tasks.keys()];
  }

  /** When the task of that name runs (ms since the epoch), if scheduled. */
  dueAt(name: string): number | undefined {
    return this.#tasks.get(name)?.at;
  }

  /** Moves time forward by `ms`, running due tasks in order (each with its I/O settled). */
  async advance(ms: number): Promise<void> {
    const target = this.clock.now() + ms;
    await this.idle();
    for (;;) {
      const next = [...this.#tasks.entries()].filter(([, t]) => t.at <= target).sort(([, a], [, b]) => a.at - b.at)[0];
      if (!next) break;
      const [name, { at, task }] = next;
      if (at > this.clock.now()) this.clock.advance(at - this.clock.now());
      this.#tasks.delete(name);
      this.history.push({ name, at });
      task();
      await this.idle();
    }
    if (target > this.clock.now()) this.clock.advance(target - this.clock.now());
  }
}

/** A transport wrapper that knows how many requests are in flight, so tests wait for quiet instead of sleeping. */
export class CountingTransport implements VaultTransport {
  inFlight = 0;

  constructor(private readonly inner: VaultTransport) {}

  get address(): string {
    return this.inner.address;
  }

  useTokenSource(tokens: TokenSource): void {
    this.inner.useTokenSource(tokens);
  }

  async request<TBody = unknown>(req: VaultRequest): Promise<VaultResponse<TBody>> {
    this.inFlight += 1;
    try {
      return await this.inner.request<TBody>(req);
    } finally {
      this.inFlight -= 1;
    }
  }

  resetCircuits(): void {
    this.inner.resetCircuits?.();
  }

  close(): void {
    this.inner.close();
  }

  /** Resolves once no request has been in flight for a few event-loop turns. */
  async quiet(): Promise<void> {
    for (let calm = 0; calm < 5;) {
      await until(() => this.inFlight === 0);
      await new Promise<void>((resolve) => setImmediate(resolve));
      calm = this.inFlight === 0 ? calm + 1 : 0;
    }
  }
}

/**
 * Moves Vitest's fake timers `ms` forward in `stepMs` steps, letting real I/O (an HTTP round trip a
 * due timer started) settle after each step. For specs that call `vi.useFakeTimers({ toFake: [...] })`
 * without faking setImmediate. No wall-clock wait.
 */
export async function elapseFakeTimers(ms: number, stepMs = 100): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += stepMs) {
    await vi.advanceTimersByTimeAsync(Math.min(stepMs, ms - elapsed));
    await flush();
  }
}
