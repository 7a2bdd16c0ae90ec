/**
 * The request log of the test server, so tests can count calls (`server.requestCount(...)`).
 */

/** One handled request. */
export interface RequestLogEntry {
  /** HTTP method as sent (`GET`, `LIST`, `POST`...). */
  readonly method: string;
  /** Path without the `/v1/` prefix and without the query string (URL-decoded). */
  readonly path: string;
  /** Query parameters (repeated parameters become arrays). */
  readonly query: Readonly<Record<string, string | string[]>>;
  /** Status answered; 0 when the connection was dropped by a fault. */
  readonly status: number;
  /** Accessor of the token sent, when the server knew it (never the token itself). */
  readonly token?: string;
  /** Test-clock time of arrival, in **ms** since the epoch. */
  readonly at: number;
  /** The `X-Vault-Namespace` sent, canonical (`team-a/`); absent for the root namespace. */
  readonly namespace?: string;
}

/** Filter of {@link RequestLog.count}. */
export interface RequestFilter {
  /** Method, case-insensitive. `LIST` also matches `GET ...?list=true`. */
  readonly method?: string;
  /** Exact path (without `/v1/`) or a RegExp tested against it. */
  readonly path?: string | RegExp;
}

/** Whether a request matches a method/path filter (shared with fault rules). */
export function matchesFilter(
  filter: RequestFilter,
  method: string,
  path: string,
  query: Readonly<Record<string, string | string[]>>,
): boolean {
  if (filter.method !== undefined) {
    const wanted = filter.method.toUpperCase();
    const listViaGet = method === 'GET' && ['true', '1', 't', 'T', 'TRUE', 'True'].includes(String(query['list'] ?? ''));
    if (wanted !== method && !(wanted === 'LIST' && listViaGet)) return false;
  }
  if (filter.path !== undefined) {
    if (typeof filter.path === 'string') return filter.path === path;
    filter.path.lastIndex = 0;
    return filter.path.test(path);
  }
  return true;
}

/** Append-only log of handled requests. */
export class RequestLog {
  private readonly entries: RequestLogEntry[] = [];
  private readonly listeners: Array<(entry: RequestLogEntry) => void> = [];

  /** Adds an entry (a frozen one as it is, others as a frozen copy) and tells the listeners. */
  record(entry: RequestLogEntry): void {
    const frozen = Object.isFrozen(entry) ? entry : Object.freeze({ ...entry });
    this.entries.push(frozen);
    for (const listener of this.listeners) listener(frozen);
  }

  /** Calls `listener` for every entry recorded from now on (e.g. the event stream). */
  onRecord(listener: (entry: RequestLogEntry) => void): void {
    this.listeners.push(listener);
  }

  /** A snapshot of all entries, oldest first. */
  all(): ReadonlyArray<RequestLogEntry> {
    return [...this.entries];
  }

  /** Number of entries matching `filter` (all when omitted). */
  count(filter: RequestFilter = {}): number {
    return this.entries.filter((e) => matchesFilter(filter, e.method, e.path, e.query)).length;
  }

  /** Forgets every entry. */
  clear(): void {
    this.entries.length = 0;
  }
}
