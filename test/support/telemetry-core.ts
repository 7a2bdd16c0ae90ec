import type { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import type { VaultConfig } from '../../lib/index.js';
import { resolveVaultConfig } from '../../lib/core/resolve-vault-config.js';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import { VaultTelemetry } from '../../lib/telemetry/vault-telemetry.js';
import { VaultClient } from '../../lib/transport/vault-client.js';
import { CapturingLogger } from './capture-logs.js';
import { CountingTransport, FakeTime } from './fake-time.js';

/**
 * A started core named `primary` on the test server with telemetry (to the globally registered
 * OpenTelemetry providers); its time is the server's frozen clock, moved by the test. Defaults:
 * the server's root token, `secretsPath` `secret/app`, no retries, 2 s request timeout, no watcher.
 */
export async function telemetryCore(
  server: VaultTestServer,
  options: Partial<VaultConfig> & { includeKeyNames?: boolean } = {},
): Promise<{ core: SecretsCore; time: FakeTime }> {
  const { includeKeyNames = false, ...overrides } = options;
  const config = resolveVaultConfig(
    {
      address: server.address,
      token: server.rootToken,
      secretsPath: 'secret/app',
      maxRetries: 0,
      requestTimeoutMs: 2000,
      watch: { enabled: false },
      telemetry: { includeKeyNames },
      ...overrides,
    },
    {},
  );
  const telemetry = new VaultTelemetry({ vault: 'primary', includeKeyNames, authMethod: config.authMethod.name });
  const transport = new CountingTransport(new VaultClient(config, { getToken: async () => undefined }, telemetry));
  // eslint-disable-next-line prefer-const -- read by the idle function after construction
  let core: SecretsCore;
  const time = new FakeTime(server.clock, async () => {
    await transport.quiet();
    await core.supervisor.settled();
    await transport.quiet();
  });
  core = new SecretsCore(config, {
    clock: server.clock,
    scheduler: time,
    logger: new CapturingLogger(),
    random: () => 0.5,
    transport,
    telemetry,
    vaultName: 'primary',
  });
  await core.start();
  core.orchestrator.ready();
  return { core, time };
}
