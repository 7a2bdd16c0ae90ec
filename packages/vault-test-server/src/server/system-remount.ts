/**
 * `sys/remount` and `sys/remount/status/:migration_id`
 * (https://developer.hashicorp.com/vault/api-docs/system/remount), served by the system backend.
 * A secrets engine or auth method moves to a new path with its backend and data; the leases
 * (secrets engine) or tokens (auth method) issued under the old path are revoked, as the docs
 * say. Vault queues the move and answers with a `migration_id`; the test server moves at once, so
 * the status is `success` by the time the answer arrives.
 */
import { randomUUID } from 'node:crypto';
import { revokeMountTokens } from './auth-common.js';
import type { BackendContext } from './backend.js';
import { aclDenied, badRequest } from './errors.js';
import { asStruct } from './go-json.js';
import { stringField } from './fields.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import { sanitizeMountPath } from './mount-table.js';
import type { PathDefinition, PathParams } from './path-router.js';

/** Vault's `protectedMounts` (secret engines) and `protectedAuths`. */
const PROTECTED_MOUNTS = ['audit/', 'auth/', 'sys/', 'cubbyhole/', 'identity/'];
const PROTECTED_AUTHS = ['auth/token'];

interface Migration {
  readonly source: string;
  readonly target: string;
  readonly status: 'in-progress' | 'success' | 'failure';
}

/** The remount path definitions. `context` is read lazily, like the lease paths. */
export function remountPaths(context: () => BackendContext): PathDefinition[] {
  const migrations = new Map<string, Migration>();
  return [
    { pattern: /^remount$/, operations: { update: (r) => remount(context(), migrations, r) } },
    {
      pattern: /^remount\/status\/(?<migration_id>.+)$/s,
      operations: { read: (_r, p) => migrationStatus(migrations, p) },
    },
  ];
}

async function remount(ctx: BackendContext, migrations: Map<string, Migration>, req: LogicalRequest): Promise<DataResponse> {
  const token = req.token ?? ctx.authenticate(req.clientToken);
  if (!ctx.aclFor(token).isSudo(req.path)) throw aclDenied();
  const fromRaw = stringField(req.data, 'from');
  const toRaw = stringField(req.data, 'to');
  if (fromRaw === '' || toRaw === '') throw badRequest("both 'from' and 'to' path must be specified as a string");
  if (fromRaw !== fromRaw.trim()) throw badRequest("'from' path cannot contain trailing whitespace");
  if (toRaw !== toRaw.trim()) throw badRequest("'to' path cannot contain trailing whitespace");
  const from = sanitizeMountPath(fromRaw);
  const to = sanitizeMountPath(toRaw);
  if (/[^\P{C}]/u.test(to)) throw badRequest('invalid destination mount: path cannot contain non-printable characters');
  if (from.startsWith('auth/')) {
    if (!to.startsWith('auth/')) throw badRequest(`cannot remount auth mount to non-auth mount ${JSON.stringify(to)}`);
    if (PROTECTED_AUTHS.some((p) => from.startsWith(p))) throw badRequest(`cannot remount ${JSON.stringify(from)}`);
    if (PROTECTED_AUTHS.some((p) => to.startsWith(p))) throw badRequest(`cannot remount to destination ${JSON.stringify(to)}`);
  } else {
    for (const p of PROTECTED_MOUNTS) {
      if (from.startsWith(p)) throw badRequest(`cannot remount ${JSON.stringify(from)}`);
      if (to.startsWith(p)) throw badRequest(`cannot remount to destination ${to}`);
    }
  }
  const entry = ctx.mounts.get(from);
  if (!entry) throw badRequest(`no matching mount at ${JSON.stringify(from)}`);
  const conflict = ctx.mounts.conflict(to);
  if (conflict !== undefined) throw badRequest(`path already in use at ${JSON.stringify(conflict)}`);

  const migrationId = randomUUID();
  if (entry.table === 'auth') revokeMountTokens(ctx, entry);
  else await ctx.leases.revokePrefix(from, { sync: true, force: false });
  ctx.mounts.move(from, to);
  migrations.set(migrationId, { source: from, target: to, status: 'success' });
  return respondData(
    { migration_id: migrationId },
    {
      injectDataAtTopLevel: true,
      warnings: ["Mount move has been queued. Progress will be reported in Vault's server log, tagged with the returned migration_id"],
    },
  );
}

function migrationStatus(migrations: ReadonlyMap<string, Migration>, params: PathParams): DataResponse | null {
  const id = params['migration_id'] ?? '';
  const migration = migrations.get(id);
  if (!migration) return null;
  return respondData({
    migration_id: id,
    migration_info: asStruct({ source_mount: migration.source, target_mount: migration.target, status: migration.status }),
  });
}
