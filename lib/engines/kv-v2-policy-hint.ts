import { PermissionDeniedError } from '../errors/permission-denied.error.js';

/**
 * A 403 on a KV v2 path, with the rule a policy needs: KV v2 serves data under `<mount>/data/<path>`
 * (read, write) and lists and metadata under `<mount>/metadata/<path>`, so a rule written for
 * `<mount>/<path>` (the KV v1 form) grants neither (https://developer.hashicorp.com/vault/docs/secrets/kv/kv-v2,
 * "ACL rules"). Any other error is returned as it is.
 *
 * @param error - what the request threw.
 * @param mount - the mount, encoded, without slashes at the ends (e.g. `secret`).
 * @param prefix - `data` or `metadata`: which KV v2 prefix the request used.
 * @param rest - the path after the prefix, encoded (e.g. `app/db`, or `app/` for a list).
 */
export function withKvV2PolicyHint(error: unknown, mount: string, prefix: 'data' | 'metadata', rest: string): unknown {
  if (!(error instanceof PermissionDeniedError)) return error;
  const needed = `${mount}/${prefix}/${rest}`;
  const hint =
    `The mount "${mount}" is KV v2: a policy rule must name \`${needed}\` (KV v2 puts data/ after the mount for reads and ` +
    `writes, metadata/ for lists and metadata); a rule for "${mount}/${rest}" does not grant it.`;
  return new PermissionDeniedError({ path: error.path, status: error.status, vaultErrors: error.vaultErrors, cause: error, hint });
}
