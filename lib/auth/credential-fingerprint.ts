import { createHmac, randomBytes } from 'node:crypto';

/** Per-process key: fingerprints cannot be compared across processes or brute-forced offline. */
const KEY = randomBytes(32);

/**
 * A fingerprint of a credential (HMAC-SHA256 under a random per-process key, 16 bytes in hex):
 * tells whether a credential changed without keeping or logging its clear value.
 */
export function fingerprint(...parts: readonly string[]): string {
  const hmac = createHmac('sha256', KEY);
  for (const part of parts) hmac.update(`${part.length}:${part}`);
  return hmac.digest('hex').slice(0, 32);
}
