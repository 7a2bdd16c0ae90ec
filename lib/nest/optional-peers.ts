import type { ModuleRef } from '@nestjs/core';
import type { EventEmitter2Like } from '../events/secrets-event-bus.js';
import type { TimeoutRegistry } from '../timing/task-scheduler.js';

/** What the module uses from the app's optional peers, when the app has them. */
export interface OptionalPeers {
  /** `EventEmitter2` of `@nestjs/event-emitter`, when the app imported `EventEmitterModule.forRoot()`. */
  eventEmitter?: EventEmitter2Like;
  /** Resolves once `EventEmitterModule` attached its `@OnEvent` listeners. */
  whenListenersReady?: () => Promise<void>;
  /** `SchedulerRegistry` of `@nestjs/schedule`, when the app imported `ScheduleModule.forRoot()`. */
  schedulerRegistry?: TimeoutRegistry;
}

/** Loads a package when it is installed; `undefined` otherwise (never a hard dependency). */
async function load<T>(importer: () => Promise<T>): Promise<T | undefined> {
  try {
    return await importer();
  } catch {
    return undefined;
  }
}

/** The app's instance of `token`, wherever it is provided; `undefined` when the app has none. */
function find<T>(moduleRef: ModuleRef, token: abstract new (...args: never[]) => T): T | undefined {
  try {
    return moduleRef.get(token, { strict: false }) ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds `EventEmitter2` and `SchedulerRegistry` in the app when their packages are installed and
 * their modules imported. Call it once every provider exists (`onModuleInit`). The packages are
 * imported lazily, so the module loads and boots without either of them installed.
 */
export async function findOptionalPeers(moduleRef: ModuleRef): Promise<OptionalPeers> {
  const [events, schedule] = await Promise.all([load(() => import('@nestjs/event-emitter')), load(() => import('@nestjs/schedule'))]);
  const peers: OptionalPeers = {};
  if (events) {
    peers.eventEmitter = find(moduleRef, events.EventEmitter2);
    const readiness = find(moduleRef, events.EventEmitterReadinessWatcher);
    if (readiness) peers.whenListenersReady = () => readiness.waitUntilReady();
  }
  if (schedule) peers.schedulerRegistry = find(moduleRef, schedule.SchedulerRegistry);
  return peers;
}
