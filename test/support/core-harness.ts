import { EventEmitter } from 'node:events';
import { eventBusFrom } from '../../lib/events/secrets-event-bus.js';
import { SecretsEvents, type VaultConfig } from '../../lib/index.js';
import { resolveVaultConfig } from '../../lib/core/resolve-vault-config.js';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import { type VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { CapturingLogger as Capture } from './capture-logs.js';

/** A framework-free core on a resolved config, with a capturing logger and the empty environment. */
export function makeCore(options: VaultConfig, logger = new Capture()): { core: SecretsCore; logger: Capture } {
  const config = resolveVaultConfig(options, {});
  return { core: new SecretsCore(config, { logger }), logger };
}

/** A SecretsCore on the test server, with a capturing logger and a node EventEmitter as event bus. */
export async function coreOn(
  server: VaultTestServer,
  options: Partial<VaultConfig> = {},
  env: NodeJS.ProcessEnv = {},
): Promise<{ core: SecretsCore; logger: Capture; emitter: EventEmitter; events: Array<{ name: string; payload: unknown }> }> {
  const logger = new Capture();
  const emitter = new EventEmitter();
  const events: Array<{ name: string; payload: unknown }> = [];
  for (const name of Object.values(SecretsEvents)) emitter.on(name, (payload: unknown) => void events.push({ name, payload }));
  const core = new SecretsCore(
    resolveVaultConfig(
      { address: server.address, token: server.rootToken, secretsPath: 'secret/app', requestTimeoutMs: 2000, ...options },
      env,
    ),
    { logger, events: eventBusFrom(emitter, (e, err) => logger.error(`listener of ${e} failed: ${String(err)}`)) },
  );
  await core.start();
  core.orchestrator.ready();
  return { core, logger, emitter, events };
}
