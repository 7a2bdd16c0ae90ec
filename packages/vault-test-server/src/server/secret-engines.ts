/**
 * Registration of the secrets engines beyond KV: `database` (PostgreSQL plugin), `aws`, `pki`
 * and `transit`.
 * Called from `registerBuiltinBackends`.
 */
import type { BackendRegistry } from './backend-registry.js';
import { AwsBackend } from './aws.backend.js';
import { DatabaseBackend } from './database.backend.js';
import { PkiBackend } from './pki.backend.js';
import { TransitBackend } from './transit.backend.js';

/** Registers `database`, `aws`, `pki` and `transit` in the secrets table. */
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
  registry.register({
    type: 'transit',
    table: 'secret',
    factory: (ctx) => new TransitBackend(ctx),
  });
}
