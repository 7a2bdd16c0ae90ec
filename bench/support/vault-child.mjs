// Child process that runs the VaultTestServer for a benchmark (see vault.mjs).
// Keeping Vault in its own process means the benchmark's heap and event loop hold only the
// client under test, as with a real Vault; it talks to the parent over IPC.
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { seeder } from './seed.mjs';

// Start options (e.g. { clockMode: 'realtime' }) as JSON in the first argument.
const server = await VaultTestServer.start(JSON.parse(process.argv[2] ?? '{}'));

function decodeFilter(filter) {
  if (!filter) return undefined;
  const { path, ...rest } = filter;
  if (path && typeof path === 'object' && 're' in path) return { ...rest, path: new RegExp(path.re, path.flags) };
  return filter;
}

const seed = seeder(server.address, server.rootToken);

let stopping;
const stop = () => (stopping ??= (seed.close(), server.stop()));

process.on('message', async (msg) => {
  const { id, op, args = [] } = msg;
  try {
    let result;
    switch (op) {
      case 'count':
        result = server.requestCount(decodeFilter(args[0]));
        break;
      case 'requests': {
        const filter = decodeFilter(args[0]);
        result = server.requests
          .filter((r) => !filter || matches(filter, r))
          .map((r) => ({ method: r.method, path: r.path, status: r.status, at: r.at }));
        break;
      }
      case 'drop': // drop every connection (true) or stop dropping (false)
        server.faults.clear();
        if (args[0]) server.faults.add({ drop: true });
        break;
      case 'seal':
        if (args[0]) server.seal();
        else server.unseal();
        break;
      case 'clear':
        server.clearRequests();
        break;
      case 'cpu': // this process's CPU time so far, in microseconds (user + system)
        result = process.cpuUsage();
        result = result.user + result.system;
        break;
      case 'latency': // add latencyMs to every request matching the filter (0 = remove)
        server.faults.clear();
        if (args[1] > 0) server.faults.add({ ...decodeFilter(args[0] ?? {}), latencyMs: args[1] });
        break;
      case 'kvPutMany':
        await seed.kvPutMany(args[0], args[1], args[2] ?? 16);
        break;
      case 'stop':
        await stop();
        process.send({ id, result: null }, () => process.disconnect());
        return;
      default:
        throw new Error(`unknown op ${op}`);
    }
    process.send({ id, result });
  } catch (error) {
    process.send({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});

function matches(filter, r) {
  if (filter.method && filter.method.toUpperCase() !== r.method) return false;
  if (filter.path === undefined) return true;
  return typeof filter.path === 'string' ? filter.path === r.path : filter.path.test(r.path);
}

// The parent went away (finished or crashed): stop listening and let the process end.
process.on('disconnect', () => void stop());

process.send({ type: 'ready', address: server.address, rootToken: server.rootToken, pid: process.pid });
