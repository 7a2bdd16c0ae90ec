import type { VaultRequester } from '../contracts/vault-requester.js';
import type { EngineRegistry } from '../engines/engine.registry.js';
import type { EngineContext, EngineSecret } from '../contracts/secret-engine.js';
import { UnsupportedOperationError } from '../errors/unsupported-operation.error.js';
import type { LeaseManager, ManagedSecretState } from './leases/lease.manager.js';
import type { RotationReason } from '../events/secret-rotated.event.js';
import type { Clock } from '../timing/clock.js';
import type { AwsCredentials, DatabaseCredentials, StaticDatabaseCredentials } from '../engines/credentials.js';
import type { AwsCredentialsData, AwsFetchOptions } from '../engines/aws.engine.js';
import type { DatabaseCredentialsData } from '../engines/database.engine.js';
import type { CertificateData, PkiIssueOptions } from '../engines/pki.engine.js';

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
 * engines) and their entry points: the registered engine fetches through the supervised
 * requester, the lease manager keeps the result alive (renewal, early replacement, rotation
 * announcements, revocation).
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

  /**
   * Reads from any registered engine (built-in `database`, `aws`, `pki`, or your own) and keeps
   * the result alive when it has a lease or an expiry. `key` names it for rotation events;
   * default `<engine>:<path>`.
   * @throws UnsupportedOperationError for an unknown engine; the engine's errors otherwise.
   */
  fetchFrom<T = Record<string, unknown>>(
    engineName: string,
    path: string,
    options?: Record<string, unknown>,
    key?: string,
  ): Promise<ManagedSecretState<T>> {
    return this.acquire<T>({ engine: engineName, name: path, options, key: key ?? `${engineName}:${path}`, path });
  }

  /**
   * Dynamic database credentials from `GET <mount>/creds/<role>`, kept valid for as long as the
   * app runs: renewed, replaced before max TTL (announced as a rotation of `key`), revoked on
   * shutdown, re-acquired after an outage. `options.mount` default `database`; `options.key`
   * default `<mount>/creds/<role>`. Durations in seconds, `expiresAt` in ms since the epoch.
   * @throws UnsupportedOperationError when the role returns no lease.
   */
  async fetchDynamicDbCreds(role: string, options: { mount?: string; key?: string } = {}): Promise<DatabaseCredentials> {
    const mount = options.mount ?? 'database';
    const path = `${mount}/creds/${role}`;
    const state = await this.acquire<DatabaseCredentialsData>({
      engine: 'database',
      name: role,
      options: { mount, kind: 'dynamic' },
      key: options.key ?? path,
      path,
    });
    if (!state.leaseId || state.expiresAt === undefined)
      throw new UnsupportedOperationError(`"${path}" returned no lease; is it a dynamic role?`);
    const { leaseId, leaseDuration, renewable, expiresAt } = state;
    return { ...state.data, leaseId, leaseDuration, renewable, expiresAt };
  }

  /**
   * Static-role credentials from `GET <mount>/static-creds/<role>`, read again when Vault rotates
   * them; a changed password is announced as a rotation of `key`.
   */
  async fetchStaticDbCreds(role: string, options: { mount?: string; key?: string } = {}): Promise<StaticDatabaseCredentials> {
    const mount = options.mount ?? 'database';
    const path = `${mount}/static-creds/${role}`;
    const state = await this.acquire<DatabaseCredentialsData>({
      engine: 'database',
      name: role,
      options: { mount, kind: 'static' },
      key: options.key ?? path,
      path,
    });
    return {
      username: state.data.username,
      password: state.data.password,
      lastVaultRotation: typeof state.version === 'string' ? state.version : undefined,
      refreshAt: state.refreshAt,
    };
  }

  /**
   * AWS credentials from `POST <mount>/creds/<role>` (IAM user, renewable lease) or
   * `<mount>/sts/<role>` (STS, fetched again at about two thirds of their TTL).
   * `propagationDelayMs` holds new keys that long (milliseconds) before they are used (IAM is
   * eventually consistent), at start-up as at every replacement; `issuedAt` says when Vault issued them.
   */
  async fetchAwsCreds(
    role: string,
    options: AwsFetchOptions & { key?: string; propagationDelayMs?: number } = {},
  ): Promise<AwsCredentials> {
    const { key, propagationDelayMs, ...fetchOptions } = options;
    const path = `${fetchOptions.mount ?? 'aws'}/${fetchOptions.type ?? 'creds'}/${role}`;
    const state = await this.acquire<AwsCredentialsData>({
      engine: 'aws',
      name: role,
      options: fetchOptions,
      key: key ?? path,
      path,
      holdMs: propagationDelayMs,
    });
    const { leaseId, leaseDuration, renewable, issuedAt, expiresAt } = state;
    return { ...state.data, leaseId, leaseDuration, renewable, issuedAt, expiresAt };
  }

  /**
   * A certificate from `POST <mount>/issue/<role>`, issued again before it expires (announced as
   * `certificate-reissued`).
   */
  async issueCertificate(role: string, options: PkiIssueOptions & { key?: string }): Promise<CertificateData> {
    const { key, ...issueOptions } = options;
    const mount = issueOptions.mount ?? 'pki';
    const state = await this.acquire<CertificateData>({
      engine: 'pki',
      name: role,
      options: issueOptions,
      key: key ?? `${mount}/issue/${role}/${issueOptions.commonName}`,
      path: `${mount}/issue/${role}`,
      replaceReason: 'certificate-reissued',
    });
    return state.data;
  }
}
