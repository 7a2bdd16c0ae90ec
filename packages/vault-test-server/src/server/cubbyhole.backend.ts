/**
 * The cubbyhole engine (`cubbyhole/`): a private KV v1-like store per token, destroyed when the
 * token is revoked.
 */
import type { BackendContext } from './backend.js';
import { badRequest, internalError } from './errors.js';
import { cloneJson, listPrefix, listUnder } from './kv-common.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import { FrameworkBackend, type PathDefinition, type PathParams } from './path-router.js';

/** Backend of the `cubbyhole` mount. */
export class CubbyholeBackend extends FrameworkBackend {
  private readonly stores = new Map<string, Map<string, Record<string, unknown>>>();
  private readonly stopListening: () => void;

  protected readonly paths: readonly PathDefinition[] = [
    {
      pattern: /^(?<path>.*)$/s,
      operations: {
        read: (req, params) => this.read(req, params),
        create: (req, params) => this.write(req, params),
        update: (req, params) => this.write(req, params),
        delete: (req, params) => {
          this.store(req).delete(params['path'] ?? '');
          return null;
        },
        list: (req, params) => respondData({ keys: listUnder(this.store(req).keys(), listPrefix(params['path'] ?? '')) }),
      },
      exists: (req, params) => this.store(req).has(params['path'] ?? ''),
    },
  ];

  constructor(ctx: BackendContext) {
    super();
    this.stopListening = ctx.tokens.onRevoke((entry) => this.stores.delete(entry.id));
  }

  cleanup(): void {
    this.stopListening();
    this.stores.clear();
  }

  private store(req: LogicalRequest): Map<string, Record<string, unknown>> {
    const id = req.token?.id;
    if (id === undefined) throw internalError('client token empty');
    let store = this.stores.get(id);
    if (!store) {
      store = new Map();
      this.stores.set(id, store);
    }
    return store;
  }

  private read(req: LogicalRequest, params: PathParams): DataResponse | null {
    const stored = this.store(req).get(params['path'] ?? '');
    return stored ? respondData(cloneJson(stored)) : null;
  }

  private write(req: LogicalRequest, params: PathParams): null {
    const path = params['path'] ?? '';
    if (path === '') throw badRequest('missing path');
    if (Object.keys(req.data).length === 0) throw internalError('missing data fields');
    this.store(req).set(path, cloneJson(req.data));
    return null;
  }
}
