/**
 * Data model of KV v2 (vault-plugin-secrets-kv): per-key metadata with numbered versions.
 * Instants are **nanoseconds** since the epoch (RFC3339Nano on the wire); durations **seconds**.
 */
import { formatGoDuration } from './go-duration.js';
import { formatRfc3339Nano } from './time-format.js';

/** Versions kept per key when neither the key nor the engine config says otherwise. */
export const DEFAULT_MAX_VERSIONS = 10;

/** One version of a key. */
export interface KvVersion {
  readonly createdNs: bigint;
  /** Soft-deletion time (past = deleted, future = scheduled by delete_version_after), or null. */
  deletionNs: bigint | null;
  destroyed: boolean;
  /** The secret data; null once destroyed. */
  data: Record<string, unknown> | null;
}

/** Key-level metadata. */
export interface KvKeyMetadata {
  readonly key: string;
  readonly versions: Map<number, KvVersion>;
  currentVersion: number;
  oldestVersion: number;
  createdNs: bigint | null;
  updatedNs: bigint | null;
  /** 0 = engine default. */
  maxVersions: number;
  casRequired: boolean;
  /** Seconds; 0 = unset. */
  deleteVersionAfterSeconds: number;
  /** null when empty (Vault returns `null`, never `{}`). */
  customMetadata: Record<string, string> | null;
}

/** Engine configuration (`<mount>/config`). */
export interface KvEngineConfig {
  /** 0 = default (10). */
  maxVersions: number;
  casRequired: boolean;
  /** Seconds; 0 = unset, -1 = disabled for all keys. */
  deleteVersionAfterSeconds: number;
}

/** Creates empty metadata for a new key. */
export function newKeyMetadata(key: string, nowNs: bigint | null = null): KvKeyMetadata {
  return {
    key,
    versions: new Map(),
    currentVersion: 0,
    oldestVersion: 0,
    createdNs: nowNs,
    updatedNs: nowNs,
    maxVersions: 0,
    casRequired: false,
    deleteVersionAfterSeconds: 0,
    customMetadata: null,
  };
}

/** Go's `deletionTime`: creation + the smallest non-zero of mount/key delete_version_after. */
export function scheduledDeletion(createdNs: bigint, mountSeconds: number, keySeconds: number): bigint | null {
  if (mountSeconds === 0 && keySeconds === 0) return null;
  let min = keySeconds;
  if ((mountSeconds !== 0 && mountSeconds < min) || min === 0) min = mountSeconds;
  return createdNs + BigInt(min) * 1_000_000_000n;
}

/**
 * Appends a version and prunes the oldest ones beyond max_versions (plugin `AddVersion`:
 * the limit is max(key, engine) or 10).
 */
export function addVersion(meta: KvKeyMetadata, version: KvVersion, configMaxVersions: number): void {
  meta.currentVersion += 1;
  meta.versions.set(meta.currentVersion, version);
  meta.updatedNs = version.createdNs;
  if (meta.createdNs === null) meta.createdNs = version.createdNs;
  const limit = Math.max(meta.maxVersions, configMaxVersions) > 0 ? Math.max(meta.maxVersions, configMaxVersions) : DEFAULT_MAX_VERSIONS;
  if (meta.currentVersion - meta.oldestVersion >= limit) {
    const versionToDelete = meta.currentVersion - limit;
    for (let i = meta.oldestVersion; i < versionToDelete + 1; i += 1) meta.versions.delete(i);
    meta.oldestVersion = versionToDelete + 1;
  }
}

/** `""` or the RFC3339Nano text of an optional instant. */
export function timeText(ns: bigint | null): string {
  return ns === null ? '' : formatRfc3339Nano(ns);
}

/** The per-version metadata map returned by reads and writes. */
export function versionMetadata(meta: KvKeyMetadata, versionNumber: number, version: KvVersion): Record<string, unknown> {
  return {
    created_time: timeText(version.createdNs),
    custom_metadata: meta.customMetadata ? { ...meta.customMetadata } : null,
    deletion_time: timeText(version.deletionNs),
    destroyed: version.destroyed,
    version: versionNumber,
  };
}

/** The `data` of `GET <mount>/metadata/:path`. */
export function keyMetadataData(meta: KvKeyMetadata): Record<string, unknown> {
  const versions: Record<string, unknown> = {};
  for (const [number, version] of meta.versions) {
    versions[String(number)] = {
      created_time: timeText(version.createdNs),
      deletion_time: timeText(version.deletionNs),
      destroyed: version.destroyed,
    };
  }
  return {
    cas_required: meta.casRequired,
    created_time: timeText(meta.createdNs),
    current_version: meta.currentVersion,
    custom_metadata: meta.customMetadata ? { ...meta.customMetadata } : null,
    delete_version_after: formatGoDuration(meta.deleteVersionAfterSeconds),
    max_versions: meta.maxVersions,
    oldest_version: meta.oldestVersion,
    updated_time: timeText(meta.updatedNs),
    versions,
  };
}
