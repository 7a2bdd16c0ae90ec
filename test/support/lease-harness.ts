import { EventEmitter } from 'node:events';
import { eventBusFrom } from '../../lib/events/secrets-event-bus.js';
import { SecretRotatedEvent, type EngineSecret } from '../../lib/index.js';
import { type VaultRequest, type VaultResponse } from '../../lib/contracts/vault-request.js';
import { LeaseManager, type LeaseManagerDeps } from '../../lib/core/leases/lease.manager.js';
import type { TaskScheduler } from '../../lib/timing/task-scheduler.js';
import { RotationOrchestrator } from '../../lib/core/rotation/rotation.orchestrator.js';
import { CapturingLogger as Capture } from './capture-logs.js';
import { MARK } from './leak-markers.js';

/** A scheduler whose tasks run only when the test says so. */
export class ManualScheduler implements TaskScheduler {
  readonly tasks = new Map<string, { delayMs: number; task: () => void }>();
  readonly history: Array<{ name: string; delayMs: number }> = [];
  schedule(name: string, delayMs: number, task: () => void): void {
    this.tasks.set(name, { delayMs, task });
    this.history.push({ name, delayMs });
  }
  cancel(name: string): void {
    this.tasks.delete(name);
  }
  cancelAll(): void {
    this.tasks.clear();
  }
  pending(): string[] {
    return [...this.tasks.keys()];
  }
  delayOf(name: string): number | undefined {
    return this.tasks.get(name)?.delayMs;
  }
  run(name: string): void {
    const t = this.tasks.get(name);
    if (!t) throw new Error(`no task ${name}; pending: ${this.pending().join(', ')}`);
    this.tasks.delete(name);
    t.task();
  }
}

export type Handler = (req: VaultRequest) => Promise<VaultResponse> | VaultResponse;

export function ok(body: unknown, status = 200): VaultResponse {
  return { status, body, headers: {} };
}

/** A LeaseManager with a scripted client, a manual scheduler and clock, and a node EventEmitter. */
export function leaseHarness(options: {
  handle: Handler;
  handlerTimeoutMs?: number;
  overlapMs?: number;
  shutdownTimeoutMs?: number;
  /** The module's token as the lease manager sees it (accessor, hard end). */
  token?: LeaseManagerDeps['token'];
  /** Obtains a new token (a login). */
  refreshToken?: LeaseManagerDeps['refreshToken'];
  /** The supervisor's gate (false while Vault is not serving). */
  gate?: LeaseManagerDeps['gate'];
}) {
  const clock = {
    t: 1_700_000_000_000,
    now(): number {
      return this.t;
    },
  };
  const scheduler = new ManualScheduler();
  const logger = new Capture();
  const emitter = new EventEmitter();
  const events = eventBusFrom(emitter, (event, error) => logger.error(`listener of ${event} failed: ${String(error)}`));
  const orchestrator = new RotationOrchestrator(events, logger, undefined, options.handlerTimeoutMs ?? 10_000);
  orchestrator.ready();
  const requests: VaultRequest[] = [];
  const client = {
    request: async <T>(req: VaultRequest): Promise<VaultResponse<T>> => {
      requests.push(req);
      return (await options.handle(req)) as VaultResponse<T>;
    },
  };
  const leases = new LeaseManager({
    client,
    clock,
    scheduler,
    events,
    orchestrator,
    logger,
    options: { overlapMs: options.overlapMs ?? 30_000, shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5000 },
    random: () => 0,
    token: options.token,
    refreshToken: options.refreshToken,
    gate: options.gate,
  });
  const rotations: SecretRotatedEvent[] = [];
  emitter.on('secrets.rotated', (e: SecretRotatedEvent) => void rotations.push(e));
  return { clock, scheduler, logger, emitter, orchestrator, leases, requests, rotations };
}

let counter = 0;
/** A fetch function that issues a new lease each time. */
export function leasedFetch(
  duration = 3600,
  renewable = true,
): { fetch: () => Promise<EngineSecret<{ username: string; password: string }>>; issued: string[] } {
  const issued: string[] = [];
  return {
    issued,
    fetch: async () => {
      counter += 1;
      const id = `database/creds/app/lease${counter}`;
      issued.push(id);
      return { data: { username: `u${counter}`, password: `${MARK}-${counter}` }, lease: { id, duration, renewable } };
    },
  };
}

export function revokedIds(requests: VaultRequest[]): string[] {
  return requests.filter((r) => r.path === 'sys/leases/revoke').map((r) => (r.body as { lease_id: string }).lease_id);
}
