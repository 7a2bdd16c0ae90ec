import { createHmac, randomBytes } from 'node:crypto';
import type { KvSecret } from '../../engines/kv-engine.js';

/** Per-process key of {@link fingerprint}, so a fingerprint reveals nothing about a value outside this process. */
const FINGERPRINT_KEY = randomBytes(32);

/**
 * A content fingerprint used internally as the "version" of KV v1 values (which have none), to
 * notice changes. A keyed HMAC, and never put into events or logs.
 */
export function fingerprint(data: unknown): string {
  return `fp:${createHmac('sha256', FINGERPRINT_KEY).update(JSON.stringify(data)).digest('base64url')}`;
}

/** What the watcher compares: KV v2 `<version>@<created_time>` (a re-created key differs), KV v1 a fingerprint. */
export function watchToken(secret: KvSecret): string {
  return secret.version === undefined ? fingerprint(secret.data) : `${secret.version}@${secret.createdTime ?? ''}`;
}

/** A version fit for an event: KV v2 numbers only, never a v1 fingerprint or an internal marker. */
export function publicVersion(version: string | number | undefined): number | undefined {
  if (typeof version === 'number') return version;
  const match = typeof version === 'string' ? /^(\d+)@/.exec(version) : null;
  return match ? Number(match[1]) : undefined;
}
