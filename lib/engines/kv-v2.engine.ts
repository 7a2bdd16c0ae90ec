import { encodeSegments } from '../transport/vault-path.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import type { VaultResponse } from '../contracts/vault-request.js';
import { isJsonObject, type VaultEnvelope } from '../transport/vault-envelope.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';
import { SecretNotFoundError } from '../errors/secret-not-found.error.js';
import { RotationConflictError } from '../errors/rotation-conflict.error.js';
import { VaultRequestError } from '../errors/vault-request.error.js';
import type { KvEngine, KvLocation, KvMetadata, KvSecret } from './kv-engine.js';
import { withKvV2PolicyHint } from './kv-v2-policy-hint.js';

/** The statuses a KV v2 read accepts besides 2xx: 404 carries a deleted or destroyed version's metadata. */
const ACCEPT_404: readonly number[] = Object.freeze([404]);

interface KvV2VersionMetadata {
  created_time?: string;
  custom_metadata?: Record<string, string> | null;
  deletion_time?: string;
  destroyed?: boolean;
  version?: number;
}

interface KvV2ReadData {
  data: Record<string, unknown> | null;
  metadata: KvV2VersionMetadata | null;
}

/**
 * KV version 2 reads (https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2): `GET <mount>/data/<path>[?version=N]`,
 * `LIST <mount>/metadata/<path>/`, `GET <mount>/metadata/<path>`. `data/` and `metadata/` are
 * inserted exactly once, right after the mount.
 */
export class KvV2Engine implements KvEngine {
  readonly version = 2 as const;

  constructor(private readonly client: VaultRequester) {}

  async read(location: KvLocation, key: string, version?: number): Promise<KvSecret> {
    const path = `${encodeSegments(location.mount)}/data/${encodeSegments(location.path)}`;
    let response: VaultResponse<VaultEnvelope<KvV2ReadData>>;
    try {
      response = await this.client.request<VaultEnvelope<KvV2ReadData>>(
        version === undefined
          ? { method: 'GET', path, acceptStatus: ACCEPT_404 }
          : { method: 'GET', path, query: { version }, acceptStatus: ACCEPT_404 },
      );
    } catch (error) {
      throw withKvV2PolicyHint(error, encodeSegments(location.mount), 'data', encodeSegments(location.path));
    }
    const body = response.body;
    const inner = isJsonObject(body) && isJsonObject(body.data) ? body.data : undefined;
    if (response.status === 404) {
      const metadata = inner && isJsonObject(inner.metadata) ? (inner.metadata as KvV2VersionMetadata) : undefined;
      const found = metadata?.version ?? version;
      if (metadata?.destroyed === true) throw new SecretNotFoundError(key, 'destroyed', { path, status: 404, version: found });
      if (metadata && metadata.deletion_time) throw new SecretNotFoundError(key, 'deleted', { path, status: 404, version: found });
      throw new SecretNotFoundError(key, 'missing', { path, status: 404, version });
    }
    if (!inner || !isJsonObject(inner.data)) {
      throw new MalformedResponseError('a KV v2 read must have data.data as an object (is the mount really KV v2? set kvVersion)', {
        path,
        status: response.status,
      });
    }
    const metadata = isJsonObject(inner.metadata) ? (inner.metadata as KvV2VersionMetadata) : {};
    return {
      data: inner.data,
      version: typeof metadata.version === 'number' ? metadata.version : undefined,
      createdTime: metadata.created_time,
      customMetadata: metadata.custom_metadata ?? null,
    };
  }

  /**
   * Writes a new version with `POST <mount>/data/<path>` and `options.cas` (check-and-set).
   * @param cas - the version the write expects to be current (0 = the key must not exist).
   * @returns the new version number.
   * @throws RotationConflictError when the current version is not `cas`; VaultRequestError otherwise.
   */
  async write(location: KvLocation, key: string, data: Record<string, unknown>, cas: number): Promise<number> {
    const path = `${encodeSegments(location.mount)}/data/${encodeSegments(location.path)}`;
    try {
      const response = await this.client.request<VaultEnvelope<{ version?: number }>>({
        method: 'POST',
        path,
        body: { options: { cas }, data },
      });
      const version = response.body?.data?.version;
      if (typeof version !== 'number')
        throw new MalformedResponseError('a KV v2 write must return data.version', { path, status: response.status });
      return version;
    } catch (error) {
      if (error instanceof VaultRequestError && error.vaultErrors.some((e) => /check-and-set/i.test(e))) {
        throw new RotationConflictError(key, cas, { path, status: error.status, cause: error });
      }
      throw withKvV2PolicyHint(error, encodeSegments(location.mount), 'data', encodeSegments(location.path));
    }
  }

  async list(location: KvLocation): Promise<string[]> {
    const folder = encodeSegments(location.path);
    const rest = folder === '' ? '' : `${folder}/`;
    const path = `${encodeSegments(location.mount)}/metadata/${rest}`;
    return listKeys(this.client, path).catch((error: unknown) => {
      throw withKvV2PolicyHint(error, encodeSegments(location.mount), 'metadata', rest);
    });
  }

  async readMetadata(location: KvLocation, key: string): Promise<KvMetadata> {
    const path = `${encodeSegments(location.mount)}/metadata/${encodeSegments(location.path)}`;
    const response = await this.client
      .request<VaultEnvelope<Record<string, unknown>>>({ method: 'GET', path, acceptStatus: [404] })
      .catch((error: unknown) => {
        throw withKvV2PolicyHint(error, encodeSegments(location.mount), 'metadata', encodeSegments(location.path));
      });
    if (response.status === 404) throw new SecretNotFoundError(key, 'missing', { path, status: 404 });
    const d = response.body?.data;
    if (!isJsonObject(d) || typeof d.current_version !== 'number') {
      throw new MalformedResponseError('KV v2 metadata must have data.current_version', { path, status: response.status });
    }
    const versions: KvMetadata['versions'] = {};
    if (isJsonObject(d.versions)) {
      for (const [n, v] of Object.entries(d.versions)) {
        if (!isJsonObject(v)) continue;
        versions[Number(n)] = {
          createdTime: String(v.created_time ?? ''),
          deletionTime: String(v.deletion_time ?? ''),
          destroyed: v.destroyed === true,
        };
      }
    }
    return {
      currentVersion: d.current_version,
      oldestVersion: typeof d.oldest_version === 'number' ? d.oldest_version : 0,
      createdTime: String(d.created_time ?? ''),
      updatedTime: String(d.updated_time ?? ''),
      customMetadata: isJsonObject(d.custom_metadata) ? (d.custom_metadata as Record<string, string>) : null,
      maxVersions: typeof d.max_versions === 'number' ? d.max_versions : 0,
      casRequired: d.cas_required === true,
      deleteVersionAfter: typeof d.delete_version_after === 'string' ? d.delete_version_after : '0s',
      versions,
    };
  }
}

/**
 * `LIST <path>` (sent as `GET ?list=true`): the `data.keys` array; 404 means an empty or
 * missing folder and gives `[]` (https://developer.hashicorp.com/vault/api-docs#api-operations:
 * "LIST requests with no results will also return 404s").
 */
export async function listKeys(client: VaultRequester, path: string): Promise<string[]> {
  const response = await client.request<VaultEnvelope<{ keys?: unknown }>>({ method: 'LIST', path, acceptStatus: [404] });
  if (response.status === 404) return [];
  const keys = response.body?.data?.keys;
  if (!Array.isArray(keys) || !keys.every((k): k is string => typeof k === 'string')) {
    throw new MalformedResponseError('a LIST answer must have data.keys as an array of strings', { path, status: response.status });
  }
  return keys;
}
