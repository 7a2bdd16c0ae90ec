/**
 * `VaultTestServer`: an in-process HTTP (or, with `tls`, HTTPS) server on 127.0.0.1 that speaks
 * HashiCorp Vault's HTTP API (https://developer.hashicorp.com/vault/api-docs): KV v1/v2, tokens, ACL policies,
 * `sys/mounts`, `sys/health`, seal state. It has a controllable clock, fault injection and a request log.
 *
 * ```ts
 * const server = await VaultTestServer.start();
 * await server.admin.kvPut('secret', 'app/db', { password: 's3cr3t' });
 * // point the client at server.address with server.rootToken ...
 * server.clock.advance(3_600_000);
 * await server.stop();
 * ```
 */
import { createServer } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { BackendRegistration } from './server/backend-registry.js';
import { FaultInjector, type VaultFaults } from './server/fault-injector.js';
import { ListMethodShim } from './server/list-method-shim.js';
import { newRootTokenId } from './server/ids.js';
import { RequestLog, type RequestFilter, type RequestLogEntry } from './server/request-log.js';
import { HttpRouter, type RawHandler } from './server/router.js';
import { TestClock, type TestClockMode } from './server/test-clock.js';
import {
  createTestCertificateAuthority,
  issueTestClientCertificate,
  issueTestServerCertificate,
  type TestClientCertificate,
} from './server/tls-certificates.js';
import { VaultCore, type VaultVersion } from './server/vault-core.js';
import { VaultAdmin } from './vault-admin.js';
import { EventStream } from './server/event-stream.js';

/** The event stream of each running server, closed on stop. */
const eventStreams = new WeakMap<VaultCore, EventStream>();

/** Options of {@link VaultTestServer.start}. */
export interface VaultTestServerOptions {
  /** TCP port on 127.0.0.1; default 0 = ephemeral. */
  readonly port?: number;
  /** Root token id; default `hvs.` + 24 random base62 characters. */
  readonly rootToken?: string;
  /** Selects the 403 `permission denied` / `invalid token` messages of that Vault version and the reported version; default `'1.17'`. */
  readonly vaultVersion?: VaultVersion;
  /** Mount `secret/` as KV v2 like `vault server -dev` (default true). `cubbyhole/`, `identity/`, `sys/` and `auth/token/` are always mounted, as on any Vault. */
  readonly devMounts?: boolean;
  /** `'frozen'` (default): time moves only via `clock.advance/set`. `'realtime'`: follows the wall clock plus offsets. */
  readonly clockMode?: TestClockMode;
  /** Serve the event notifications websocket `sys/events/subscribe/<type>` (default true); false answers 404, like a Vault without events. */
  readonly events?: boolean;
  /** Initial clock time in **ms** since the epoch (default: now). */
  readonly startTime?: number;
  /**
   * Serve HTTPS instead of HTTP (default false). At start a fresh test CA is generated
   * ({@link VaultTestServer.caCertPem}) and issues the server certificate, whose subject
   * alternative names are DNS `localhost` and IP `127.0.0.1`, or only `hostname` when given
   * (a DNS name or an IP address; e.g. `'vault.internal'` to test a hostname mismatch).
   */
  readonly tls?: boolean | VaultTestServerTlsOptions;
}

/** HTTPS settings of {@link VaultTestServerOptions.tls}. */
export interface VaultTestServerTlsOptions {
  /** The only name in the server certificate (a DNS name or an IP address); default `localhost` and `127.0.0.1`. */
  readonly hostname?: string;
  /**
   * Issue the server certificate from an intermediate CA (itself signed by the root in
   * {@link VaultTestServer.caCertPem}); the server sends only its own certificate, so clients
   * need both CAs ({@link VaultTestServer.intermediateCaCertPem}), e.g. through `VAULT_CAPATH`.
   */
  readonly intermediate?: boolean;
  /**
   * Client certificates: `'request'` asks for one and lets the `cert` auth method judge it (a
   * Vault listener's default); `'require'` refuses the handshake without a certificate signed by
   * `clientCa` (a listener with `tls_require_and_verify_client_cert`). Default: none asked.
   */
  readonly clientCertificates?: 'request' | 'require';
  /** PEM of the CA(s) trusted for client certificates with `clientCertificates: 'require'`. */
  readonly clientCa?: string;
}

/** The HTTPS settings of a started server: its CA, and the name its certificate was issued for when not the default. */
interface ServerTls {
  readonly caCertPem: string;
  /** The admin's own client certificate when the listener requires one. */
  readonly adminClient: TestClientCertificate | undefined;
  readonly intermediateCaCertPem: string | undefined;
  readonly serverName: string | undefined;
}

/** A Vault-API-compatible test double. Create with {@link VaultTestServer.start}. */
export class VaultTestServer {
  /** Base URL, `http://127.0.0.1:PORT` (`https://127.0.0.1:PORT` with the `tls` option). */
  readonly address: string;
  /**
   * With the `tls` option: PEM of the CA generated at start, which signed the server's
   * certificate (give it to clients as `caCert` / VAULT_CACERT). Without it: `undefined`.
   */
  readonly caCertPem: string | undefined;
  /** With `tls: { intermediate: true }`: PEM of the intermediate CA that issued the server's certificate. */
  readonly intermediateCaCertPem: string | undefined;
  /** The root token (policies `["root"]`, no TTL). */
  readonly rootToken: string;
  /** Admin client bound to {@link address} and {@link rootToken}. */
  readonly admin: VaultAdmin;
  /** The clock every TTL/expiry decision reads. */
  readonly clock: TestClock;
  /** Fault injection rules, matched before routing. */
  readonly faults: VaultFaults;

  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly tcpServer: Server,
    private readonly sockets: Set<Socket>,
    private readonly vaultCore: VaultCore,
    private readonly router: HttpRouter,
    private readonly faultInjector: FaultInjector,
    private readonly log: RequestLog,
    port: number,
    tls: ServerTls | undefined,
  ) {
    this.address = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    this.caCertPem = tls?.caCertPem;
    this.intermediateCaCertPem = tls?.intermediateCaCertPem;
    this.rootToken = vaultCore.rootToken.id;
    this.clock = vaultCore.clock;
    this.faults = faultInjector;
    this.admin = new VaultAdmin(
      this.address,
      this.rootToken,
      // The admin verifies the server like any client, against the name the certificate was issued for.
      tls
        ? {
            ca: `${tls.caCertPem}${tls.intermediateCaCertPem ?? ''}`,
            ...(tls.adminClient ? { clientCert: tls.adminClient.certPem, clientKey: tls.adminClient.keyPem } : {}),
            ...(tls.serverName !== undefined ? { tlsServerName: tls.serverName } : {}),
          }
        : undefined,
    );
  }

  /** Starts a server and resolves once it listens. */
  static async start(options: VaultTestServerOptions = {}): Promise<VaultTestServer> {
    if (typeof options.tls === 'object' && options.tls.hostname !== undefined && options.tls.hostname.trim() === '') {
      throw new Error('tls.hostname must not be empty');
    }
    const clock = new TestClock(options.startTime ?? Date.now(), options.clockMode ?? 'frozen');
    const core = new VaultCore({
      clock,
      vaultVersion: options.vaultVersion ?? '1.17',
      rootToken: options.rootToken ?? newRootTokenId(),
      devMounts: options.devMounts ?? true,
    });
    const faults = new FaultInjector();
    const log = new RequestLog();
    const router = new HttpRouter(core, faults, log);
    const sockets = new Set<Socket>();
    const track = (socket: Socket): void => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    };
    const httpServer = createServer((req, res) => {
      void router.handle(req, res);
    });
    const events = new EventStream(core, options.events ?? true);
    log.onRecord((entry) => events.onRequest(entry));
    httpServer.on('upgrade', (req, socket, head: Buffer) => events.handleUpgrade(req, socket, head));
    eventStreams.set(core, events);
    const tlsOption = options.tls === true ? {} : options.tls === false ? undefined : options.tls;
    let tls: ServerTls | undefined;
    let tcpServer: Server;
    if (tlsOption) {
      const names = tlsOption.hostname !== undefined ? [tlsOption.hostname] : ['localhost', '127.0.0.1'];
      if (tlsOption.clientCertificates === 'require' && tlsOption.clientCa === undefined) {
        throw new Error("tls.clientCertificates 'require' needs tls.clientCa, the CA that signs client certificates");
      }
      const ca = await createTestCertificateAuthority();
      const intermediate = tlsOption.intermediate
        ? await createTestCertificateAuthority('Vault Test Server Intermediate CA', ca)
        : undefined;
      const certificate = await issueTestServerCertificate(intermediate ?? ca, names);
      // A listener that requires client certificates also trusts the admin client's own CA.
      const adminCa =
        tlsOption.clientCertificates === 'require' ? await createTestCertificateAuthority('Vault Test Server Admin CA') : undefined;
      const adminClient = adminCa ? await issueTestClientCertificate(adminCa, 'vault-test-server-admin') : undefined;
      tls = { caCertPem: ca.certPem, intermediateCaCertPem: intermediate?.certPem, serverName: tlsOption.hostname, adminClient };
      const trustedClientCas = `${tlsOption.clientCa ?? ''}${adminCa?.certPem ?? ''}`;
      const clientAuth =
        tlsOption.clientCertificates === undefined
          ? {}
          : {
              requestCert: true,
              rejectUnauthorized: tlsOption.clientCertificates === 'require',
              ...(trustedClientCas === '' ? {} : { ca: trustedClientCas }),
            };
      // HTTPS is TLS in front of the HTTP parser (what node:https does), with the LIST-method shim
      // between the two: it rewrites the decrypted request bytes exactly as on the plain-HTTP path.
      tcpServer = createTlsServer({ cert: certificate.certPem, key: certificate.keyPem, ...clientAuth }, (tlsSocket: TLSSocket) => {
        track(tlsSocket);
        httpServer.emit('connection', new ListMethodShim(tlsSocket));
      });
      // Raw TCP connections too, so stop() also ends handshakes in progress.
      tcpServer.on('connection', track);
    } else {
      // TCP is accepted here and handed to the HTTP server through the LIST-method shim.
      tcpServer = createNetServer((socket: Socket) => {
        track(socket);
        httpServer.emit('connection', new ListMethodShim(socket));
      });
    }
    await new Promise<void>((resolve, reject) => {
      tcpServer.once('error', reject);
      tcpServer.listen(options.port ?? 0, '127.0.0.1', () => {
        tcpServer.off('error', reject);
        resolve();
      });
    });
    const address = tcpServer.address();
    const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
    return new VaultTestServer(tcpServer, sockets, core, router, faults, log, port, tls);
  }

  /** A snapshot of the request log, oldest first. */
  get requests(): ReadonlyArray<RequestLogEntry> {
    return this.log.all();
  }

  /** Number of logged requests matching `filter` (method and/or exact path / RegExp). */
  requestCount(filter?: RequestFilter): number {
    return this.log.count(filter);
  }

  /** Empties the request log. */
  clearRequests(): void {
    this.log.clear();
  }

  /** Seals the server (like `PUT sys/seal`): logical paths answer 503 `Vault is sealed`, `sys/health` 503. */
  seal(): void {
    this.vaultCore.sealed = true;
  }

  /** Unseals the server without key shares (state is kept across seal/unseal). */
  unseal(): void {
    this.vaultCore.unsealKeys.resetUnseal();
    this.vaultCore.sealed = false;
  }

  /**
   * The current unseal key shares, base64 (what `sys/init` would have returned as `keys_base64`):
   * one share at start, like `vault server -dev`; after a completed `sys/rekey`, the new shares.
   * Give `threshold` of them to `sys/unseal`, `sys/rekey/update` or `sys/generate-root/update`.
   */
  get unsealKeys(): readonly string[] {
    return this.vaultCore.unsealKeys.shares.map((share) => share.toString('base64'));
  }

  /** Whether the server is sealed. */
  get sealed(): boolean {
    return this.vaultCore.sealed;
  }

  /**
   * The server core (mount table, token/policy stores, backend registry).
   * @internal for backends and tests of this package; not a stable API.
   */
  get core(): VaultCore {
    return this.vaultCore;
  }

  /**
   * Registers a mountable backend type (enable it afterwards via `sys/mounts` or `sys/auth`).
   * @internal extension point for additional engines and auth methods.
   */
  registerBackend(registration: BackendRegistration): void {
    this.vaultCore.registry.register(registration);
  }

  /**
   * Serves `path` (without `/v1/`) with a raw handler that bypasses auth and the seal check.
   * @internal extension point (e.g. `sys/leader`).
   */
  registerRawHandler(path: string, handler: RawHandler): void {
    this.router.registerRawHandler(path, handler);
  }

  /**
   * Waits for the server's background work: lease revocations (e.g. `DROP ROLE` on PostgreSQL)
   * and static-role rotations started by `clock.advance()`/`clock.set()`, token revocation or
   * mount disabling. Runs the lease reaper first. Every HTTP request already does this before
   * and after it is handled; call it when you inspect the database without a request.
   */
  settle(): Promise<void> {
    return this.vaultCore.leases.tick();
  }

  /**
   * Stops listening, destroys every open socket (keep-alive included), revokes every outstanding
   * lease (dynamic database users are dropped) and closes database connections. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      this.faultInjector.cancelAll();
      eventStreams.get(this.vaultCore)?.close();
      this.tcpServer.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
    }).then(() => this.vaultCore.leases.close());
    return this.stopping;
  }
}
