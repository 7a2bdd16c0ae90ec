import http from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';

export type RawHandler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

/** A tiny raw HTTP server on 127.0.0.1 with an ephemeral port, for answers the test server cannot give. */
export async function rawServer(handler: RawHandler): Promise<{
  address: string;
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }>;
  stop(): Promise<void>;
}> {
  const requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }> = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, res, body));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(text);
}

export function envelope(data: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    request_id: 'r',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
    mount_type: 'kv',
    ...extra,
  };
}

/** lookup-self answer for a root-like token (no TTL). */
export const rootLookup = envelope({ accessor: 'acc', policies: ['root'], ttl: 0, type: 'service', id: 'x' });
