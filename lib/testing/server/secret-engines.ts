/**
 * Registration of the leased secrets engines: `database` (PostgreSQL plugin), `aws` and `pki`.
 * Called from `registerBuiltinBackends`.
 */
import type { BackendRegistry } from './backend-registry.js';
import { AwsBackend } from './aws.backend.js';
import { DatabaseBackend } from './database.backend.js';
import { PkiBackend } from './pki.backend.js';

/** Registers `database`, `aws` and `pki` in the secrets table. */
export function registerSecretEngines(registry: BackendRegistry): void {
  registry.register({
    type: 'database',
    table: 'secret',
    factory: (ctx, mount) => new DatabaseBackend(ctx, mount),
  });
  registry.register({
    type: 'aws',
    table: 'secret',
    factory: (ctx, mount) => new AwsBackend(ctx, mount),
  });
  registry.register({
    type: 'pki',
    table: 'secret',
    factory: (ctx, mount) => new PkiBackend(ctx, mount),
  });
}
