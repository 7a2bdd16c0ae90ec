import diagnosticsChannel from 'node:diagnostics_channel';
import { setTimeout as realSetTimeout, clearTimeout as realClearTimeout } from 'node:timers';
import { REQUEST_CHANNEL, type RequestChannelMessage } from '../../lib/telemetry/telemetry-channels.js';

const ANSWERED = `tracing:${REQUEST_CHANNEL}:asyncEnd`;

/**
 * Resolves once Vault has answered `count` requests of one operation (`lease.revoke`,
 * `creds.read`, ... see `vaultOperation`) sent by the module from now on: it listens to the
 * module's own request tracing channel (an event per answer), so nothing polls. Rejects after
 * `timeoutMs` milliseconds of real time (fake timers do not move it), saying how many it saw.
 */
export function answeredRequests(operation: string, count: number, timeoutMs = 30_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let seen = 0;
    const onAnswer = (message: unknown): void => {
      const answer = message as RequestChannelMessage;
      if (answer.operation !== operation || answer.status === undefined) return;
      seen += 1;
      if (seen >= count) finish(undefined);
    };
    const timer = realSetTimeout(
      () => finish(new Error(`${seen} of ${count} ${operation} requests answered after ${timeoutMs} ms`)),
      timeoutMs,
    );
    const finish = (error: Error | undefined): void => {
      realClearTimeout(timer);
      diagnosticsChannel.unsubscribe(ANSWERED, onAnswer);
      if (error) reject(error);
      else resolve();
    };
    diagnosticsChannel.subscribe(ANSWERED, onAnswer);
  });
}
