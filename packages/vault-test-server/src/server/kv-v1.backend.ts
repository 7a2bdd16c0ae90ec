/**
 * KV version 1 (https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v1): a flat map per path, no versions. Reads advertise a
 * `lease_duration` taken from the stored `ttl` (or legacy `lease`) key, else the mount default.
 */
import type { BackendContext } from './backend.js';
import { badRequest } from './errors.js';
import { DurationParseError, parseDurationSeconds } from './go-duration.js';
import { cloneJson, listPrefix, listUnder } from './kv-common.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { MountDescriptor } from './mount-table.js';
import { FrameworkBackend, type PathDefinition, type PathParams } from './path-router.js';

/** Backend of a `kv` mount with `options.version` `"1"` (or none). */
export class KvV1Backend extends FrameworkBackend {
  private readonly entries = new Map<string, Record<string, unknown>>();

  protected readonly paths: readonly PathDefinition[] = [
    {
      pattern: /^(?<path>.*)$/s,
      operations: {
        read: (_req, params) => this.read(params),
        create: (req, params) => this.write(req, params),
        update: (req, params) => this.write(req, params),
        delete: (_req, params) => this.remove(params),
        list: (_req, params) => respondData({ keys: listUnder(this.entries.keys(), listPrefix(params['path'] ?? '')) }),
      },
      exists: (_req, params) => this.entries.has(params['path'] ?? ''),
    },
  ];

  constructor(
    private readonly ctx: BackendContext,
    private readonly mount: MountDescriptor,
  ) {
    super();
  }

  private read(params: PathParams): DataResponse | null {
    const stored = this.entries.get(params['path'] ?? '');
    if (!stored) return null;
    const data = cloneJson(stored);
    let ttl = this.ctx.mountDefaultTtl(this.mount);
    const ttlRaw = 'ttl' in data ? data['ttl'] : data['lease'];
    if (ttlRaw !== undefined) {
      try {
        ttl = parseDurationSeconds(ttlRaw);
      } catch (error: unknown) {
        if (!(error instanceof DurationParseError)) throw error;
      }
    }
    return respondData(data, { lease: { leaseId: '', renewable: false, durationSeconds: ttl } });
  }

  private write(req: LogicalRequest, params: PathParams): null {
    const path = params['path'] ?? '';
    if (path === '') throw badRequest('missing path');
    if (Object.keys(req.data).length === 0) throw badRequest('missing data fields');
    this.entries.set(path, cloneJson(req.data));
    return null;
  }

  private remove(params: PathParams): null {
    this.entries.delete(params['path'] ?? '');
    return null;
  }
}
