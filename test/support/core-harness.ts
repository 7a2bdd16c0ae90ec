import { EventEmitter } from 'node:events';
import { SecretsEvents, type SecretRotatedEvent, type VaultConfig, SecretsManager } from '../../lib/index.js';
import { type VaultRequest } from '../../lib/contracts/vault-request.js';
import { eventBusFrom, type SecretsEventBus } from '../../lib/events/secrets-event-bus.js';
import { resolveVaultConfig } from '../../lib/core/resolve-vault-config.js';
import { SecretsCore } from '../../lib/core/secrets-core.js';
import type { Supervisor } from '../../lib/core/supervisor.js';
import type { Clock } from '../../lib/timing/clock.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { afterEach, beforeEach } from 'vitest';
import { VaultClient } from '../../lib/transport/vault-client.js';
import { CapturingLogger } from './capture-logs.js';
import { CountingTransport, FakeTime } from './fake-time.js';

/**
 * The one core harness: framework-free `SecretsCore`s for tests, and the core behind a Nest
 * `SecretsService` or a `SecretsManager`.
 *
 * - `makeCore(options)`: a core on a resolved config, not started (for raw servers and option checks).
 * - `coreOn(server)`: a started core on the test server, real time (or the clock given).
 * - `supervisedCore(server, cores, options)`: a core on the test server whose time is the server's
 *   frozen clock, moved by the test.
 * - `coreOf(facade)` / `supervisorOf(facade)`: the core or supervisor behind a service or manager.
 */

interface RecordedEvents {
  emitter: EventEmitter;
  events: Array<{ name: string; payload: unknown }>;
  bus: SecretsEventBus;
}

/** A node EventEmitter as event bus that records every `SecretsEvents` payload; a failing listener is logged. */
function recordEvents(logger: CapturingLogger): RecordedEvents {
  const emitter = new EventEmitter();
  const events: Array<{ name: string; payload: unknown }> = [];
  for (const name of Object.values(SecretsEvents)) emitter.on(name, (payload: unknown) => void events.push({ name, payload }));
  const bus = eventBusFrom(emitter, (e, err) => logger.error(`listener of ${e} failed: ${String(err)}`));
  return { emitter, events, bus };
}

/** A framework-free core on a resolved config, with a capturing logger and the empty environment. */
export function makeCore(options: VaultConfig, logger = new CapturingLogger()): { core: SecretsCore; logger: CapturingLogger } {
  const config = resolveVaultConfig(options, {});
  return { core: new SecretsCore(config, { logger }), logger };
}

/**
 * Like {@link makeCore}, with the core's requests going through a {@link CountingTransport}, so a
 * test can wait until a request is in flight (`transport.inFlight > 0`) instead of sleeping.
 */
export function countedCore(options: VaultConfig): { core: SecretsCore; transport: CountingTransport; logger: CapturingLogger } {
  const config = resolveVaultConfig(options, {});
  const transport = new CountingTransport(new VaultClient(config, { getToken: async () => undefined }));
  const logger = new CapturingLogger();
  return { core: new SecretsCore(config, { logger, transport }), transport, logger };
}

/** A started SecretsCore on the test server, with a capturing logger and a node EventEmitter as event bus. */
export async function coreOn(
  server: VaultTestServer,
  options: Partial<VaultConfig> = {},
  env: NodeJS.ProcessEnv = {},
  clock?: Clock,
): Promise<{ core: SecretsCore; logger: CapturingLogger; emitter: EventEmitter; events: Array<{ name: string; payload: unknown }> }> {
  const logger = new CapturingLogger();
  const { emitter, events, bus } = recordEvents(logger);
  const core = new SecretsCore(
    resolveVaultConfig(
      { address: server.address, token: server.rootToken, secretsPath: 'secret/app', requestTimeoutMs: 2000, ...options },
      env,
    ),
    { logger, events: bus, ...(clock ? { clock } : {}) },
  );
  await core.start();
  core.orchestrator.ready();
  return { core, logger, emitter, events };
}

/**
 * A SecretsCore on the test server whose time is the server's frozen clock, moved by the test
 * (`time`), with `random` 0.5 unless given (each supervisor attempt in the middle of its window). `sent` is every
 * request the module sent; `count(path)` counts them; `named(event)` lists an event's payloads.
 * The core is pushed to `cores` so the test's `afterEach` can close it.
 */
export function supervisedCore(
  server: VaultTestServer,
  cores: SecretsCore[],
  options: Partial<VaultConfig>,
  { random = () => 0.5 }: { random?: () => number } = {},
) {
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
    resetCircuits: () => inner.resetCircuits(),
    request: (req) => {
      sent.push(req);
      return inner.request(req);
    },
  });
  const logger = new CapturingLogger();
  const { emitter, events, bus } = recordEvents(logger);
  const rotations: SecretRotatedEvent[] = [];
  emitter.on(SecretsEvents.Rotated, (e: SecretRotatedEvent) => void rotations.push(e));
  // eslint-disable-next-line prefer-const -- the idle function reads it after construction
  let core: SecretsCore;
  const time = new FakeTime(server.clock, async () => {
    await transport.quiet();
    // The credential-file check while a login is held is file I/O the request counter cannot see.
    await core.tokens.settled();
    await core.supervisor.settled();
    await transport.quiet();
  });
  core = new SecretsCore(config, {
    clock: server.clock,
    scheduler: time,
    logger,
    events: bus,
    random,
    transport,
  });
  core.orchestrator.ready();
  cores.push(core);
  const named = (name: string): unknown[] => events.filter((e) => e.name === name).map((e) => e.payload);
  const count = (path: string | RegExp): number =>
    sent.filter((r) => (typeof path === 'string' ? r.path === path : path.test(r.path))).length;
  return { core, time, sent, events, named, rotations, logger, count };
}

/** The core behind a `SecretsService` or `SecretsManager` (tests only). */
export function coreOf(facade: SecretsManager): SecretsCore {
  return (facade as unknown as { core: SecretsCore }).core;
}

/** The supervisor behind a `SecretsService` or `SecretsManager`, so a test can run its planned attempt now instead of waiting for it. */
export function supervisorOf(facade: SecretsManager): Supervisor {
  return coreOf(facade).supervisor;
}

/**
 * Hooks for specs that run {@link supervisedCore}s on a fresh test server per test: before each
 * test, a server holding `secret/app/config` = `{ feature: 'v1' }`, then `seed(server)`; after
 * each, every core in `cores` closed, the server stopped and `SECRETS_STRIPE` (the env fallback
 * the specs plant) removed.
 * @param onServer - receives each test's server (the spec keeps it in its `server`).
 */
export function freshServerPerTest(
  onServer: (server: VaultTestServer) => void,
  cores: SecretsCore[],
  seed?: (server: VaultTestServer) => Promise<void>,
): void {
  let current: VaultTestServer | undefined;
  beforeEach(async () => {
    current = await VaultTestServer.start();
    onServer(current);
    await current.admin.kvPut('secret', 'app/config', { feature: 'v1' });
    await seed?.(current);
  });
  afterEach(async () => {
    for (const core of cores.splice(0)) await core.close();
    await current?.stop();
    delete process.env.SECRETS_STRIPE;
  });
}

/** Seeds a policy `app-read` reading `secret/data/app/*` (for {@link freshServerPerTest}). */
export async function appReadPolicy(server: VaultTestServer): Promise<void> {
  await server.admin.writePolicy('app-read', 'path "secret/data/app/*" { capabilities = ["read"] }');
}
