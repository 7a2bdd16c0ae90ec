/** Random identifiers shaped like Vault's (tokens, accessors, lease suffixes, mount accessors). */
import { randomBytes, randomUUID } from 'node:crypto';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` random characters from `[A-Za-z0-9]` (unbiased). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A request id / mount uuid: RFC 4122 v4 UUID. */
export function newUuid(): string {
  return randomUUID();
}

/** Mount accessor like `kv_1f2e3d4c` (secret mounts) or `auth_token_1f2e3d4c` (auth mounts). */
export function newMountAccessor(type: string, table: 'secret' | 'auth'): string {
  const suffix = randomBytes(4).toString('hex');
  return table === 'auth' ? `auth_${type}_${suffix}` : `${type}_${suffix}`;
}

/** Service token id: `hvs.` followed by ~90 characters (Vault ≥1.10 shape). */
export function newServiceTokenId(): string {
  return `hvs.CAESI${randomBase62(86)}`;
}

/** Batch token id: `hvb.` followed by ~130 characters. */
export function newBatchTokenId(): string {
  return `hvb.AAAAAQ${randomBase62(124)}`;
}

/** Default root token id: `hvs.` + 24 base62 characters. */
export function newRootTokenId(): string {
  return `hvs.${randomBase62(24)}`;
}

/** Token accessor: 24 base62 characters. */
export function newAccessor(): string {
  return randomBase62(24);
}
