import type { SecretsManager } from '../../lib/index.js';
import type { SecretsCore } from '../../lib/core/secrets-core.js';
import type { Supervisor } from '../../lib/core/supervisor.js';

/** The core behind a `SecretsService` or `SecretsManager` (tests only). */
export function coreOf(secrets: SecretsManager): SecretsCore {
  return (secrets as unknown as { core: SecretsCore }).core;
}

/** The supervisor behind a `SecretsService` or `SecretsManager`, so a test can run its planned attempt now instead of waiting for it. */
export function supervisorOf(secrets: SecretsManager): Supervisor {
  return coreOf(secrets).supervisor;
}
