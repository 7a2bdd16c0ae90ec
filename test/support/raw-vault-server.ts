import http from 'node:http';
import { CapturingLogger as Capture } from './capture-logs.js';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { SecretsCore, resolveVaultConfig, type VaultConfig } from '../../lib/index.js';

export const MARKER_TOKEN = 'hvs.ATTACKmarker0token0must0never0leak00';
export const MARKER_VALUE = 'ATTACK-MARKER-SECRET-VALUE-91f3';
export const MARKER_CRED = 'ATTACK-MARKER-LOGIN-CRED-55ab';

export type RawHandler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

/** A tiny raw HTTP server on 127.0.0.1 with an ephemeral port, for answers the test server cannot give. */
export async function rawServer(handler: RawHandler): Promise<{
  address: string;
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }>;
  stop(): Promise<void>;
}> {
  const requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }> = [];
  const sockets = new Set<import('node:net').Socket>();
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

/** A logger that records every line (the shared test logger). */
export { Capture };

/** Everything an app could print about a value. */
export function dump(value: unknown): string {
  const out: string[] = [];
  out.push(inspect(value, { depth: 30, showHidden: true }));
  out.push(inspect(value, { depth: 30, showHidden: true, customInspect: false }));
  try {
    out.push(JSON.stringify(value) ?? '');
  } catch {
    /* circular */
  }
  let e: unknown = value;
  for (let i = 0; i < 10 && e instanceof Error; i += 1) {
    out.push(String(e.stack), e.message, String(e));
    e = (e as { cause?: unknown }).cause;
  }
  return out.join('\n');
}

/** A framework-free core on a resolved config, with a capturing logger and the empty environment. */
export function makeCore(options: VaultConfig, logger = new Capture()): { core: SecretsCore; logger: Capture } {
  const config = resolveVaultConfig(options, {});
  return { core: new SecretsCore(config, { logger }), logger };
}

export async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
