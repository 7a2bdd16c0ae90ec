import { RequestLimiter } from '../../transport/request-limiter.js';
import type { SecretsLogger } from '../../util/secrets-logger.js';
import type { Availability } from './availability.js';
import type { KvReader } from './kv-reader.js';

/**
 * Re-reads from Vault (bypassing the cache, no fallback) every key served from a fallback or a
 * stale value, `concurrency` at a time; a differing value is announced `recovered` by the reader's
 * callback. A key that still fails is logged by name (never a value) and left on its fallback.
 */
export async function rereadServedKeys(
  kv: KvReader,
  availability: Availability,
  concurrency: number,
  logger: SecretsLogger,
): Promise<void> {
  const limiter = new RequestLimiter(concurrency);
  await Promise.all(
    Object.keys(availability.servedKeys()).map((key) =>
      limiter.run(() =>
        kv.read(key, { refresh: true, noFallback: true }).catch((error: unknown) => {
          logger.warn(`Re-reading "${key}" after the outage failed: ${error instanceof Error ? error.message : String(error)}`);
        }),
      ),
    ),
  );
}
