/**
 * `sys/leases/*` (https://developer.hashicorp.com/vault/api-docs/system/leases), served by the system backend: lookup, list (sudo), renew,
 * revoke, revoke-prefix (sudo), revoke-force (sudo) and tidy, plus the legacy `sys/renew`,
 * `sys/revoke`, `sys/revoke-prefix` and `sys/revoke-force` aliases.
 */
import type { BackendContext } from './backend.js';
import { aclDenied, badRequest } from './errors.js';
import { boolField, durationField, stringField } from './fields.js';
import type { DataResponse, EmptyResponse, LogicalRequest } from './logical.js';
import { respondData, respondEmpty } from './logical.js';
import type { PathDefinition, PathParams } from './path-router.js';
import { formatRfc3339FromMillis } from './time-format.js';

/**
 * The `sys/leases` path definitions. `context` is read lazily (the system backend's fields may
 * be initialised before its constructor parameters).
 */
export function leasePaths(context: () => BackendContext): PathDefinition[] {
  const handlers = new LeaseEndpoints(context);
  return [
    { pattern: /^leases\/lookup$/, operations: { update: (req) => handlers.lookup(req) } },
    { pattern: /^leases\/lookup\/(?<prefix>.*)$/s, operations: { list: (req, p) => handlers.list(req, p) } },
    { pattern: /^(?:leases\/)?renew(?:\/(?<url_lease_id>.+))?$/s, operations: { update: (req, p) => handlers.renew(req, p) } },
    { pattern: /^(?:leases\/)?revoke(?:\/(?<url_lease_id>.+))?$/s, operations: { update: (req, p) => handlers.revoke(req, p) } },
    {
      pattern: /^(?:leases\/)?revoke-prefix\/(?<prefix>.+)$/s,
      operations: { update: (req, p) => handlers.revokePrefix(req, p, false) },
    },
    {
      pattern: /^(?:leases\/)?revoke-force\/(?<prefix>.+)$/s,
      operations: { update: (req, p) => handlers.revokePrefix(req, p, true) },
    },
    { pattern: /^leases\/tidy$/, operations: { update: () => respondEmpty(202) } },
  ];
}

class LeaseEndpoints {
  constructor(private readonly context: () => BackendContext) {}

  private get ctx(): BackendContext {
    return this.context();
  }

  /** Root-protected paths need `sudo` (403 otherwise). */
  private requireSudo(req: LogicalRequest): void {
    const token = req.token ?? this.ctx.authenticate(req.clientToken);
    if (!this.ctx.aclFor(token).isSudo(req.path)) throw aclDenied();
  }

  private leaseId(req: LogicalRequest, params: PathParams): string {
    const id = stringField(req.data, 'lease_id') || params['url_lease_id'] || '';
    if (id === '') throw badRequest('lease_id must be specified');
    return id;
  }

  lookup(req: LogicalRequest): DataResponse {
    const id = stringField(req.data, 'lease_id');
    if (id === '') throw badRequest('lease_id must be specified');
    const view = this.ctx.leases.lookup(id);
    if (!view) throw badRequest('invalid lease');
    return respondData({
      id: view.id,
      issue_time: formatRfc3339FromMillis(view.issueTimeMs),
      expire_time: view.expireTimeMs === null ? null : formatRfc3339FromMillis(view.expireTimeMs),
      last_renewal: view.lastRenewalMs === null ? null : formatRfc3339FromMillis(view.lastRenewalMs),
      renewable: view.renewable,
      ttl: view.ttlSeconds,
    });
  }

  list(req: LogicalRequest, params: PathParams): DataResponse {
    this.requireSudo(req);
    return respondData({ keys: this.ctx.leases.list(params['prefix'] ?? '') });
  }

  async renew(req: LogicalRequest, params: PathParams): Promise<DataResponse> {
    const id = this.leaseId(req, params);
    const increment = durationField(req.data, 'increment', 0);
    const result = await this.ctx.leases.renew(id, Math.max(0, increment));
    return respondData(null, { lease: result.lease, warnings: result.warnings });
  }

  async revoke(req: LogicalRequest, params: PathParams): Promise<EmptyResponse | null> {
    const id = this.leaseId(req, params);
    const sync = boolField(req.data, 'sync', false);
    await this.ctx.leases.revoke(id, sync);
    return sync ? null : respondEmpty(202);
  }

  async revokePrefix(req: LogicalRequest, params: PathParams, force: boolean): Promise<EmptyResponse | null> {
    this.requireSudo(req);
    const prefix = params['prefix'] ?? '';
    const sync = force || boolField(req.data, 'sync', false);
    await this.ctx.leases.revokePrefix(prefix, { sync, force });
    return sync ? null : respondEmpty(202);
  }
}
