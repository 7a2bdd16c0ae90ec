// Starts the sides of a comparison each in its own child process (side-child.mjs) and runs them
// on request: `run()` resolves with the side's wall time (ms), its process's CPU (ms, every
// thread: JavaScript, garbage collection, I/O), the TCP connections it opened and, when asked,
// a digest of what it loaded. The parent decides the order, so the sides still alternate in time
// and load from anything else on the machine hits them alike.
import { fork } from 'node:child_process';
import { URL } from 'node:url';

/**
 * @param moduleUrl - URL of the module exporting `setup(name, context)`.
 * @param name - which side of that module.
 * @param context - JSON-serialisable settings (Vault address, token, ...).
 */
export async function startSide(moduleUrl, name, context) {
  const child = fork(new URL('./side-child.mjs', import.meta.url), [String(moduleUrl), name, JSON.stringify(context)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map();
  let nextId = 1;
  await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`side ${name} exited early (code ${code})`)));
    child.on('message', (msg) => {
      if (msg.type === 'ready') return resolve();
      const waiter = pending.get(msg.id);
      if (!waiter) return;
      pending.delete(msg.id);
      if (msg.error) waiter.reject(new Error(`side ${name}: ${msg.error}`));
      else waiter.resolve(msg.result);
    });
  });
  child.removeAllListeners('exit');
  child.on('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error(`side ${name} exited`));
    pending.clear();
  });
  const call = (op, extra = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, op, ...extra });
    });
  return {
    name,
    pid: child.pid,
    /** One run of the side: `{ ms, cpuMs, opened, digest? }`. */
    run: (options = {}) => call('run', { digest: options.digest === true }),
    close: () => call('close').catch(() => child.kill()),
  };
}
