import http, { type IncomingMessage } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

export type UpgradeMode = { kind: 'accept' } | { kind: 'refuse'; status: number } | { kind: 'hang' } | { kind: 'accept-then-close' };

/**
 * An HTTP front that proxies ordinary requests to `upstream` (a VaultTestServer) and handles the
 * websocket upgrade itself, so a test can send arbitrary frames or refuse/drop the subscription.
 */
export class FakeEvents {
  readonly server = http.createServer();
  readonly wss = new WebSocketServer({ noServer: true });
  readonly sockets = new Set<WebSocket>();
  readonly upgrades: Array<{ url: string; headers: IncomingMessage['headers']; at: number }> = [];
  readonly hung: Duplex[] = [];
  mode: UpgradeMode = { kind: 'accept' };
  address = '';

  constructor(private readonly upstream?: string) {}

  async listen(): Promise<this> {
    this.server.on('request', (req, res) => {
      if (!this.upstream) {
        res.writeHead(404).end('{"errors":[]}');
        return;
      }
      const target = new URL(req.url ?? '/', this.upstream);
      const out = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      out.on('error', () => res.destroy());
      req.pipe(out);
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgrades.push({ url: req.url ?? '', headers: req.headers, at: Date.now() });
      const mode = this.mode;
      if (mode.kind === 'hang') {
        this.hung.push(socket);
        return;
      }
      if (mode.kind === 'refuse') {
        const body = '{"errors":["permission denied"]}';
        socket.end(`HTTP/1.1 ${mode.status} X\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        if (mode.kind === 'accept-then-close') {
          ws.close(1011, 'bye');
          return;
        }
        this.sockets.add(ws);
        ws.on('close', () => this.sockets.delete(ws));
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.address = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  send(data: string | Buffer, binary = false): void {
    for (const ws of this.sockets) ws.send(data, { binary });
  }

  dropAll(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    for (const s of this.hung) s.destroy();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

export function frame(dataPath: string, operation = 'data-write'): string {
  return JSON.stringify({
    id: 'x',
    source: 'https://vaultproject.io/',
    specversion: '1.0',
    type: '*',
    data: {
      event: { id: 'y', metadata: { data_path: dataPath, modified: 'true', operation, path: dataPath, current_version: '2' } },
      event_type: `kv-v2/${operation}`,
      plugin_info: { mount_class: 'secret', mount_accessor: 'kv_1', mount_path: 'secret/', plugin: 'kv' },
    },
    datacontentype: 'application/cloudevents',
    time: new Date().toISOString(),
  });
}
