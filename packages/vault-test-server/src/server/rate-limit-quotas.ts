/**
 * Rate-limit quotas (https://developer.hashicorp.com/vault/api-docs/system/rate-limit-quotas):
 * `sys/quotas/rate-limit/:name` (create/update, read, delete, list) and `sys/quotas/config`
 * (`enable_rate_limit_response_headers`). A quota with a `path` (empty = global, a mount such as
 * `secret/`, a request path such as `secret/data/app/db`, or a prefix ending in `*`) allows `rate`
 * requests per `interval` (seconds, default 1); beyond that the request answers **429**
 * `{"errors":["request path \"<path>\": rate limit quota exceeded"]}` and, with response headers
 * enabled, `Retry-After` (seconds until the window ends) plus `X-Ratelimit-Limit`,
 * `X-Ratelimit-Remaining` and `X-Ratelimit-Reset`. The most specific quota of a path applies.
 *
 * Differences from Vault, on purpose: one fixed window per quota on the server's clock (Vault
 * keeps a token bucket per client address; the test server has one client), and `block_interval`
 * blocks the whole quota for that long after a refusal. `sys/health`, `sys/seal-status` and the
 * operator endpoints are exempt, as in Vault's default exempt paths.
 */
import { badRequest } from './errors.js';
import { boolField, durationField, stringField } from './fields.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { PathDefinition, PathParams } from './path-router.js';

/** One rate-limit quota as stored. Times in **seconds**. */
interface RateLimitQuota {
  readonly name: string;
  readonly path: string;
  readonly rate: number;
  readonly interval: number;
  readonly blockInterval: number;
  /** Start of the current window and requests counted in it, **ms** since the epoch. */
  windowStart: number;
  count: number;
  /** Refused until then (block_interval), **ms** since the epoch. */
  blockedUntil: number;
}

/** What a quota says of one request: refused (429 with `errors`) or not, and the headers to add to the answer. */
export interface QuotaVerdict {
  readonly refused: boolean;
  readonly errors: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
}

/** The server's rate-limit quotas and their counters. */
export class RateLimitQuotas {
  private readonly quotas = new Map<string, RateLimitQuota>();
  /** `sys/quotas/config` `enable_rate_limit_response_headers`. */
  responseHeaders = false;

  constructor(private readonly now: () => number) {}

  /**
   * Counts one request to `path` (without `/v1/`) against its most specific quota.
   * @returns the verdict (with the `X-Ratelimit-*` headers when enabled); undefined when no quota applies.
   */
  take(path: string): QuotaVerdict | undefined {
    const quota = this.match(path);
    if (!quota) return undefined;
    const now = this.now();
    const intervalMs = quota.interval * 1000;
    if (now >= quota.windowStart + intervalMs) {
      quota.windowStart = now;
      quota.count = 0;
    }
    const resetAt = Math.max(quota.windowStart + intervalMs, quota.blockedUntil);
    const headers = (remaining: number): Record<string, string> =>
      this.responseHeaders
        ? {
            'X-Ratelimit-Limit': String(quota.rate),
            'X-Ratelimit-Remaining': String(remaining),
            'X-Ratelimit-Reset': String(Math.max(0, Math.ceil((resetAt - now) / 1000))),
          }
        : {};
    if (now < quota.blockedUntil || quota.count >= quota.rate) {
      if (quota.blockInterval > 0 && now >= quota.blockedUntil) quota.blockedUntil = now + quota.blockInterval * 1000;
      const until = Math.max(quota.windowStart + intervalMs, quota.blockedUntil);
      return {
        refused: true,
        errors: [`request path ${JSON.stringify(path)}: rate limit quota exceeded`],
        headers: {
          ...headers(0),
          ...(this.responseHeaders ? { 'Retry-After': String(Math.max(1, Math.ceil((until - now) / 1000))) } : {}),
        },
      };
    }
    quota.count += 1;
    return { refused: false, errors: [], headers: headers(quota.rate - quota.count) };
  }

  /** Names of the quotas, sorted. */
  names(): string[] {
    return [...this.quotas.keys()].sort();
  }

  /** Removes a quota (no error when absent). */
  delete(name: string): void {
    this.quotas.delete(name);
  }

  private match(path: string): RateLimitQuota | undefined {
    let best: RateLimitQuota | undefined;
    for (const quota of this.quotas.values()) {
      if (!applies(quota.path, path)) continue;
      if (!best || quota.path.length > best.path.length) best = quota;
    }
    return best;
  }

  /** `GET sys/quotas/rate-limit/:name`. */
  read(params: PathParams): DataResponse | null {
    const quota = this.quotas.get(params['name'] ?? '');
    if (!quota) return null;
    return respondData({
      name: quota.name,
      path: quota.path,
      type: 'rate-limit',
      rate: quota.rate,
      interval: quota.interval,
      block_interval: quota.blockInterval,
      role: '',
      inheritable: false,
    });
  }

  /** `POST sys/quotas/rate-limit/:name` (`rate`, `path`, `interval`, `block_interval`). */
  write(req: LogicalRequest, params: PathParams): null {
    const name = params['name'] ?? '';
    const existing = this.quotas.get(name);
    const rate = req.data['rate'] === undefined ? existing?.rate : Number(req.data['rate']);
    if (rate === undefined || !Number.isFinite(rate) || rate <= 0) throw badRequest('quota rate must be positive');
    const interval = durationField(req.data, 'interval', existing?.interval ?? 1);
    if (interval <= 0) throw badRequest('interval must be positive');
    const blockInterval = durationField(req.data, 'block_interval', existing?.blockInterval ?? 0);
    if (blockInterval < 0) throw badRequest('block interval cannot be negative');
    const path = stringField(req.data, 'path', existing?.path ?? '');
    this.quotas.set(name, { name, path, rate, interval, blockInterval, windowStart: this.now(), count: 0, blockedUntil: 0 });
    return null;
  }
}

/** Paths never rate limited (Vault's default `rate_limit_exempt_paths` that the test server serves). */
const EXEMPT = ['sys/health', 'sys/seal-status', 'sys/unseal', 'sys/generate-root/attempt', 'sys/generate-root/update'];

/** Whether a quota's `path` covers a request path: global (empty), a prefix ending in `/` or `*`, the exact path or below it. */
function applies(quotaPath: string, path: string): boolean {
  if (EXEMPT.includes(path)) return false;
  if (quotaPath === '') return true;
  if (quotaPath.endsWith('*')) return path.startsWith(quotaPath.slice(0, -1));
  if (quotaPath.endsWith('/')) return path.startsWith(quotaPath);
  return path === quotaPath || path.startsWith(`${quotaPath}/`);
}

/** The `sys/quotas/...` paths of the system backend; `quotas` is read lazily. */
export function rateLimitQuotaPaths(quotas: () => RateLimitQuotas): PathDefinition[] {
  return [
    {
      pattern: /^quotas\/config$/,
      operations: {
        read: () =>
          respondData({
            enable_rate_limit_response_headers: quotas().responseHeaders,
            enable_rate_limit_audit_logging: false,
            rate_limit_exempt_paths: EXEMPT,
          }),
        update: (r) => {
          quotas().responseHeaders = boolField(r.data, 'enable_rate_limit_response_headers', quotas().responseHeaders);
          return null;
        },
      },
    },
    { pattern: /^quotas\/rate-limit\/?$/, operations: { list: () => respondData({ keys: quotas().names() }) } },
    {
      pattern: /^quotas\/rate-limit\/(?<name>[^/]+)$/,
      operations: {
        read: (_r, p) => quotas().read(p),
        update: (r, p) => quotas().write(r, p),
        delete: (_r, p) => {
          quotas().delete(p['name'] ?? '');
          return null;
        },
      },
    },
  ];
}
