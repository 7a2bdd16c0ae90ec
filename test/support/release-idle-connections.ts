import type { INestApplicationContext } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { vi } from 'vitest';
import { SecretsService } from '../../lib/index.js';

/**
 * Closes the module's idle keep-alive connections to Vault. The HTTP pool (undici) arms an idle
 * timer per kept-alive socket with the global `setTimeout`, so under fake timers those sockets
 * show up in `vi.getTimerCount()`.
 */
export async function releaseIdleConnections(app: INestApplicationContext): Promise<void> {
  const client = (app.get(SecretsService) as unknown as { core: { client: { closeIdleConnections?: () => Promise<void> } } }).core.client;
  await client.closeIdleConnections?.();
}

/**
 * Under fake timers: waits until in-flight HTTP is done and only the module's own scheduled
 * timeouts are pending (idle keep-alive connections are released on the way), yielding to the
 * event loop between checks. Throws after `maxTurns` turns.
 */
export async function untilOnlyModuleTimers(app: INestApplicationContext, maxTurns = 20_000): Promise<void> {
  const registry = app.get(SchedulerRegistry);
  for (let turn = 0; turn < maxTurns; turn += 1) {
    // Released every turn: a socket becomes idle (and arms its timer) a turn after its response.
    await releaseIdleConnections(app);
    if (vi.getTimerCount() <= registry.getTimeouts().length) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`timers other than the module's still pending after ${maxTurns} event-loop turns`);
}
