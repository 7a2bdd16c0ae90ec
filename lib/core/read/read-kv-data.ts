import type { FetchSecretOptions, KvReader } from './kv-reader.js';

/**
 * The data of a KV secret, warm path first: a memoised key and a fresh cache entry answer at once,
 * allocating nothing; otherwise (or with `refresh`/`version`) a full {@link KvReader.read}.
 * @throws what {@link KvReader.read} throws.
 */
export async function readKvData<T>(kv: KvReader, key: string, options?: FetchSecretOptions): Promise<T> {
  if (options?.refresh !== true && options?.version === undefined) {
    const hit = kv.peekWarm(key);
    if (hit !== undefined) return hit.data as T;
  }
  return (await kv.read(key, options)).data as T;
}
