/** A KV secret as read from Vault: the inner data plus what KV v2 says about its version. */
export interface KvSecret {
  /** The stored key/value map (the inner `data.data` for KV v2, `data` for KV v1). */
  data: Record<string, unknown>;
  /** KV v2 version number; undefined on KV v1. */
  version?: number;
  /** KV v2 creation time of this version (RFC 3339). */
  createdTime?: string;
  /** KV v2 key-level custom metadata. */
  customMetadata?: Record<string, string> | null;
}

/** KV v2 key metadata (`GET <mount>/metadata/<path>`), without any value. Times are RFC 3339 strings. */
export interface KvMetadata {
  currentVersion: number;
  oldestVersion: number;
  createdTime: string;
  updatedTime: string;
  customMetadata: Record<string, string> | null;
  maxVersions: number;
  casRequired: boolean;
  /** Go duration string, e.g. `"0s"`. */
  deleteVersionAfter: string;
  /** Per version: creation and deletion times and whether it was destroyed. */
  versions: Record<number, { createdTime: string; deletionTime: string; destroyed: boolean }>;
}

/** A KV location: the mount (may contain `/`) and the path inside it, both as raw segments. */
export interface KvLocation {
  mount: readonly string[];
  path: readonly string[];
}

/** Reads one KV engine version. */
export interface KvEngine {
  readonly version: 1 | 2;
  /**
   * Reads a secret. `version` is for KV v2 only.
   * @throws SecretNotFoundError when missing, soft-deleted or destroyed.
   */
  read(location: KvLocation, keyForErrors: string, version?: number): Promise<KvSecret>;
  /** Lists the keys of a folder (sub-folders end with `/`); an empty or missing folder gives `[]`. */
  list(location: KvLocation): Promise<string[]>;
  /** KV v2 metadata of a key; undefined on KV v1, which keeps none. */
  readMetadata(location: KvLocation, keyForErrors: string): Promise<KvMetadata | undefined>;
}
