/**
 * KV version 2 (https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2), following vault-plugin-secrets-kv: `data/`, `metadata/`,
 * `delete/`, `undelete/`, `destroy/`, `subkeys/` and `config`, with check-and-set, version
 * pruning, soft deletion and `delete_version_after`. 404s for deleted/destroyed versions carry
 * the plugin-marshalled envelope; other paths answer the plugin's "Invalid path" warning.
 */
import type { BackendContext } from './backend.js';
import { pluginStatusBody } from './envelope.js';
import { badRequest, multierror } from './errors.js';
import { boolField, durationField, intField, intSliceField, isPlainObject, stringMapField, toInt } from './fields.js';
import { formatGoDuration } from './go-duration.js';
import { asUnchanging } from './go-json.js';
import { cloneJson, listPrefix, listUnder, mergePatch } from './kv-common.js';
import {
  addVersion,
  keyMetadataData,
  newKeyMetadata,
  scheduledDeletion,
  versionMetadata,
  type KvEngineConfig,
  type KvKeyMetadata,
  type KvVersion,
} from './kv-v2.model.js';
import type { DataResponse, LogicalRequest, LogicalResponse, RawResponse } from './logical.js';
import { respondData } from './logical.js';
import { FrameworkBackend, type PathDefinition, type PathParams } from './path-router.js';

const ROOT_PATHS: ReadonlySet<string> = new Set(['metadata', 'data', 'delete', 'undelete', 'destroy']);

/** Backend of a `kv` mount with `options.version` `"2"`. */
export class KvV2Backend extends FrameworkBackend {
  private readonly keys = new KeyIndex();
  private readonly config: KvEngineConfig = { maxVersions: 0, casRequired: false, deleteVersionAfterSeconds: 0 };

  protected readonly paths: readonly PathDefinition[] = [
    {
      pattern: /^config$/,
      operations: { read: () => this.readConfig(), update: (req) => this.writeConfig(req) },
    },
    {
      pattern: /^data\/(?<path>.*[^/])$/s,
      operations: {
        read: (req, p) => this.readData(req, p),
        create: (req, p) => this.writeData(req, p),
        update: (req, p) => this.writeData(req, p),
        patch: (req, p) => this.patchData(req, p),
        delete: (_req, p) => this.deleteLatest(p),
      },
      exists: (_req, p) => this.keys.has(key(p)),
    },
    {
      pattern: /^metadata\/(?<path>.*)$/s,
      operations: {
        read: (_req, p) => this.readMetadata(p),
        create: (req, p) => this.writeMetadata(req, p),
        update: (req, p) => this.writeMetadata(req, p),
        patch: (req, p) => this.patchMetadata(req, p),
        delete: (_req, p) => {
          this.keys.delete(key(p));
          return null;
        },
        list: (_req, p) => respondData({ keys: this.keys.list(listPrefix(key(p))) }),
      },
      exists: (_req, p) => this.keys.has(key(p)),
    },
    { pattern: /^destroy\/(?<path>.*)$/s, operations: { update: (req, p) => this.destroy(req, p) } },
    { pattern: /^subkeys\/(?<path>.*[^/])$/s, operations: { read: (req, p) => this.readSubkeys(req, p) } },
    { pattern: /^delete\/(?<path>.*)$/s, operations: { update: (req, p) => this.deleteVersions(req, p) } },
    { pattern: /^undelete\/(?<path>.*)$/s, operations: { update: (req, p) => this.undelete(req, p) } },
    {
      pattern: /^.*$/s,
      operations: {
        read: (req) => this.invalidPath(req, 'get'),
        create: (req) => this.invalidPath(req, 'put'),
        update: (req) => this.invalidPath(req, 'put'),
        patch: (req) => this.invalidPath(req, 'patch'),
        delete: (req) => this.invalidPath(req, 'delete'),
        list: (req) => this.invalidPath(req, 'list'),
      },
    },
  ];

  constructor(private readonly ctx: BackendContext) {
    super();
  }

  // ----- data/ -------------------------------------------------------------------------------

  private readData(req: LogicalRequest, params: PathParams): LogicalResponse | null {
    const meta = this.keys.get(key(params));
    if (!meta) return null;
    const requested = intField(req.data, 'version', 0);
    const number = requested > 0 ? requested : meta.currentVersion;
    const version = meta.versions.get(number);
    if (!version) return null;
    const metadata = versionMetadata(meta, number, version);
    if (this.isDeleted(version) || version.destroyed) {
      return notFoundWith(req, { data: null, metadata });
    }
    // Stored data is never changed in place (writes store new objects) and the answer is
    // serialised right away: no copy needed.
    return respondData({ data: version.data, metadata });
  }

  private writeData(req: LogicalRequest, params: PathParams): DataResponse {
    const raw = req.data['data'];
    if (raw === undefined || raw === null) throw badRequest('no data provided');
    if (!isPlainObject(raw)) throw badRequest(`Field validation failed: error converting input for field "data": expected a map`);
    const meta = this.keys.get(key(params)) ?? newKeyMetadata(key(params));
    this.checkAndSet(req, meta);
    const version = this.newVersion(meta, cloneJson(raw));
    this.keys.set(meta.key, meta);
    return respondData(versionMetadata(meta, meta.currentVersion, version));
  }

  private patchData(req: LogicalRequest, params: PathParams): LogicalResponse {
    const patch = req.data['data'];
    if (patch === undefined || patch === null) throw badRequest('no data provided');
    const meta = this.keys.get(key(params));
    if (!meta) return notFoundWith(req, null);
    this.checkAndSet(req, meta);
    const current = meta.versions.get(meta.currentVersion);
    if (!current) return notFoundWith(req, null);
    if (this.isDeleted(current) || current.destroyed) {
      return notFoundWith(req, versionMetadata(meta, meta.currentVersion, current));
    }
    if (!isPlainObject(patch)) throw badRequest(`Field validation failed: error converting input for field "data": expected a map`);
    const merged = mergePatch(current.data ?? {}, patch) as Record<string, unknown>;
    const version = this.newVersion(meta, merged);
    return respondData(versionMetadata(meta, meta.currentVersion, version));
  }

  private deleteLatest(params: PathParams): null {
    const meta = this.keys.get(key(params));
    const latest = meta?.versions.get(meta.currentVersion);
    if (!latest || latest.destroyed || this.isDeleted(latest)) return null;
    latest.deletionNs = this.ctx.clock.nowNanos();
    return null;
  }

  // ----- delete/, undelete/, destroy/ ----------------------------------------------------------

  private deleteVersions(req: LogicalRequest, params: PathParams): null {
    const versions = intSliceField(req.data, 'versions');
    if (versions.length === 0) throw badRequest('No version number provided');
    const meta = this.keys.get(key(params));
    if (!meta) return null;
    for (const number of versions) {
      const version = meta.versions.get(number);
      if (!version || version.destroyed || this.isDeleted(version)) continue;
      version.deletionNs = this.ctx.clock.nowNanos();
    }
    return null;
  }

  private undelete(req: LogicalRequest, params: PathParams): null {
    const versions = intSliceField(req.data, 'versions');
    if (versions.length === 0) throw badRequest('No version number provided');
    const meta = this.keys.get(key(params));
    if (!meta) return null;
    for (const number of versions) {
      const version = meta.versions.get(number);
      if (!version || version.destroyed) continue;
      version.deletionNs = null;
      if (this.config.deleteVersionAfterSeconds !== -1) {
        version.deletionNs = scheduledDeletion(
          this.ctx.clock.nowNanos(),
          this.config.deleteVersionAfterSeconds,
          meta.deleteVersionAfterSeconds,
        );
      }
    }
    return null;
  }

  private destroy(req: LogicalRequest, params: PathParams): null {
    const versions = intSliceField(req.data, 'versions');
    if (versions.length === 0) throw badRequest('no version number provided');
    const meta = this.keys.get(key(params));
    if (!meta) return null;
    for (const number of versions) {
      const version = meta.versions.get(number);
      if (!version || version.destroyed) continue;
      version.destroyed = true;
      version.data = null;
    }
    return null;
  }

  // ----- metadata/ --------------------------------------------------------------------------

  private readMetadata(params: PathParams): DataResponse | null {
    const meta = this.keys.get(key(params));
    return meta ? respondData(keyMetadataData(meta)) : null;
  }

  private writeMetadata(req: LogicalRequest, params: PathParams): DataResponse | null {
    const path = key(params);
    if (path === '') throw badRequest('missing path');
    const fields = ['max_versions', 'cas_required', 'delete_version_after', 'custom_metadata'];
    if (!fields.some((field) => req.data[field] !== undefined && req.data[field] !== null)) return null;
    const maxVersions = intField(req.data, 'max_versions');
    const casRequired = boolField(req.data, 'cas_required');
    const deleteAfter = durationField(req.data, 'delete_version_after');
    const custom = stringMapField(req.data, 'custom_metadata');
    if (custom !== undefined) validateCustomMetadata(custom);
    const warnings = this.casWarning(casRequired);
    let meta = this.keys.get(path);
    if (!meta) {
      meta = newKeyMetadata(path, this.ctx.clock.nowNanos());
      this.keys.set(path, meta);
    }
    if (maxVersions !== undefined) meta.maxVersions = maxVersions;
    if (casRequired !== undefined) meta.casRequired = casRequired;
    if (deleteAfter !== undefined) meta.deleteVersionAfterSeconds = deleteAfter;
    if (custom !== undefined) meta.customMetadata = Object.keys(custom).length > 0 ? custom : null;
    return warnings.length > 0 ? respondData(null, { warnings }) : null;
  }

  private patchMetadata(req: LogicalRequest, params: PathParams): LogicalResponse | null {
    const path = key(params);
    if (path === '') throw badRequest('missing path');
    const customRaw = req.data['custom_metadata'];
    let customPatch: Record<string, unknown> | undefined;
    if (customRaw !== undefined && customRaw !== null) {
      if (!isPlainObject(customRaw)) throw badRequest('custom_metadata validation failed: expected a map');
      customPatch = customRaw;
      const nonNull: Record<string, string> = {};
      for (const [k, v] of Object.entries(customRaw)) if (v !== null) nonNull[k] = String(v);
      validateCustomMetadata(nonNull);
    }
    const meta = this.keys.get(path);
    if (!meta) return notFoundWith(req, null);
    const casRequired = boolField(req.data, 'cas_required');
    const warnings = this.casWarning(casRequired);
    const maxVersions = intField(req.data, 'max_versions');
    const deleteAfter = durationField(req.data, 'delete_version_after');
    if (maxVersions !== undefined) meta.maxVersions = maxVersions;
    if (casRequired !== undefined) meta.casRequired = casRequired;
    if (deleteAfter !== undefined) meta.deleteVersionAfterSeconds = deleteAfter;
    if (customPatch !== undefined) {
      const merged = mergePatch(meta.customMetadata ?? {}, customPatch) as Record<string, unknown>;
      const strings: Record<string, string> = {};
      for (const [k, v] of Object.entries(merged)) strings[k] = String(v);
      validateCustomMetadata(strings);
      meta.customMetadata = Object.keys(strings).length > 0 ? strings : null;
    }
    return warnings.length > 0 ? respondData(null, { warnings }) : null;
  }

  // ----- subkeys/ and config ----------------------------------------------------------------

  private readSubkeys(req: LogicalRequest, params: PathParams): LogicalResponse | null {
    const meta = this.keys.get(key(params));
    if (!meta) return null;
    const requested = intField(req.data, 'version', 0);
    const number = requested > 0 ? requested : meta.currentVersion;
    const version = meta.versions.get(number);
    if (!version) return null;
    const metadata = versionMetadata(meta, number, version);
    if (this.isDeleted(version) || version.destroyed) return notFoundWith(req, { subkeys: null, metadata });
    const depth = intField(req.data, 'depth', 0);
    return respondData({ subkeys: subkeysOf(version.data ?? {}, depth, 1), metadata });
  }

  private readConfig(): DataResponse {
    return respondData({
      cas_required: this.config.casRequired,
      delete_version_after: formatGoDuration(this.config.deleteVersionAfterSeconds),
      max_versions: this.config.maxVersions,
    });
  }

  private writeConfig(req: LogicalRequest): null {
    const maxVersions = intField(req.data, 'max_versions');
    const casRequired = boolField(req.data, 'cas_required');
    const deleteAfter = durationField(req.data, 'delete_version_after');
    if (maxVersions !== undefined) this.config.maxVersions = maxVersions;
    if (casRequired !== undefined) this.config.casRequired = casRequired;
    if (deleteAfter !== undefined) this.config.deleteVersionAfterSeconds = deleteAfter < 0 ? -1 : deleteAfter;
    return null;
  }

  // ----- helpers ----------------------------------------------------------------------------

  private invalidPath(req: LogicalRequest, subCommand: string): RawResponse {
    const warning = ROOT_PATHS.has(req.subPath)
      ? 'Non-listing operations on the root of a K/V v2 mount are not supported.'
      : `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${subCommand}' for this operation.`;
    return { kind: 'raw', status: 404, body: pluginStatusBody(req, { data: null, warnings: [warning] }), headers: JSON_TYPE };
  }

  /** A version whose deletion_time is in the past (a future one is still readable). */
  private isDeleted(version: KvVersion): boolean {
    return version.deletionNs !== null && version.deletionNs < this.ctx.clock.nowNanos();
  }

  private newVersion(meta: KvKeyMetadata, data: Record<string, unknown>): KvVersion {
    const createdNs = this.ctx.clock.nowNanos();
    // The stored data never changes in place (see readData): its JSON text is made once.
    const version: KvVersion = { createdNs, deletionNs: null, destroyed: false, data: asUnchanging(data) };
    if (this.config.deleteVersionAfterSeconds !== -1) {
      version.deletionNs = scheduledDeletion(createdNs, this.config.deleteVersionAfterSeconds, meta.deleteVersionAfterSeconds);
    }
    addVersion(meta, version, this.config.maxVersions);
    return version;
  }

  /** `validateCheckAndSetOption` of the plugin (all three 400 messages). */
  private checkAndSet(req: LogicalRequest, meta: KvKeyMetadata): void {
    const options = req.data['options'];
    if (options !== undefined && options !== null && !isPlainObject(options)) {
      throw badRequest(`Field validation failed: error converting input for field "options": expected a map`);
    }
    if (isPlainObject(options) && 'cas' in options) {
      const raw = options['cas'];
      const cas = raw === null || raw === undefined ? 0 : toInt(raw);
      if (cas === undefined) throw badRequest('error parsing check-and-set parameter');
      if (cas !== meta.currentVersion) throw badRequest('check-and-set parameter did not match the current version');
    } else if (this.config.casRequired || meta.casRequired) {
      throw badRequest('check-and-set parameter required for this call');
    }
  }

  private casWarning(casRequired: boolean | undefined): string[] {
    return casRequired === false && this.config.casRequired
      ? ['"cas_required" set to false, but is mandated by backend config. This value will be ignored.']
      : [];
  }
}

const JSON_TYPE = { 'Content-Type': 'application/json' } as const;

/** Prefixes whose listing {@link KeyIndex} keeps at most. */
const MAX_CACHED_LISTINGS = 256;

/**
 * The keys of a mount with their metadata, remembering LIST answers ({@link listUnder} of the key
 * set, frozen and {@link asUnchanging}: their JSON text is made once) until a key is added or removed.
 */
class KeyIndex extends Map<string, KvKeyMetadata> {
  private readonly listings = new Map<string, readonly string[]>();

  override set(key: string, value: KvKeyMetadata): this {
    if (!this.has(key)) this.listings.clear();
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    const deleted = super.delete(key);
    if (deleted) this.listings.clear();
    return deleted;
  }

  override clear(): void {
    super.clear();
    this.listings.clear();
  }

  /** `listUnder(keys, prefix)`, frozen. */
  list(prefix: string): readonly string[] {
    let listing = this.listings.get(prefix);
    if (listing === undefined) {
      listing = asUnchanging(Object.freeze(listUnder(this.keys(), prefix)));
      if (this.listings.size >= MAX_CACHED_LISTINGS) this.listings.clear();
      this.listings.set(prefix, listing);
    }
    return listing;
  }
}

function key(params: PathParams): string {
  return params['path'] ?? '';
}

/** `logical.RespondWithStatusCode(resp, req, 404)`: plugin-marshalled body (empty when `data` is null). */
function notFoundWith(req: LogicalRequest, data: Record<string, unknown> | null): RawResponse {
  return {
    kind: 'raw',
    status: 404,
    body: data === null ? '' : pluginStatusBody(req, { data }),
    headers: JSON_TYPE,
  };
}

function subkeysOf(data: Record<string, unknown>, maxDepth: number, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    out[k] = isPlainObject(v) && (maxDepth === 0 || depth < maxDepth) ? subkeysOf(v, maxDepth, depth + 1) : null;
  }
  return out;
}

function validateCustomMetadata(custom: Record<string, string>): void {
  const prefix = 'custom_metadata validation failed';
  const keys = Object.keys(custom);
  if (keys.length > 64) {
    throw badRequest(multierror(`${prefix}: payload must contain at most 64 keys, provided ${keys.length}`));
  }
  const errors: string[] = [];
  for (const [k, v] of Object.entries(custom)) {
    const keyLength = Buffer.byteLength(k);
    const valueLength = Buffer.byteLength(v);
    if (keyLength === 0 || keyLength > 128) {
      errors.push(`${prefix}: length of key ${JSON.stringify(k)} is ${keyLength} but must be 0 < len(key) <= 128`);
    }
    if (valueLength === 0 || valueLength > 512) {
      errors.push(`${prefix}: length of value for key ${JSON.stringify(k)} is ${valueLength} but must be 0 < len(value) <= 512`);
    }
  }
  if (errors.length > 0) throw badRequest(multierror(...errors));
}
