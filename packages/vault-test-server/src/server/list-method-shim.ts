/**
 * Node's HTTP parser (llhttp) rejects the non-standard `LIST` method that Vault accepts
 * (it answers 400 before any handler runs). This shim sits between a TCP socket and the HTTP
 * server: it follows HTTP/1.1 request framing (Content-Length and chunked bodies) and rewrites
 * the request line `LIST /v1/...` to `GET /v1/...` plus a {@link LIST_MARKER_HEADER} header,
 * which the router turns back into the LIST method. All other bytes pass through unchanged.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/** Header added to rewritten LIST requests. */
export const LIST_MARKER_HEADER = 'x-vault-test-server-list';

const MAX_HEAD_BYTES = 64 * 1024;

const EMPTY = Buffer.alloc(0);

/**
 * Text a head must contain (ASCII case-insensitively) for {@link ListMethodShim.rewriteHead} to
 * change anything: the LIST method or a header name it reads (`content-length`,
 * `transfer-encoding`, `upgrade`; `connection: upgrade` contains `upgrade` too). A head without
 * any of them passes through as it is.
 */
const REWRITE_CANDIDATE = /^LIST |content-length|transfer-encoding|upgrade/i;

type State =
  | { readonly kind: 'head' }
  | { readonly kind: 'body'; remaining: number }
  | { readonly kind: 'chunk-size' }
  | { readonly kind: 'chunk-data'; remaining: number }
  | { readonly kind: 'trailers' }
  | { readonly kind: 'passthrough' };

/** A Duplex wrapping a socket, rewriting LIST request lines on the way in. */
export class ListMethodShim extends Duplex {
  private pending: Buffer = EMPTY;
  private state: State = { kind: 'head' };

  constructor(readonly socket: Socket) {
    super({ allowHalfOpen: true });
    socket.on('data', (chunk: Buffer) => {
      const out = this.transform(chunk);
      if (out.length > 0 && !this.push(out)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('timeout', () => this.emit('timeout'));
    socket.on('error', (error: Error) => this.destroy(error));
    socket.on('close', () => this.destroy());
  }

  /** Remote address of the underlying socket (used by Node's HTTP server for logging). */
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  /** Forwards Node's idle-timeout handling to the socket. */
  setTimeout(ms: number, callback?: () => void): this {
    this.socket.setTimeout(ms, callback);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, delay?: number): this {
    this.socket.setKeepAlive(enable, delay);
    return this;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // An empty chunk (Node's HTTP response ends with one) would cost a zero-byte write syscall.
    if (chunk.length === 0 && this.socket.writable) {
      callback();
      return;
    }
    this.socket.write(chunk, encoding, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(() => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }

  private transform(chunk: Buffer): Buffer {
    const output: Buffer[] = [];
    let input = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = EMPTY;
    while (input.length > 0) {
      const state = this.state;
      switch (state.kind) {
        case 'passthrough':
          output.push(input);
          input = EMPTY;
          break;
        case 'head': {
          if (!mayStartRequest(input)) {
            // Not HTTP (e.g. a TLS ClientHello sent to the plain-HTTP port): hand it to the parser,
            // which answers 400 and closes, instead of waiting for a head that never comes.
            this.state = { kind: 'passthrough' };
            continue;
          }
          const end = input.indexOf('\r\n\r\n');
          if (end < 0) {
            if (input.length > MAX_HEAD_BYTES) {
              this.state = { kind: 'passthrough' };
              continue;
            }
            this.pending = input;
            input = EMPTY;
            break;
          }
          output.push(this.rewriteHead(input.subarray(0, end + 4)));
          input = input.subarray(end + 4);
          break;
        }
        case 'body': {
          const take = Math.min(state.remaining, input.length);
          output.push(input.subarray(0, take));
          input = input.subarray(take);
          state.remaining -= take;
          if (state.remaining === 0) this.state = { kind: 'head' };
          break;
        }
        case 'chunk-size': {
          const end = input.indexOf('\r\n');
          if (end < 0) {
            this.pending = input;
            input = EMPTY;
            break;
          }
          const size = Number.parseInt(input.subarray(0, end).toString('latin1').split(';')[0]?.trim() ?? '', 16);
          output.push(input.subarray(0, end + 2));
          input = input.subarray(end + 2);
          if (!Number.isFinite(size)) this.state = { kind: 'passthrough' };
          else this.state = size === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', remaining: size + 2 };
          break;
        }
        case 'chunk-data': {
          const take = Math.min(state.remaining, input.length);
          output.push(input.subarray(0, take));
          input = input.subarray(take);
          state.remaining -= take;
          if (state.remaining === 0) this.state = { kind: 'chunk-size' };
          break;
        }
        case 'trailers': {
          const end = input.indexOf('\r\n');
          if (end < 0) {
            this.pending = input;
            input = EMPTY;
            break;
          }
          output.push(input.subarray(0, end + 2));
          input = input.subarray(end + 2);
          if (end === 0) this.state = { kind: 'head' };
          break;
        }
      }
    }
    return output.length === 1 ? (output[0] ?? EMPTY) : Buffer.concat(output);
  }

  /** Rewrites one request head and sets the body state from its framing headers. */
  private rewriteHead(bytes: Buffer): Buffer {
    const head = bytes.toString('latin1');
    if (!REWRITE_CANDIDATE.test(head)) {
      // No body, no upgrade, not LIST: the next bytes are the next head, these go through as sent.
      this.state = { kind: 'head' };
      return bytes;
    }
    const lines = head.split('\r\n');
    const requestLine = lines[0] ?? '';
    let contentLength = 0;
    let chunked = false;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line
        .slice(colon + 1)
        .trim()
        .toLowerCase();
      if (name === 'content-length') contentLength = Number.parseInt(value, 10) || 0;
      if (name === 'transfer-encoding' && value.includes('chunked')) chunked = true;
      if (name === 'upgrade' || (name === 'connection' && value.includes('upgrade'))) this.state = { kind: 'passthrough' };
    }
    if (this.state.kind !== 'passthrough') {
      if (chunked) this.state = { kind: 'chunk-size' };
      else if (contentLength > 0) this.state = { kind: 'body', remaining: contentLength };
      else this.state = { kind: 'head' };
    }
    if (requestLine.startsWith('LIST ')) {
      lines[0] = `GET ${requestLine.slice(5)}`;
      lines.splice(1, 0, `${LIST_MARKER_HEADER}: 1`);
    }
    return Buffer.from(lines.join('\r\n'), 'latin1');
  }
}

/** Characters of an HTTP method (RFC 9110 `token`). */
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** {@link TOKEN_CHAR} by byte value. */
const IS_TOKEN_BYTE = Uint8Array.from({ length: 256 }, (_, byte) => (TOKEN_CHAR.test(String.fromCharCode(byte)) ? 1 : 0));

/** Whether `input` can be the start of a request line: optional CRLFs, then a method token, then a space. */
function mayStartRequest(input: Buffer): boolean {
  let i = 0;
  while (i < input.length && (input[i] === 0x0d || input[i] === 0x0a)) i += 1;
  for (let n = 0; i < input.length && n < 32; i += 1, n += 1) {
    const byte = input[i] ?? 0;
    if (byte === 0x20) return n > 0;
    if (IS_TOKEN_BYTE[byte] !== 1) return false;
  }
  return true;
}
