import type { ModuleRef } from '@nestjs/core';
import { SecretFeatureError } from '../errors/secret-feature.error.js';
import type { ResolvedVaultConfig } from '../options/resolved-vault-config.js';
import type { VaultConfig } from '../options/vault-config.js';
import { SecretsManager } from '../core/secrets.manager.js';
import type { SecretRotatedEvent } from '../events/secret-rotated.event.js';
import { SecretsEvents } from '../events/secrets-events.js';
import { ConfigSecrets } from './config-secrets.js';
import { vaultIdentity } from './vault-identity.js';

/** Options of {@link vaultConfigLoader}: which keys, under which prefix, plus any Vault setting. */
export interface VaultConfigLoaderOptions extends VaultConfig {
  /**
   * Where the keys live, as in `SecretsModule.forRoot` (e.g. `secret/data/app`). Required here (the
   * module defaults to the `secret` mount's root), so a loader never silently reads `secret/data/<key>`
   * and fails the boot on a path the app did not mean; give the module the same value to share its client.
   */
  secretsPath: string;
  /** KV keys (relative to `secretsPath`) to load, e.g. `['database', 'kafka/producer']`. */
  keys: readonly string[];
  /** Where they appear in `ConfigService`: `config.get('<prefix>.database.password')`. Default `vault`. */
  prefix?: string;
}

/** The part of `ConfigService` (from `@nestjs/config`) the loader uses. */
interface ConfigSetter {
  get(path: string): unknown;
  set(path: string, value: unknown): void;
}

/** The part of `SecretsService` the loader uses once bound to the app's module. */
interface RotationSource {
  onRotationUpdate(keys: readonly string[], updater: (event: SecretRotatedEvent) => (() => void) | undefined): () => void;
  fetchSecret(key: string): Promise<unknown>;
}

interface LoaderState {
  prefix: string;
  root: ConfigSecrets;
  manager: SecretsManager;
  bound: boolean;
  bind(config: ConfigSetter, module: RotationSource, moduleConfig: ResolvedVaultConfig): Promise<void>;
  close(): Promise<void>;
}

/** The loader's own client, whose resolved configuration is compared with the module's. */
class LoaderManager extends SecretsManager {
  get resolvedConfig(): ResolvedVaultConfig {
    return this.core.config;
  }
}

/** Loaders whose values were loaded and not yet closed; `SecretsService` binds them to the app's `ConfigService`. */
const active = new Set<LoaderState>();

/** `ConfigService` path of a key: `kafka/producer` under `vault` → `vault.kafka.producer`. */
function pathOf(prefix: string, key: string): string {
  return [prefix, ...key.split('/')].join('.');
}

function assignPath(target: ConfigSecrets | Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment];
    node = (node[segment] = typeof next === 'object' && next !== null ? { ...next } : {}) as Record<string, unknown>;
  }
  node[segments[segments.length - 1]!] = value;
}

/**
 * A `load` factory for `@nestjs/config`: Vault secrets in `ConfigService`.
 *
 * ```ts
 * ConfigModule.forRoot({ load: [vaultConfigLoader({ secretsPath: 'secret/data/app', keys: ['database', 'kafka/producer'] })] })
 * config.get<string>('vault.database.password')
 * ```
 * Reads the keys once at boot (`GET <mount>/data/<path>` each) with the Vault settings given
 * (default: Vault's own `VAULT_ADDR`, `VAULT_TOKEN`, ... environment variables). Once the app has
 * booted with `SecretsModule`, new versions (change detection, `watch`) and rotations are written
 * with `ConfigService.set('<prefix>.<key>', value)`, so `config.get` returns the new value and
 * `config.changes$` fires. When the module reads from the same Vault as the same identity (same
 * address, namespaces, auth method and credential, compared by fingerprint, and the same
 * `secretsPath`, `secretsMount`, `kvVersion` and `paths`), the loader hands over to the module's
 * client after boot (its own connection is closed) and follows the module's rotations; otherwise
 * it keeps its own client, never takes a value from the module, and closes it at shutdown.
 *
 * The object under `<prefix>` shows only its key names in `util.inspect`, `JSON.stringify` and
 * `String()`, so inspecting or serialising `ConfigService` shows no secret; `config.get` returns
 * the values themselves.
 *
 * @throws at boot: InvalidOptionsError for bad options; the read error of the one key that failed,
 *   or SecretFeatureError listing every key that could not be read.
 */
export function vaultConfigLoader(options: VaultConfigLoaderOptions): () => Promise<Record<string, unknown>> {
  const { keys, prefix = 'vault', ...vault } = options;
  return async () => {
    const manager = new LoaderManager({ ...vault, watch: { ...vault.watch, keys: [...(vault.watch?.keys ?? []), ...keys] } });
    await manager.start();
    const values = new ConfigSecrets(keys);
    const results = await Promise.allSettled(keys.map((key) => manager.fetchSecret<Record<string, unknown>>(key)));
    const failures: Array<{ key: string; error: Error }> = [];
    results.forEach((result, index) => {
      const key = keys[index]!;
      if (result.status === 'fulfilled') assignPath(values, key.split('/'), { ...result.value });
      else failures.push({ key, error: result.reason instanceof Error ? result.reason : new Error(String(result.reason)) });
    });
    if (failures.length > 0) {
      await manager.stop();
      throw failures.length === 1 ? failures[0]!.error : new SecretFeatureError(failures);
    }
    let config: ConfigSetter | undefined;
    let unregister: (() => void) | undefined;
    const apply = (event: SecretRotatedEvent): void => {
      if (!keys.includes(event.key)) return;
      const value = { ...event.secret<Record<string, unknown>>() };
      if (config) config.set(pathOf(prefix, event.key), value);
      else assignPath(values, event.key.split('/'), value);
    };
    const state: LoaderState = {
      prefix,
      root: values,
      manager,
      bound: false,
      bind: async (target, module, moduleConfig) => {
        config = target;
        state.bound = true;
        const [own, theirs] = await Promise.all([vaultIdentity(manager.resolvedConfig), vaultIdentity(moduleConfig)]);
        if (own === undefined || own !== theirs) return;
        // Same Vault, identity and paths as the app's SecretsModule: follow its client (one login, one watcher) from now on.
        // Updated with the module's refs, before any @OnSecretRotated handler runs.
        unregister = module.onRotationUpdate(keys, (event) => () => apply(event));
        await manager.stop();
        await Promise.allSettled(keys.map((key) => module.fetchSecret(key)));
      },
      close: async () => {
        active.delete(state);
        unregister?.();
        await manager.stop();
      },
    };
    manager.on(SecretsEvents.Rotated, (payload) => apply(payload as SecretRotatedEvent));
    active.add(state);
    return { [prefix]: values };
  };
}

/**
 * @internal Binds the loaders whose values this app's `ConfigService` holds (when `@nestjs/config`
 * is installed and imported), so rotations reach `ConfigService.set`.
 * @returns a function that closes the bound loaders (called on shutdown).
 */
export async function bindVaultConfigLoaders(
  moduleRef: ModuleRef,
  module: RotationSource,
  moduleConfig: ResolvedVaultConfig,
): Promise<() => Promise<void>> {
  if (active.size === 0) return () => Promise.resolve();
  let config: ConfigSetter | undefined;
  try {
    const { ConfigService } = await import('@nestjs/config');
    config = moduleRef.get(ConfigService, { strict: false }) as ConfigSetter | undefined;
  } catch {
    return () => Promise.resolve();
  }
  if (!config) return () => Promise.resolve();
  const mine = [...active].filter((state) => !state.bound && config.get(state.prefix) === state.root);
  await Promise.all(mine.map((state) => state.bind(config, module, moduleConfig)));
  return async () => {
    await Promise.allSettled(mine.map((state) => state.close()));
  };
}
