import { EventEmitter } from 'node:events';
import { SecretsEvents, type SecretRotatedEvent, type VaultConfig } from '../../lib/index.js';
import { type VaultRequest } from '../../lib/contracts/vault-request.js';
import { eventBusFrom } from '../../lib/events/secrets-event-bus.js';
import { resolveVaultConfig } from '../../lib/core/resolve-vault-config.js';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import type { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { VaultClient } from '../../lib/transport/vault-client.js';
import { CapturingLogger } from './capture-logs.js';
import { CountingTransport, FakeTime } from './fake-time.js';

/**
 * A SecretsCore on the test server whose time is the server's frozen clock, moved by the test
 * (`time`), with `random` 0.5 (each supervisor attempt in the middle of its window). `sent` is every
 * request the module sent; `count(path)` counts them; `named(event)` lists an event's payloads.
 * The core is pushed to `cores` so the test's `afterEach` can close it.
 */
export function supervisedCore(server: VaultTestServer, cores: SecretsCore[], options: Partial<VaultConfig>) {
  const config = resolveVaultConfig(
    { address: server.address, secretsPath: 'secret/app', maxRetries: 0, requestTimeoutMs: 2000, watch: { enabled: false }, ...options },
    {},
  );
  const sent: VaultRequest[] = [];
  const inner = new VaultClient(config, { getToken: async () => undefined });
  const transport = new CountingTransport({
    address: inner.address,
    useTokenSource: (t) => inner.useTokenSource(t),
    close: () => inner.close(),
    request: (req) => {
      sent.push(req);
      return inner.request(req);
    },
  });
  const logger = new CapturingLogger();
  const emitter = new EventEmitter();
  const events: Array<{ name: string; payload: unknown }> = [];
  for (const name of Object.values(SecretsEvents)) emitter.on(name, (payload: unknown) => void events.push({ name, payload }));
  const rotations: SecretRotatedEvent[] = [];
  emitter.on(SecretsEvents.Rotated, (e: SecretRotatedEvent) => void rotations.push(e));
  // eslint-disable-next-line prefer-const -- the idle function reads it after construction
  let core: SecretsCore;
  const time = new FakeTime(server.clock, async () => {
    await transport.quiet();
    await core.tokens.settled();
    await core.supervisor.settled();
    await transport.quiet();
  });
  core = new SecretsCore(config, {
    clock: server.clock,
    scheduler: time,
    logger,
    events: eventBusFrom(emitter, (e, err) => logger.error(`listener of ${e} failed: ${String(err)}`)),
    random: () => 0.5,
    transport,
  });
  core.orchestrator.ready();
  cores.push(core);
  const named = (name: string): unknown[] => events.filter((e) => e.name === name).map((e) => e.payload);
  const count = (path: string | RegExp): number =>
    sent.filter((r) => (typeof path === 'string' ? r.path === path : path.test(r.path))).length;
  return { core, time, sent, events, named, rotations, logger, count };
}
