/**
 * `VaultTestServer`: an in-process HTTP server on 127.0.0.1 that speaks HashiCorp Vault's API
 * (see `shared/vault-api/REFERENCE.md`): KV v1/v2, tokens, ACL policies, `sys/mounts`,
 * `sys/health`, seal state. It has a controllable clock, fault injection and a request log.
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
import type { BackendRegistration } from './server/backend-registry.js';
import { FaultInjector, type VaultFaults } from './server/fault-injector.js';
import { ListMethodShim } from './server/list-method-shim.js';
import { newRootTokenId } from './server/ids.js';
import { RequestLog, type RequestFilter, type RequestLogEntry } from './server/request-log.js';
import { HttpRouter, type RawHandler } from './server/router.js';
import { TestClock, type TestClockMode } from './server/test-clock.js';
import { VaultCore, type VaultVersion } from './server/vault-core.js';
import { VaultAdmin } from './vault-admin.js';

/** Options of {@link VaultTestServer.start}. */
export interface VaultTestServerOptions {
  /** TCP port on 127.0.0.1; default 0 = ephemeral. */
  readonly port?: number;
  /** Root token id; default `hvs.` + 24 random base62 characters. */
  readonly rootToken?: string;
  /** Selects the 403 messages of REFERENCE §0.5 and the reported version; default `'1.17'`. */
  readonly vaultVersion?: VaultVersion;
  /** Mount `secret/` as KV v2 like `vault server -dev` (default true). `cubbyhole/`, `identity/`, `sys/` and `auth/token/` are always mounted, as on any Vault. */
  readonly devMounts?: boolean;
  /** `'frozen'` (default): time moves only via `clock.advance/set`. `'realtime'`: follows the wall clock plus offsets. */
  readonly clockMode?: TestClockMode;
  /** Initial clock time in **ms** since the epoch (default: now). */
  readonly startTime?: number;
}

/** A Vault-API-compatible test double. Create with {@link VaultTestServer.start}. */
export class VaultTestServer {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly address: string;
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
  ) {
    this.address = `http://127.0.0.1:${port}`;
    this.rootToken = vaultCore.rootToken.id;
    this.clock = vaultCore.clock;
    this.faults = faultInjector;
    this.admin = new VaultAdmin(this.address, this.rootToken);
  }

  /** Starts a server and resolves once it listens. */
  static async start(options: VaultTestServerOptions = {}): Promise<VaultTestServer> {
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
    const httpServer = createServer((req, res) => {
      void router.handle(req, res);
    });
    // TCP is accepted here and handed to the HTTP server through the LIST-method shim.
    const tcpServer = createNetServer((socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      httpServer.emit('connection', new ListMethodShim(socket));
    });
    await new Promise<void>((resolve, reject) => {
      tcpServer.once('error', reject);
      tcpServer.listen(options.port ?? 0, '127.0.0.1', () => {
        tcpServer.off('error', reject);
        resolve();
      });
    });
    const address = tcpServer.address();
    const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
    return new VaultTestServer(tcpServer, sockets, core, router, faults, log, port);
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

  /** Seals the server: logical paths answer 503 `Vault is sealed`, `sys/health` 503. */
  seal(): void {
    this.vaultCore.sealed = true;
  }

  /** Unseals the server (state is kept across seal/unseal). */
  unseal(): void {
    this.vaultCore.sealed = false;
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
      this.tcpServer.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
    }).then(() => this.vaultCore.leases.close());
    return this.stopping;
  }
}
