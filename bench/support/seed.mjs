// Seeding through Vault's HTTP API (POST <mount>/data/<path>, like VaultAdmin.kvPut) but on
// keep-alive sockets: VaultAdmin opens a connection per request, which makes 10,000 puts slow.
import { Buffer } from 'node:buffer';
import http from 'node:http';

/** A seeder bound to one server; `close()` releases its sockets. */
export function seeder(address, token) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const kvPut = (mount, path, data) => {
    const body = JSON.stringify({ data });
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${address}/v1/${mount}/data/${path.split('/').map(encodeURIComponent).join('/')}`,
        {
          method: 'POST',
          agent,
          headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () =>
            res.statusCode >= 200 && res.statusCode < 300
              ? resolve()
              : reject(new Error(`kvPut ${mount}/${path}: HTTP ${res.statusCode} ${Buffer.concat(chunks).toString()}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };
  return {
    /** Writes every [path, data] entry, `concurrency` at a time. */
    async kvPutMany(mount, entries, concurrency = 16) {
      let next = 0;
      const worker = async () => {
        while (next < entries.length) {
          const [path, data] = entries[next++];
          await kvPut(mount, path, data);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
    },
    close: () => agent.destroy(),
  };
}
