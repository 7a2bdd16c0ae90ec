/**
 * Mountable backend types available in every test server. To add an engine or auth method,
 * implement `Backend` (usually via `FrameworkBackend`) in its own file and register it here,
 * e.g. `registry.register({ type: 'approle', table: 'auth', factory: (ctx, mount) => new AppRoleBackend(ctx, mount) })`.
 */
import type { BackendFactory } from './backend.js';
import type { BackendRegistry } from './backend-registry.js';
import { registerAuthBackends } from './auth-backends.js';
import { KvV1Backend } from './kv-v1.backend.js';
import { KvV2Backend } from './kv-v2.backend.js';
import { registerSecretEngines } from './secret-engines.js';

/** Registers the built-in mountable types (`kv`, with aliases `kv-v1`/`kv-v2`, and `generic`). */
export function registerBuiltinBackends(registry: BackendRegistry): void {
  const kvFactory: BackendFactory = (ctx, mount) =>
    mount.options?.['version'] === '2' ? new KvV2Backend(ctx) : new KvV1Backend(ctx, mount);
  registry.register({
    type: 'kv',
    table: 'secret',
    runningVersion: 'v0.19.0+builtin',
    aliases: { 'kv-v1': { version: '1' }, 'kv-v2': { version: '2' } },
    factory: kvFactory,
  });
  // Vault's `mountAliases` (vault/mount.go): a `generic` mount runs the kv backend but keeps
  // `generic` as its type in the mount table, so `sys/mounts` reports `type: "generic"`.
  registry.register({ type: 'generic', table: 'secret', runningVersion: 'v0.19.0+builtin', factory: kvFactory });
  registerAuthBackends(registry);
  registerSecretEngines(registry);
}
