/**
 * The controllable clock of the Vault test server. Every expiry and TTL decision of the server
 * (token TTLs, KV `deletion_time`, `sys/health` `server_time_utc`) reads this clock, so tests
 * move time with {@link TestClock.advance} instead of sleeping.
 */

/** How the clock moves on its own. */
export type TestClockMode =
  /** Time only moves when `advance`/`set` is called (deterministic; default for tests). */
  | 'frozen'
  /** Time follows the wall clock plus whatever offset `advance`/`set` added (used by the CLI). */
  | 'realtime';

/** Controllable time source. All values are **milliseconds** since the Unix epoch. */
export class TestClock {
  private baseMs: number;
  private readonly anchorWallMs: number;
  private lastNanosMs = Number.NaN;
  private nanosWithinMs = 0;
  private readonly changeListeners = new Set<(nowMs: number) => void>();

  /**
   * @param startMs start time in milliseconds since the epoch (default: the real current time)
   * @param mode `frozen` (default) or `realtime`
   */
  constructor(
    startMs: number = Date.now(),
    /** `frozen` or `realtime` (see {@link TestClockMode}). */
    readonly mode: TestClockMode = 'frozen',
  ) {
    assertFinite(startMs, 'startMs');
    this.baseMs = startMs;
    this.anchorWallMs = Date.now();
  }

  /** Current time in **milliseconds** since the Unix epoch. */
  now(): number {
    if (this.mode === 'realtime') return this.baseMs + (Date.now() - this.anchorWallMs);
    return this.baseMs;
  }

  /** Moves the clock forward by `ms` **milliseconds** (must be ≥ 0). */
  advance(ms: number): void {
    assertFinite(ms, 'ms');
    if (ms < 0) throw new RangeError('TestClock.advance: ms must be >= 0; use set() to go back in time');
    this.baseMs += ms;
    this.notifyChange();
  }

  /** Sets the clock to `ms` **milliseconds** since the Unix epoch (may go backwards). */
  set(ms: number): void {
    assertFinite(ms, 'ms');
    this.baseMs += ms - this.now();
    this.notifyChange();
  }

  /**
   * Registers a listener called synchronously after every {@link advance} / {@link set} with the
   * new time in ms (the server's lease reaper hooks in here). Returns its remover.
   */
  onChange(listener: (nowMs: number) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private notifyChange(): void {
    const now = this.now();
    for (const listener of [...this.changeListeners]) listener(now);
  }

  /**
   * Current time in **nanoseconds** since the epoch, for Vault's RFC3339Nano timestamps.
   * The millisecond part is {@link now}; the sub-millisecond part is synthesised so that two
   * calls within the same millisecond are strictly increasing (a soft-delete followed by a read
   * at the same frozen instant sees the deletion as past, like on a real server).
   */
  nowNanos(): bigint {
    const ms = Math.floor(this.now());
    if (ms === this.lastNanosMs && this.nanosWithinMs < 999_999) {
      this.nanosWithinMs += 1;
    } else if (ms !== this.lastNanosMs) {
      this.lastNanosMs = ms;
      this.nanosWithinMs = 1 + Math.floor(Math.random() * 400_000);
    }
    return BigInt(ms) * 1_000_000n + BigInt(this.nanosWithinMs);
  }
}

function assertFinite(value: number, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`TestClock: ${name} must be a finite number of milliseconds`);
  }
}
