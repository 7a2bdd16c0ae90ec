import { SecretKeyParser, type ParsedSecretKey } from './secret-key.parser.js';
import { runBulkWork } from './bulk-work.js';
import { kvFolderLister } from './kv-folder-lister.js';
import { SecretCache } from './secret-cache.js';
import { splitSecretKey } from '../../transport/vault-path.js';
import type { VaultRequester } from '../../contracts/vault-requester.js';
import type { KvEngine, KvLocation, KvSecret } from '../../engines/kv-engine.js';
import { KvLocator, located, type KvLocated } from '../../engines/kv-locator.js';
import { AuthFailedError } from '../../errors/auth-failed.error.js';
import { InvalidSecretKeyError } from '../../errors/invalid-secret-key.error.js';
import { InvalidTokenError } from '../../errors/invalid-token.error.js';
import { PermissionDeniedError } from '../../errors/permission-denied.error.js';
import { SecretNotFoundError } from '../../errors/secret-not-found.error.js';
import type { SecretsError } from '../../errors/secrets.error.js';
import { VaultUnavailableError } from '../../errors/vault-unavailable.error.js';
import type { ResolvedVaultConfig } from '../../options/resolved-vault-config.js';
import type { Clock } from '../../timing/clock.js';
import type { Availability } from './availability.js';
import { fingerprint } from './kv-fingerprint.js';
import { readOutcomeOf, readSourceOf } from '../../telemetry/read-source.js';
import type { VaultTelemetry } from '../../telemetry/vault-telemetry.js';
import { kvWrittenKey } from './kv-written-key.js';

/** The options of a plain read (latest version, through the cache). */
const NO_OPTIONS: FetchSecretOptions = Object.freeze({});

/** Per-call options of `fetchSecret`. */
export interface FetchSecretOptions {
  /** A KV v2 version to read instead of the latest. Cached separately from "latest". */
  version?: number;
  /** Skip a fresh cache entry and read from Vault (the result refreshes the cache). */
  refresh?: boolean;
  /** @internal Never serve a fallback: throw the Vault error (change detection and rotation must see Vault's value). */
  noFallback?: boolean;
}

/** What `describeSecret` tells about a key: versions and metadata, never a value. Times are RFC 3339 strings. */
export interface SecretDescription {
  /** The key as given, relative to `secretsPath`. */
  key: string;
  /** The KV mount, e.g. `secret`. */
  mount: string;
  /** The path inside the mount, e.g. `app/database`. */
  path: string;
  kvVersion: 1 | 2;
  /** Latest version number (KV v2). */
  currentVersion?: number;
  /** Oldest version still kept (KV v2). */
  oldestVersion?: number;
  /** When the key was first written (KV v2). */
  createdTime?: string;
  /** When the latest version was written (KV v2). */
  updatedTime?: string;
  /** Key-level custom metadata (KV v2). */
  customMetadata?: Record<string, string> | null;
  /** Per version: creation and deletion times, destroyed flag (KV v2). */
  versions?: Record<number, { createdTime: string; deletionTime: string; destroyed: boolean }>;
}

/** Collaborators of {@link KvReader}. */
export interface KvReaderDeps {
  config: ResolvedVaultConfig;
  /** The supervised requester (refuses at once while the supervisor backs off). */
  client: VaultRequester;
  clock: Clock;
  availability: Availability;
  /** Called after each read of the latest version from Vault (watch it; announce a value that differs from the fallback served before). */
  onVaultRead: (key: string, secret: KvSecret, previousFallback: Record<string, unknown> | undefined) => void;
  /** Counts reads by source and outcome. */
  telemetry?: VaultTelemetry;
}

/**
 * The KV read path: key → KV location → cache (single-flight) → KV engine → Vault; when Vault
 * is unavailable (or the token cannot be replaced), the last good value or a fallback.
 * Permission denied and not found are answers: they fall back only for `fallbackKeys`.
 * Never logs or stringifies a value.
 */
export class KvReader {
  readonly #deps: KvReaderDeps;
  readonly #locator: KvLocator;
  /** Locators of the named `paths` (`shared:kafka` → the `shared` path). */
  readonly #paths = new Map<string, KvLocator>();
  readonly #cache: SecretCache<KvSecret>;
  /** Memoised key parsing for the warm path (bounded). */
  readonly #keys = new SecretKeyParser();

  constructor(deps: KvReaderDeps) {
    this.#deps = deps;
    this.#locator = new KvLocator(deps.config, deps.client);
    for (const [name, path] of Object.entries(deps.config.paths ?? {})) {
      this.#paths.set(name, new KvLocator({ ...deps.config, secretsPath: path, secretsMount: undefined }, deps.client));
    }
    this.#cache = new SecretCache<KvSecret>({
      ttlMs: deps.config.cache.ttlMs,
      maxEntries: deps.config.cache.maxEntries,
      clock: deps.clock,
    });
  }

  /**
   * The warm path: the cached latest value of a key when fresh, from a memoised parse of the key
   * (no allocation on a hit); `undefined` otherwise (then {@link read} does the work).
   */
  peekWarm(key: string): KvSecret | undefined {
    return this.#cache.peek(this.#keys.parse(key).latestCacheKey);
  }

  /** The mount locator of `secretsPath` (mount and KV version detection). */
  get locator(): KvLocator {
    return this.#locator;
  }

  /**
   * Where a key lives: `name:rest` with `name` one of the `paths` → that location; any other key
   * → relative to `secretsPath`. `cachePrefix` names the location in the cache. Keys are parsed
   * once (memoised); `segments` is frozen and shared.
   * @throws InvalidSecretKeyError for a malformed key.
   */
  route(key: string): { locator: KvLocator; segments: readonly string[]; cachePrefix: string } {
    const colon = typeof key === 'string' ? key.indexOf(':') : -1;
    const named = colon > 0 ? this.#paths.get(key.slice(0, colon)) : undefined;
    if (named) {
      const parsed = this.#keys.parse(key.slice(colon + 1));
      return { locator: named, segments: parsed.segments, cachePrefix: `${key.slice(0, colon)}:${parsed.path}` };
    }
    const parsed = this.#keys.parse(key);
    return { locator: this.#locator, segments: parsed.segments, cachePrefix: parsed.path };
  }

  /**
   * Keys and folders directly under a folder, without values (KV v2 `LIST <mount>/metadata/<folder>/`,
   * KV v1 `LIST <mount>/<folder>/`). `prefix` is relative to `secretsPath` (`''` = its root), or
   * `name:` / `name:folder` for a named path. Folders end with `/`. A missing folder lists nothing.
   * @throws InvalidSecretKeyError, PermissionDeniedError, VaultUnavailableError.
   */
  async list(prefix = ''): Promise<string[]> {
    const colon = prefix.indexOf(':');
    const name = colon > 0 ? prefix.slice(0, colon) : undefined;
    const named = name === undefined ? undefined : this.#paths.get(name);
    const locator = named ?? this.#locator;
    const folder = (named ? prefix.slice(colon + 1) : prefix).replace(/\/+$/, '');
    const segments = folder === '' ? [] : splitSecretKey(folder);
    const base = await locator.base();
    const entries = await base.engine.list({ mount: base.mount, path: [...base.base, ...segments] });
    return [...entries].sort();
  }

  /**
   * Reads a KV secret relative to `secretsPath` (`GET <mount>/data/<path>` for KV v2,
   * `GET <mount>/<path>` for KV v1), through the cache.
   *
   * @throws InvalidSecretKeyError before any request for a malformed key or version;
   *   SecretNotFoundError; PermissionDeniedError; VaultUnavailableError / VaultSealedError (with
   *   `nextAttemptAt` while the supervisor backs off) when no fallback has the key;
   *   UnsupportedOperationError for a version on KV v1.
   */
  async read(key: string, options: FetchSecretOptions = {}): Promise<KvSecret> {
    const { locator, segments, cachePrefix } = this.route(key);
    const { version } = options;
    if (version !== undefined && (!Number.isSafeInteger(version) || version < 1)) {
      throw new InvalidSecretKeyError(key, `it must be a whole number ≥ 1, got ${String(version)}`, 'version');
    }
    return this.#read(key, `${cachePrefix}@${version ?? 'latest'}`, () => locator.locate(segments), options);
  }

  /** {@link read} once the key is routed: `locate` gives its location and engine on a cache miss. */
  async #read(key: string, cacheKey: string, locate: () => Promise<KvLocated> | KvLocated, options: FetchSecretOptions): Promise<KvSecret> {
    const { version } = options;
    const telemetry = this.#deps.telemetry;
    let fromVault = false;
    try {
      const secret = await this.#cache.get(
        cacheKey,
        async () => {
          fromVault = true;
          // Known once the mount is: no promise to wait for on the usual read.
          const where = locate();
          const { location, engine } = where instanceof Promise ? await where : where;
          const secret = await engine.read(location, key, version);
          if (version === undefined) this.#deps.onVaultRead(key, secret, this.#deps.availability.remember(key, secret)?.previous);
          return secret;
        },
        options.refresh === true,
      );
      if (fromVault) telemetry?.read(key, 'vault', 'ok');
      else telemetry?.cacheHit(key);
      return secret;
    } catch (error) {
      // Vault said the latest version is gone: never serve it again, from the cache or as "last good".
      if (version === undefined && error instanceof SecretNotFoundError) {
        this.#cache.delete(cacheKey);
        this.#deps.availability.forget(key);
      }
      const served = await this.#fallBack(key, error, version !== undefined || options.noFallback === true);
      if (!served) {
        telemetry?.read(key, 'vault', readOutcomeOf(error));
        throw error;
      }
      telemetry?.read(key, readSourceOf(this.#deps.availability.sourceOf(key)), 'ok');
      return served;
    }
  }

  /** What serves `key` after `error`: a fallback for outages (and opted-in 403/404), else nothing. */
  async #fallBack(key: string, error: unknown, never: boolean): Promise<KvSecret | undefined> {
    if (never) return undefined;
    const outage = error instanceof VaultUnavailableError || error instanceof AuthFailedError || error instanceof InvalidTokenError;
    // 403/404 are answers, not outages: they fall back only for keys the app opted in.
    const optedIn =
      (error instanceof SecretNotFoundError || error instanceof PermissionDeniedError) && this.#deps.config.fallbackKeys.includes(key);
    if (!outage && !optedIn) return undefined;
    return this.#deps.availability.serve(key, error as SecretsError);
  }

  /** The cached latest entry of `key`, if any (no request). */
  peekLatest(key: string): KvSecret | undefined {
    return this.#cache.peek(`${this.route(key).cachePrefix}@latest`);
  }

  /** Drops cached entries: one key (all its versions) or, without a key, everything. */
  invalidate(key?: string): void {
    if (key === undefined) return this.#cache.clear();
    const prefix = `${this.route(key).cachePrefix}@`;
    for (const cacheKey of this.#cache.keys()) if (cacheKey.startsWith(prefix)) this.#cache.delete(cacheKey);
  }

  /**
   * Drops the cached entries of the key a write to `apiPath` (relative to `/v1/`, e.g.
   * `secret/data/app/db` or `secret/metadata/app/db`) may have changed, under `secretsPath` or a
   * named path. Sends no request unless a mount is still to be detected; never throws.
   */
  async invalidateWritten(apiPath: string): Promise<void> {
    const locators: Array<[string, KvLocator]> = [
      ['', this.#locator],
      ...[...this.#paths].map(([n, l]): [string, KvLocator] => [`${n}:`, l]),
    ];
    for (const [prefix, locator] of locators) {
      try {
        const key = kvWrittenKey(await locator.base(), apiPath);
        if (key !== undefined) this.invalidate(prefix + key);
      } catch {
        // A mount not detected (Vault down) holds nothing in the cache; a path that is no key names none.
      }
    }
  }

  /** Number of cached entries. */
  get cachedEntries(): number {
    return this.#cache.size;
  }

  /** A JSON-safe description of the cache (no values). */
  cacheJson(): Record<string, unknown> {
    return this.#cache.toJSON();
  }

  /**
   * Reads every key under `secretsPath`, recursing into folders: `LIST` each folder, then one
   * read per key (through the cache), at most `bulkConcurrency` requests at once. Keys whose
   * latest version is deleted or destroyed are left out. A key named like a named-path key
   * (`shared:kafka` with `shared` in `paths`) is read without the cache or a fallback: those
   * belong to the named path's key.
   * @throws PermissionDeniedError, VaultUnavailableError and other read errors (the first one met);
   *   MalformedResponseError naming the folder when folders nest more than 32 levels (a LIST cycle);
   *   UnsupportedOperationError naming the folder when more than 100 000 entries are listed.
   */
  async readAll(): Promise<Record<string, Record<string, unknown>>> {
    const base = await this.#locator.base();
    const result = new Map<string, Record<string, unknown>>();
    const readKey = async (parsed: ParsedSecretKey): Promise<void> => {
      const at = located(base, parsed.segments);
      try {
        // `shared:kafka` under secretsPath, with `shared` one of the `paths`: its cache entry, "last good"
        // value and watch are those of fetchSecret('shared:kafka') (the named path's key), so it is read
        // straight from Vault and kept nowhere.
        const data = this.#namesPath(parsed.path)
          ? await this.#readUncached(parsed.path, at.location, at.engine)
          : (await this.#read(parsed.path, parsed.latestCacheKey, () => at, NO_OPTIONS)).data;
        result.set(parsed.path, data as Record<string, unknown>);
      } catch (error) {
        if (!(error instanceof SecretNotFoundError)) throw error;
      }
    };
    // The mount is known from the walk: each key is parsed once (memoised) and read without another lookup.
    await runBulkWork(this.#deps.config.bulkConcurrency, kvFolderLister(base, this.#keys), readKey);
    return Object.fromEntries([...result.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Whether `key` starts with `name:` for a `name` of the `paths` option (then {@link route} sends it there). */
  #namesPath(key: string): boolean {
    if (this.#paths.size === 0) return false;
    const colon = key.indexOf(':');
    return colon > 0 && this.#paths.has(key.slice(0, colon));
  }

  /** The latest data at `location`, from Vault, with no cache, "last good" value or fallback (counted as a Vault read). */
  async #readUncached(key: string, location: KvLocation, engine: KvEngine): Promise<Record<string, unknown>> {
    const telemetry = this.#deps.telemetry;
    try {
      const secret = await engine.read(location, key);
      telemetry?.read(key, 'vault', 'ok');
      return secret.data as Record<string, unknown>;
    } catch (error) {
      telemetry?.read(key, 'vault', readOutcomeOf(error));
      throw error;
    }
  }

  /**
   * Describes a key without reading its value: KV v2 metadata (`GET <mount>/metadata/<path>`).
   * On KV v1, which keeps no metadata, only the location is returned.
   * @throws InvalidSecretKeyError; SecretNotFoundError; PermissionDeniedError; VaultUnavailableError.
   */
  async describe(key: string): Promise<SecretDescription> {
    const { locator, segments } = this.route(key);
    const { location, engine } = await locator.locate(segments);
    const description: SecretDescription = {
      key,
      mount: location.mount.join('/'),
      path: location.path.join('/'),
      kvVersion: engine.version,
    };
    const metadata = await engine.readMetadata(location, key);
    if (!metadata) return description;
    return {
      ...description,
      currentVersion: metadata.currentVersion,
      oldestVersion: metadata.oldestVersion,
      createdTime: metadata.createdTime,
      updatedTime: metadata.updatedTime,
      customMetadata: metadata.customMetadata,
      versions: metadata.versions,
    };
  }

  /** The latest version of a KV key (v2 metadata), or a fingerprint of its value (v1). @throws SecretNotFoundError when the latest version is gone. */
  async currentVersion(key: string): Promise<string | number> {
    const { locator, segments } = this.route(key);
    const { location, engine } = await locator.locate(segments);
    const metadata = await engine.readMetadata(location, key);
    if (!metadata) return fingerprint((await engine.read(location, key)).data);
    const latest = metadata.versions[metadata.currentVersion];
    if (latest?.destroyed) throw new SecretNotFoundError(key, 'destroyed', { version: metadata.currentVersion });
    if (latest?.deletionTime && Date.parse(latest.deletionTime) <= this.#deps.clock.now()) {
      throw new SecretNotFoundError(key, 'deleted', { version: metadata.currentVersion });
    }
    // The creation time tells a re-created key apart from the old one at the same version number.
    return `${metadata.currentVersion}@${latest?.createdTime ?? ''}`;
  }

  /** `secret/data/app/db` → `db` when it lies under `secretsPath`. */
  async keyOfDataPath(dataPath: string): Promise<string | undefined> {
    const base = await this.#locator.base();
    const prefix = [...base.mount, 'data', ...base.base].join('/') + '/';
    return dataPath.startsWith(prefix) ? dataPath.slice(prefix.length) : undefined;
  }
}
