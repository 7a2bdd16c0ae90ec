/**
 * Waits until `condition()` holds, yielding to the event loop (`setImmediate`) between checks so
 * real I/O (an HTTP round trip to the test server) can finish. No wall-clock sleeping: fake timers
 * do not affect it. Throws after `maxTurns` turns of the event loop.
 */
export async function until(condition: () => boolean, maxTurns = 20_000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn += 1) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`condition not met after ${maxTurns} event-loop turns: ${condition.toString()}`);
}
