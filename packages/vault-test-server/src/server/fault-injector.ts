/**
 * Fault injection: rules matched before routing (also for `sys/health`/`sys/seal-status`) that
 * add latency, answer a canned status, or drop the connection.
 */
import { matchesFilter } from './request-log.js';

/** A fault rule. */
export interface FaultRule {
  /** HTTP method to match (case-insensitive; `LIST` also matches `GET ?list=true`). Any when omitted. */
  readonly method?: string;
  /** Exact path without `/v1/` (no query), or a RegExp tested against it. Any when omitted. */
  readonly path?: string | RegExp;
  /** Answer with this status instead of handling the request. */
  readonly status?: number;
  /** Body for `status`: a string is sent as-is, anything else JSON-encoded. Default `{"errors":[]}` for status ≥ 400, empty otherwise. */
  readonly body?: unknown;
  /** Extra response headers for `status`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this many **milliseconds** (real time) first, then continue (or apply `status`/`drop`). */
  readonly latencyMs?: number;
  /** Destroy the socket without answering. */
  readonly drop?: boolean;
  /** How many requests the rule applies to (default unlimited). */
  readonly times?: number;
}

/** The public face of the fault injector (`server.faults`). */
export interface VaultFaults {
  /** Adds a rule; returns a function that removes it. */
  add(rule: FaultRule): () => void;
  /** Removes all rules. */
  clear(): void;
}

interface ActiveRule {
  readonly rule: FaultRule;
  remaining: number;
}

/** Fault rules plus the timers of pending latency faults (cancelled on server stop). */
export class FaultInjector implements VaultFaults {
  private rules: ActiveRule[] = [];
  private readonly pending = new Set<{ timer: NodeJS.Timeout; resolve: (completed: boolean) => void }>();

  add(rule: FaultRule): () => void {
    validate(rule);
    const active: ActiveRule = { rule: { ...rule }, remaining: rule.times ?? Number.POSITIVE_INFINITY };
    this.rules.push(active);
    return () => {
      this.rules = this.rules.filter((candidate) => candidate !== active);
    };
  }

  clear(): void {
    this.rules = [];
  }

  /** Finds the first rule matching a request and consumes one of its `times`. */
  take(method: string, path: string, query: Readonly<Record<string, string | string[]>>): FaultRule | undefined {
    const active = this.rules.find((candidate) => matchesFilter(candidate.rule, method, path, query));
    if (!active) return undefined;
    active.remaining -= 1;
    if (active.remaining <= 0) this.rules = this.rules.filter((candidate) => candidate !== active);
    return active.rule;
  }

  /** Waits `ms` **milliseconds**; resolves false when cancelled by {@link cancelAll}. */
  delay(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.pending.delete(entry);
          resolve(true);
        }, ms),
        resolve,
      };
      this.pending.add(entry);
    });
  }

  /** Cancels every pending latency timer (server stop). */
  cancelAll(): void {
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.resolve(false);
    }
    this.pending.clear();
  }
}

function validate(rule: FaultRule): void {
  if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 1)) {
    throw new RangeError('FaultRule.times must be a positive integer');
  }
  if (rule.latencyMs !== undefined && (!Number.isFinite(rule.latencyMs) || rule.latencyMs < 0)) {
    throw new RangeError('FaultRule.latencyMs must be a number of milliseconds >= 0');
  }
  if (rule.status !== undefined && (!Number.isInteger(rule.status) || rule.status < 100 || rule.status > 599)) {
    throw new RangeError('FaultRule.status must be an HTTP status code (100-599)');
  }
}
