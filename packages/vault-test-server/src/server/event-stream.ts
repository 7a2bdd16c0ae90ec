import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RequestLogEntry } from './request-log.js';
import type { VaultCore } from './vault-core.js';

interface Subscriber {
  socket: WebSocket;
  pattern: RegExp;
}

/**
 * Vault's event notifications websocket (https://developer.hashicorp.com/vault/docs/concepts/events):
 * `GET /v1/sys/events/subscribe/<eventType>?json=true`
 * upgraded to a websocket, authenticated with `X-Vault-Token`. KV v2 writes (`kv-v2/data-write`,
 * `kv-v2/data-patch`, `kv-v2/data-delete`, `kv-v2/metadata-delete`) are sent as CloudEvents JSON text
 * frames, metadata values as strings. Only `json=true` is served (no protobuf frames).
 */
export class EventStream {
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #subscribers = new Set<Subscriber>();

  constructor(
    private readonly core: VaultCore,
    private readonly enabled: boolean,
  ) {}

  /** Handles an HTTP upgrade request; answers 404/400/403 like Vault before upgrading. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://vault');
    const match = /^\/v1\/sys\/events\/subscribe\/(.*)$/.exec(url.pathname);
    const refuse = (status: number, errors: string[]): void => {
      const body = JSON.stringify({ errors });
      socket.end(
        `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    };
    if (!match || !this.enabled) return refuse(404, []);
    const eventType = decodeURIComponent(match[1] ?? '');
    if (eventType === '') return refuse(400, ['did not specify eventType to subscribe to']);
    const json = url.searchParams.get('json');
    if (json !== 'true') return refuse(400, [`invalid parameter for JSON: ${json ?? ''}`]);
    const header = req.headers['x-vault-token'];
    try {
      this.core.authenticate(typeof header === 'string' ? header : undefined);
    } catch {
      return refuse(403, ['permission denied']);
    }
    const pattern = new RegExp(
      `^${eventType
        .split('*')
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const subscriber = { socket: ws, pattern };
      this.#subscribers.add(subscriber);
      ws.on('close', () => this.#subscribers.delete(subscriber));
      ws.on('error', () => this.#subscribers.delete(subscriber));
    });
  }

  /** Turns a handled request into a KV v2 event, when it was one. */
  onRequest(entry: RequestLogEntry): void {
    if (this.#subscribers.size === 0 || entry.status < 200 || entry.status >= 300) return;
    const found = this.core.mounts.match(entry.path);
    if (!found || found.entry.type !== 'kv' || found.entry.options?.['version'] !== '2') return;
    const [area, ...rest] = found.subPath.split('/');
    const relative = rest.join('/');
    const operation =
      area === 'data' && (entry.method === 'POST' || entry.method === 'PUT')
        ? 'data-write'
        : area === 'data' && entry.method === 'PATCH'
          ? 'data-patch'
          : area === 'data' && entry.method === 'DELETE'
            ? 'data-delete'
            : area === 'metadata' && entry.method === 'DELETE'
              ? 'metadata-delete'
              : undefined;
    if (!operation || relative === '') return;
    const dataPath = `${found.entry.path}data/${relative}`;
    const eventType = `kv-v2/${operation}`;
    const frame = JSON.stringify({
      id: randomUUID(),
      source: 'https://vaultproject.io/',
      specversion: '1.0',
      type: '*',
      data: {
        event: { id: randomUUID(), metadata: { data_path: dataPath, modified: 'true', operation, path: dataPath } },
        event_type: eventType,
        plugin_info: { mount_class: 'secret', mount_accessor: found.entry.accessor, mount_path: found.entry.path, plugin: 'kv' },
      },
      datacontentype: 'application/cloudevents',
      time: new Date(this.core.clock.now()).toISOString(),
    });
    for (const subscriber of this.#subscribers) if (subscriber.pattern.test(eventType)) subscriber.socket.send(frame);
  }

  /** Closes every subscription. */
  close(): void {
    for (const { socket } of this.#subscribers) socket.terminate();
    this.#subscribers.clear();
    this.#wss.close();
  }
}
