/**
 * The older policy API `sys/policy` (https://developer.hashicorp.com/vault/api-docs/system/policy),
 * served next to `sys/policies/acl` from the same policy store, with Vault's backward-compatible
 * shapes: the list carries `policies` as well as `keys`, a read names the text `rules` instead of
 * `policy`, a write accepts the deprecated `rules` field (with a warning), and every `data` key is
 * copied to the top level of the envelope.
 */
import type { BackendContext } from './backend.js';
import { stringField } from './fields.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { PathDefinition, PathParams } from './path-router.js';

/** The `sys/policy` path definitions. `context` is read lazily, like the lease paths. */
export function legacyPolicyPaths(context: () => BackendContext): PathDefinition[] {
  const list = (): DataResponse => {
    const names = context().policies.list();
    return respondData({ keys: names, policies: [...names] }, { injectDataAtTopLevel: true });
  };
  return [
    { pattern: /^policy\/?$/, operations: { read: list, list } },
    {
      pattern: /^policy\/(?<name>.+)$/s,
      operations: {
        read: (_r, p) => readPolicy(context(), p),
        update: (r, p) => writePolicy(context(), r, p),
        delete: (_r, p) => {
          context().policies.delete(p['name'] ?? '');
          return null;
        },
      },
    },
  ];
}

function readPolicy(ctx: BackendContext, params: PathParams): DataResponse | null {
  const policy = ctx.policies.get(params['name'] ?? '');
  return policy ? respondData({ name: policy.name, rules: policy.raw }, { injectDataAtTopLevel: true }) : null;
}

function writePolicy(ctx: BackendContext, req: LogicalRequest, params: PathParams): DataResponse | null {
  let text = stringField(req.data, 'policy');
  const warnings: string[] = [];
  if (text === '') {
    text = stringField(req.data, 'rules');
    if (text !== '') warnings.push("'rules' is deprecated, please use 'policy' instead");
  }
  ctx.policies.set(params['name'] ?? '', text);
  return warnings.length > 0 ? respondData(null, { warnings }) : null;
}
