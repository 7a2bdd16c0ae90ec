import { sleep } from './async.js';

/**
 * Runs `step` again and again until `running()` turns false, pausing `pauseMs` (a number, or a
 * function for a varying pause) of real time between two steps; resolves when it stops. `step`
 * must not throw (count its failures itself).
 *
 * A steady load on the module while the test waits on events (rotations, an outage, recovery).
 * Justified real wait: the pause sets the request rate, which is the load under test; it waits for
 * no state. Without it the loop would spin as fast as the CPU allows on fallback reads that need no I/O.
 */
export async function steadyLoad(step: () => Promise<void>, pauseMs: number | (() => number), running: () => boolean): Promise<void> {
  while (running()) {
    await step();
    await sleep(typeof pauseMs === 'number' ? pauseMs : pauseMs());
  }
}
