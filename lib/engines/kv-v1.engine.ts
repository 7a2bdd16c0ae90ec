import { encodeSegments } from '../transport/vault-path.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import { isJsonObject, type VaultEnvelope } from '../transport/vault-envelope.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';
import { SecretNotFoundError } from '../errors/secret-not-found.error.js';
import { UnsupportedOperationError } from '../errors/unsupported-operation.error.js';
import type { KvEngine, KvLocation, KvSecret } from './kv-engine.js';
import { listKeys } from './kv-v2.engine.js';

/**
 * KV version 1 reads (https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v1): `GET <mount>/<path>`,
 * `LIST <mount>/<path>/`. No versions, no metadata.
 */
export class KvV1Engine implements KvEngine {
  readonly version = 1 as const;

  constructor(private readonly client: VaultRequester) {}

  async read(location: KvLocation, key: string, version?: number): Promise<KvSecret> {
    if (version !== undefined) {
      throw new UnsupportedOperationError(`Secret "${key}": versioned reads need KV v2; this mount is KV v1.`);
    }
    const path = `${encodeSegments(location.mount)}/${encodeSegments(location.path)}`;
    const response = await this.client.request<VaultEnvelope>({ method: 'GET', path, acceptStatus: [404] });
    if (response.status === 404) {
      const hint = response.body?.warnings?.some((w) => /versioned K\/V/i.test(w))
        ? " Vault says this is a KV v2 mount: set kvVersion: 2 (or 'auto')."
        : '';
      throw new SecretNotFoundError(key, 'missing', { path, status: 404, hint });
    }
    const data = response.body?.data;
    if (!isJsonObject(data))
      throw new MalformedResponseError('a KV v1 read must have data as an object', { path, status: response.status });
    return { data };
  }

  async list(location: KvLocation): Promise<string[]> {
    const folder = encodeSegments(location.path);
    return listKeys(this.client, `${encodeSegments(location.mount)}/${folder === '' ? '' : `${folder}/`}`);
  }

  readMetadata(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
}
