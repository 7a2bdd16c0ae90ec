import { encodeSegments } from '../transport/vault-path.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import { isJsonObject, type VaultEnvelope } from '../transport/vault-envelope.js';
import { UnsupportedOperationError } from '../errors/unsupported-operation.error.js';
import type { ResolvedVaultConfig } from '../options/resolved-vault-config.js';
import type { KvEngine, KvLocation } from './kv-engine.js';
import { KvV1Engine } from './kv-v1.engine.js';
import { KvV2Engine } from './kv-v2.engine.js';

/** Where the app's secrets live once the mount and KV version are known. */
export interface KvBase {
  /** Mount segments, e.g. `['secret']` or `['team', 'a', 'kv']`. */
  mount: readonly string[];
  /** Folder inside the mount that keys are relative to, e.g. `['app']`; `[]` for the mount root. */
  base: readonly string[];
  engine: KvEngine;
}

/** Where a key lives and the engine that reads it. */
export interface KvLocated {
  location: KvLocation;
  engine: KvEngine;
}

/** Where the key `keySegments` (relative to `secretsPath`) lives under a known `base`, and its engine. */
export function located(base: KvBase, keySegments: readonly string[]): KvLocated {
  return { location: { mount: base.mount, path: [...base.base, ...keySegments] }, engine: base.engine };
}

/**
 * Splits `secretsPath` into a KV mount and a base folder, and picks the KV engine.
 * - `secretsMount` given: that is the mount.
 * - `kvVersion: 'auto'`: asks Vault once, with `GET sys/internal/ui/mounts/<secretsPath>`
 *   (https://developer.hashicorp.com/vault/api-docs/system/internal-ui-mounts: `options.version == "2"` means v2; a 404
 *   means an old Vault and v1).
 * - otherwise (v2): the segments before the first `data` segment are the mount, else the first segment.
 * For KV v2, a leading `data/` after the mount is dropped, so `secret/data/app` and `secret/app`
 * mean the same location.
 */
export class KvLocator {
  readonly #config: ResolvedVaultConfig;
  readonly #client: VaultRequester;
  #base: Promise<KvBase> | undefined;
  /** What {@link base} resolved to, once it has. */
  #known: KvBase | undefined;

  constructor(config: ResolvedVaultConfig, client: VaultRequester) {
    this.#config = config;
    this.#client = client;
  }

  /** The mount, base folder and engine; detected once (a failed detection is retried on the next call). */
  base(): Promise<KvBase> {
    if (!this.#base) {
      const detecting = this.#detect();
      this.#base = detecting;
      detecting.then(
        (base) => {
          if (this.#base === detecting) this.#known = base;
        },
        () => {
          if (this.#base === detecting) this.#base = undefined;
        },
      );
    }
    return this.#base;
  }

  /**
   * The location of a key (already split into segments) relative to `secretsPath`: at once once the
   * mount is known (no promise per read), else once it is detected.
   */
  locate(keySegments: readonly string[]): Promise<KvLocated> | KvLocated {
    const known = this.#known;
    if (known !== undefined) return located(known, keySegments);
    return this.base().then((base) => located(base, keySegments));
  }

  async #detect(): Promise<KvBase> {
    const segments = this.#config.secretsPath.split('/');
    let version: 1 | 2;
    let mountSegments: string[];
    if (this.#config.kvVersion === 'auto') {
      const detected = await this.#detectMount(segments);
      version = detected.version;
      mountSegments = detected.mount ?? this.#staticMount(segments, version);
    } else {
      version = this.#config.kvVersion;
      mountSegments = this.#staticMount(segments, version);
    }
    let base = segments.slice(mountSegments.length);
    if (version === 2 && base[0] === 'data') base = base.slice(1);
    const engine = version === 2 ? new KvV2Engine(this.#client) : new KvV1Engine(this.#client);
    return { mount: mountSegments, base, engine };
  }

  #staticMount(segments: string[], version: 1 | 2): string[] {
    if (this.#config.secretsMount) return this.#config.secretsMount.split('/');
    const dataIndex = version === 2 ? segments.indexOf('data') : -1;
    return dataIndex >= 1 ? segments.slice(0, dataIndex) : segments.slice(0, 1);
  }

  async #detectMount(segments: string[]): Promise<{ version: 1 | 2; mount?: string[] }> {
    const path = `sys/internal/ui/mounts/${encodeSegments(segments)}`;
    const response = await this.#client.request<VaultEnvelope>({ method: 'GET', path, acceptStatus: [404] });
    if (response.status === 404) return { version: 1 };
    const data = response.body?.data;
    if (!isJsonObject(data)) return { version: 1 };
    const type = typeof data.type === 'string' ? data.type : '';
    if (type !== 'kv' && type !== 'generic' && type !== '') {
      throw new UnsupportedOperationError(`secretsPath "${this.#config.secretsPath}" is on a "${type}" mount, not a KV mount.`);
    }
    const options = isJsonObject(data.options) ? data.options : {};
    const version = options.version === '2' || options.version === 2 ? 2 : 1;
    const mountPath = typeof data.path === 'string' ? data.path.replace(/\/+$/, '') : '';
    const mount = mountPath === '' ? undefined : mountPath.split('/');
    return { version, mount };
  }
}
