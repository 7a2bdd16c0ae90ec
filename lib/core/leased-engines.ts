import type { VaultRequester } from '../contracts/vault-requester.js';
import type { EngineRegistry } from '../engines/engine.registry.js';
import type { EngineContext, EngineSecret } from '../contracts/secret-engine.js';
import { UnsupportedOperationError } from '../errors/unsupported-operation.error.js';
import type { LeaseManager, ManagedSecretState } from './leases/lease.manager.js';
import type { RotationReason } from '../events/secret-rotated.event.js';
import type { Clock } from '../timing/clock.js';

/** One leased or expiring secret to keep alive: which engine reads it, and how it is named. */
export interface LeasedRequest {
  /** Registered engine name: `database`, `aws`, `pki` or a custom one. */
  engine: string;
  /** The engine's own path argument (a role for the built-in engines). */
  name: string;
  /** Engine options (mount, kind, TTL...). */
  options?: unknown;
  /** Rotation key (events, `@OnSecretRotated`). */
  key: string;
  /** The Vault path it comes from, for events and `leasePath()`, e.g. `database/creds/app`. */
  path: string;
  /** Reason announced when it is replaced before expiry; default `lease-rotated`. */
  replaceReason?: RotationReason;
  /** Milliseconds to hold fresh credentials before switching to them (IAM propagation). */
  holdMs?: number;
}

/**
 * The one path of every leased engine (database dynamic and static roles, AWS, PKI, custom
 * engines): the registered engine fetches through the supervised requester, the lease manager
 * keeps the result alive (renewal, early replacement, rotation announcements, revocation).
 */
export class LeasedEngines {
  /** Engine name of each key acquired (the lease TTL gauge's `vault.engine`). */
  readonly #engineOf = new Map<string, string>();

  constructor(
    private readonly engines: EngineRegistry,
    private readonly leases: LeaseManager,
    private readonly client: VaultRequester,
    private readonly clock: Clock,
  ) {}

  /**
   * The current secret for `request.key`, fetched and put under management on first use.
   * @throws UnsupportedOperationError for an unknown engine; the engine's errors otherwise.
   */
  acquire<T>(request: LeasedRequest): Promise<ManagedSecretState<T>> {
    const engine = this.engines.get(request.engine);
    if (!engine)
      throw new UnsupportedOperationError(`No secrets engine named "${request.engine}"; registered: ${this.engines.names().join(', ')}`);
    this.#engineOf.set(request.key, request.engine);
    const fetch = engine.fetch as (context: EngineContext, path: string, options?: unknown) => Promise<EngineSecret<T>>;
    return this.leases.acquire<T>({
      key: request.key,
      engine: request.engine,
      path: request.path,
      replaceReason: request.replaceReason,
      holdMs: request.holdMs,
      fetch: () => fetch({ client: this.client, clock: this.clock }, request.name, request.options),
    });
  }

  /** The engine a key was acquired from, e.g. `database`; undefined for a key never acquired here. */
  engineOf(key: string): string | undefined {
    return this.#engineOf.get(key);
  }
}
