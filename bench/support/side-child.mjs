// Child process that runs one side of a comparison (our loader or a peer's) for a benchmark:
// each side has its own heap, JIT state and sockets, as it would in an app of its own, so no side
// pays for the garbage or the closing sockets another side left behind (see sides.mjs).
// argv: the side module's URL, the side's name, a JSON context. The module exports
// `setup(name, context)` resolving to `{ run(): Promise<unknown>, close(): Promise<void> }`.
import { createHash } from 'node:crypto';
import { countConnections, now } from './common.mjs';

const [moduleUrl, name, contextJson] = process.argv.slice(2);
const { setup } = await import(moduleUrl);
const side = await setup(name, JSON.parse(contextJson));

/** A digest of a loader's result (keys sorted), so the parent can check that every side read the same. */
function digest(value) {
  const sorted = Object.fromEntries(Object.entries(value ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { count: Object.keys(sorted).length, sha256: createHash('sha256').update(JSON.stringify(sorted)).digest('hex') };
}

process.on('message', async (msg) => {
  try {
    if (msg.op === 'run') {
      const cpu0 = process.cpuUsage();
      let ms = 0;
      let value;
      const { opened } = await countConnections(async () => {
        const start = now();
        value = await side.run();
        ms = now() - start;
      });
      const cpu = process.cpuUsage(cpu0);
      process.send({
        id: msg.id,
        result: { ms, cpuMs: (cpu.user + cpu.system) / 1000, opened, ...(msg.digest ? { digest: digest(value) } : {}) },
      });
    } else if (msg.op === 'close') {
      await side.close();
      process.send({ id: msg.id, result: true });
      process.disconnect();
    }
  } catch (error) {
    process.send({ id: msg.id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
});
process.send({ type: 'ready', pid: process.pid });
