/**
 * The database secrets engine (`type: 'database'`, https://developer.hashicorp.com/vault/api-docs/secret/databases) with the
 * `postgresql-database-plugin`, configured like on a real Vault:
 *
 * - `database/config/:name` (+ LIST `config/`, `reset/:name`): connection, `allowed_roles`;
 * - `database/roles/:name` + `GET database/creds/:role`: dynamic users created for real on
 *   PostgreSQL with a renewable lease; renew runs the renew statements, revoke/expiry the
 *   revocation statements (default: revoke grants, `DROP ROLE IF EXISTS`);
 * - `database/static-roles/:name` + `GET database/static-creds/:role` + `rotate-role/:name`:
 *   passwords of existing users rotated on creation, when `rotation_period` passes by the
 *   server clock, and on demand.
 *
 * Not emulated: other plugins, `username_template`/`password_policy` customisation,
 * `rotate-root`, rotation schedules/windows, credential types other than `password`.
 */
import type { BackendContext } from './backend.js';
import { defaultDatabaseUsername, generateDatabasePassword } from './credential-generators.js';
import { DatabasePluginError, formatPgExpiration, PostgresConnection, type PostgresSettings } from './database-postgres.js';
import { badRequest, internalError, VaultError } from './errors.js';
import { boolField, durationField, intField, stringField, stringSliceField } from './fields.js';
import type { LeaseTtlPolicy, SecretLease } from './lease-manager.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { MountDescriptor } from './mount-table.js';
import { FrameworkBackend, type PathDefinition, type PathParams } from './path-router.js';
import { formatRfc3339Nano } from './time-format.js';

/** The only plugin the test server runs. */
export const POSTGRESQL_PLUGIN = 'postgresql-database-plugin';

/** Vault's `framework.GenericNameRegex`. */
const NAME = String.raw`(?<name>\w(?:[\w.-]*\w)?)`;

const DEFAULT_USERNAME_TEMPLATE =
  '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}';

/** Fields of `database/config/:name` that are not connection details. */
const CONFIG_FIELDS = new Set([
  'name',
  'plugin_name',
  'plugin_version',
  'allowed_roles',
  'verify_connection',
  'root_rotation_statements',
  'password_policy',
]);

interface ConnectionConfig {
  pluginName: string;
  allowedRoles: string[];
  rootRotationStatements: string[];
  passwordPolicy: string;
  verifyConnection: boolean;
  /** Plugin connection details as given (`connection_url`, `username`, `password`, ...). */
  details: Record<string, unknown>;
}

interface DynamicRole {
  dbName: string;
  creationStatements: string[];
  revocationStatements: string[];
  rollbackStatements: string[];
  renewStatements: string[];
  /** Seconds (0 = mount default). */
  defaultTtl: number;
  /** Seconds (0 = mount max). */
  maxTtl: number;
}

interface StaticRole {
  dbName: string;
  username: string;
  password: string;
  /** Seconds. */
  rotationPeriod: number;
  rotationStatements: string[];
  lastRotationNanos: bigint;
  lastRotationMs: number;
  /** Next automatic rotation attempt (ms). */
  nextRotationMs: number;
  rotating: Promise<void> | undefined;
}

/** Backend of a `database` mount. */
export class DatabaseBackend extends FrameworkBackend {
  private readonly configs = new Map<string, ConnectionConfig>();
  private readonly connections = new Map<string, Promise<PostgresConnection>>();
  private readonly roles = new Map<string, DynamicRole>();
  private readonly staticRoles = new Map<string, StaticRole>();
  private readonly unregister: Array<() => void> = [];

  protected readonly paths: readonly PathDefinition[] = [
    { pattern: /^config\/?$/, operations: { list: () => respondData({ keys: sortedKeys(this.configs) }) } },
    {
      pattern: new RegExp(`^config/${NAME}$`),
      operations: {
        read: (_r, p) => this.readConfig(p),
        update: (r, p) => this.writeConfig(r, p),
        delete: (_r, p) => this.deleteConfig(p),
      },
      exists: (_r, p) => this.configs.has(p['name'] ?? ''),
    },
    { pattern: new RegExp(`^reset/${NAME}$`), operations: { update: (_r, p) => this.resetConnection(p) } },
    { pattern: /^roles\/?$/, operations: { list: () => respondData({ keys: sortedKeys(this.roles) }) } },
    {
      pattern: new RegExp(`^roles/${NAME}$`),
      operations: {
        read: (_r, p) => this.readRole(p),
        update: (r, p) => this.writeRole(r, p),
        delete: (_r, p) => {
          this.roles.delete(p['name'] ?? '');
          return null;
        },
      },
      exists: (_r, p) => this.roles.has(p['name'] ?? ''),
    },
    { pattern: /^static-roles\/?$/, operations: { list: () => respondData({ keys: sortedKeys(this.staticRoles) }) } },
    {
      pattern: new RegExp(`^static-roles/${NAME}$`),
      operations: {
        read: (_r, p) => this.readStaticRole(p),
        update: (r, p) => this.writeStaticRole(r, p),
        delete: (_r, p) => {
          this.staticRoles.delete(p['name'] ?? '');
          return null;
        },
      },
      exists: (_r, p) => this.staticRoles.has(p['name'] ?? ''),
    },
    { pattern: new RegExp(`^creds/${NAME}$`), operations: { read: (r, p) => this.createCredentials(r, p) } },
    { pattern: new RegExp(`^static-creds/${NAME}$`), operations: { read: (_r, p) => this.readStaticCredentials(p) } },
    { pattern: new RegExp(`^rotate-role/${NAME}$`), operations: { update: (_r, p) => this.rotateRole(p) } },
  ];

  constructor(
    private readonly ctx: BackendContext,
    private readonly mount: MountDescriptor,
  ) {
    super();
    this.unregister.push(ctx.leases.onTick((now) => this.rotateDueStaticRoles(now)));
    this.unregister.push(ctx.leases.onClose(() => this.closeConnections()));
  }

  /** Mount disabled: revoke this mount's leases (dropping their users), then close the pools. */
  cleanup(): void {
    for (const remove of this.unregister) remove();
    this.ctx.leases.background(
      (async () => {
        await this.ctx.leases.revokePrefix(this.mount.path, { sync: true, force: true });
        await this.closeConnections();
      })(),
    );
  }

  // ----- connections ----------------------------------------------------------------------

  private settingsOf(config: ConnectionConfig): PostgresSettings {
    const details = config.details;
    const text = (key: string): string => stringField(details, key);
    const auth = text('password_authentication');
    const maxOpen = intField(details, 'max_open_connections', 0);
    return {
      connectionUrl: text('connection_url'),
      username: text('username'),
      password: text('password'),
      passwordAuthentication: auth === 'scram-sha-256' ? 'scram-sha-256' : 'password',
      ...(maxOpen > 0 ? { maxOpenConnections: maxOpen } : {}),
    };
  }

  /** Vault's `GetConnection`: the plugin instance of a connection, opened on first use. */
  private getConnection(name: string): Promise<PostgresConnection> {
    const existing = this.connections.get(name);
    if (existing) return existing;
    const config = this.configs.get(name);
    if (!config) return Promise.reject(new DatabasePluginError(`failed to find entry for connection with name: ${JSON.stringify(name)}`));
    const opening = PostgresConnection.open(this.settingsOf(config), false);
    this.connections.set(name, opening);
    opening.catch(() => {
      if (this.connections.get(name) === opening) this.connections.delete(name);
    });
    return opening;
  }

  private async dropConnection(name: string): Promise<void> {
    const existing = this.connections.get(name);
    this.connections.delete(name);
    if (existing) await existing.then((c) => c.close()).catch(() => undefined);
  }

  private async closeConnections(): Promise<void> {
    await Promise.all([...this.connections.keys()].map((name) => this.dropConnection(name)));
  }

  // ----- config ---------------------------------------------------------------------------

  private async writeConfig(req: LogicalRequest, params: PathParams): Promise<DataResponse | null> {
    const name = params['name'] ?? '';
    const existing = this.configs.get(name);
    const data = req.data;
    const pluginName = data['plugin_name'] !== undefined ? stringField(data, 'plugin_name') : (existing?.pluginName ?? '');
    if (pluginName === '') throw badRequest('empty plugin name');
    if (pluginName !== POSTGRESQL_PLUGIN) {
      throw badRequest(
        `error creating database object: plugin ${JSON.stringify(pluginName)} is not available in the Vault test server (only ${POSTGRESQL_PLUGIN})`,
      );
    }
    const verify = boolField(data, 'verify_connection', true);
    const details: Record<string, unknown> = existing ? { ...existing.details } : {};
    for (const [key, value] of Object.entries(data)) if (!CONFIG_FIELDS.has(key)) details[key] = value;
    const config: ConnectionConfig = {
      pluginName,
      allowedRoles: data['allowed_roles'] !== undefined ? stringSliceField(data, 'allowed_roles') : (existing?.allowedRoles ?? []),
      rootRotationStatements:
        data['root_rotation_statements'] !== undefined
          ? statementsField(data, 'root_rotation_statements')
          : (existing?.rootRotationStatements ?? []),
      passwordPolicy: data['password_policy'] !== undefined ? stringField(data, 'password_policy') : (existing?.passwordPolicy ?? ''),
      verifyConnection: verify,
      details,
    };
    const auth = stringField(details, 'password_authentication');
    if (auth !== '' && auth !== 'password' && auth !== 'scram-sha-256') {
      throw badRequest(`error creating database object: '${auth}' is not a valid password authentication type`);
    }
    const template = stringField(details, 'username_template');
    if (template !== '' && template !== DEFAULT_USERNAME_TEMPLATE) {
      throw badRequest('error creating database object: a custom username_template is not supported by the Vault test server');
    }
    let connection: PostgresConnection;
    try {
      connection = await PostgresConnection.open(this.settingsOf(config), verify);
    } catch (error: unknown) {
      throw badRequest(`error creating database object: ${error instanceof Error ? error.message : String(error)}`);
    }
    await this.dropConnection(name);
    this.connections.set(name, Promise.resolve(connection));
    this.configs.set(name, config);
    const warnings: string[] = [];
    if (urlPassword(stringField(details, 'connection_url')) !== undefined) {
      warnings.push(
        'Password found in connection_url, use a templated url to enable root rotation and prevent read access to password information.',
      );
    }
    return warnings.length > 0 ? respondData(null, { warnings }) : null;
  }

  private readConfig(params: PathParams): DataResponse | null {
    const config = this.configs.get(params['name'] ?? '');
    if (!config) return null;
    const details: Record<string, unknown> = { ...config.details };
    delete details['password'];
    delete details['private_key'];
    if (typeof details['connection_url'] === 'string') details['connection_url'] = redactUrl(details['connection_url']);
    return respondData({
      allowed_roles: [...config.allowedRoles],
      connection_details: details,
      password_policy: config.passwordPolicy,
      plugin_name: config.pluginName,
      plugin_version: '',
      root_credentials_rotate_statements: [...config.rootRotationStatements],
      verify_connection: config.verifyConnection,
    });
  }

  private async deleteConfig(params: PathParams): Promise<null> {
    const name = params['name'] ?? '';
    this.configs.delete(name);
    await this.dropConnection(name);
    return null;
  }

  private async resetConnection(params: PathParams): Promise<null> {
    const name = params['name'] ?? '';
    await this.dropConnection(name);
    try {
      await this.getConnection(name);
    } catch (error: unknown) {
      throw pluginFailure(error);
    }
    return null;
  }

  /** The connection of a role after Vault's checks (config present, role allowed). */
  private configFor(dbName: string, roleName: string): ConnectionConfig {
    const config = this.configs.get(dbName);
    if (!config) throw internalError(`failed to find entry for connection with name: ${JSON.stringify(dbName)}`);
    if (!config.allowedRoles.includes('*') && !config.allowedRoles.some((pattern) => globMatch(pattern, roleName))) {
      throw internalError(`${JSON.stringify(roleName)} is not an allowed role`);
    }
    return config;
  }

  // ----- dynamic roles --------------------------------------------------------------------

  private writeRole(req: LogicalRequest, params: PathParams): null {
    const name = params['name'] ?? '';
    if (this.staticRoles.has(name)) throw badRequest('Role and Static Role names must be unique');
    const data = req.data;
    const existing = this.roles.get(name);
    const pick = (field: string, current: string[] | undefined): string[] =>
      data[field] !== undefined ? statementsField(data, field) : (current ?? []);
    const dbName = data['db_name'] !== undefined ? stringField(data, 'db_name') : (existing?.dbName ?? '');
    if (dbName === '') throw badRequest('database name is required');
    const credentialType = stringField(data, 'credential_type', 'password');
    if (credentialType !== 'password') {
      throw badRequest(`credential_type ${JSON.stringify(credentialType)} is not supported by the Vault test server`);
    }
    this.roles.set(name, {
      dbName,
      creationStatements: pick('creation_statements', existing?.creationStatements),
      revocationStatements: pick('revocation_statements', existing?.revocationStatements).filter((s) => s !== ''),
      rollbackStatements: pick('rollback_statements', existing?.rollbackStatements),
      renewStatements: pick('renew_statements', existing?.renewStatements),
      defaultTtl: durationField(data, 'default_ttl') ?? existing?.defaultTtl ?? 0,
      maxTtl: durationField(data, 'max_ttl') ?? existing?.maxTtl ?? 0,
    });
    return null;
  }

  private readRole(params: PathParams): DataResponse | null {
    const role = this.roles.get(params['name'] ?? '');
    if (!role) return null;
    return respondData({
      creation_statements: [...role.creationStatements],
      credential_type: 'password',
      db_name: role.dbName,
      default_ttl: role.defaultTtl,
      max_ttl: role.maxTtl,
      renew_statements: [...role.renewStatements],
      revocation_statements: [...role.revocationStatements],
      rollback_statements: [...role.rollbackStatements],
    });
  }

  /** `GET /v1/database/creds/:role` (https://developer.hashicorp.com/vault/api-docs/secret/databases#generate-credentials). */
  private async createCredentials(req: LogicalRequest, params: PathParams): Promise<DataResponse> {
    const roleName = params['name'] ?? '';
    const role = this.roles.get(roleName);
    if (!role) throw badRequest(`unknown role: ${roleName}`);
    this.configFor(role.dbName, roleName);
    let connection: PostgresConnection;
    try {
      connection = await this.getConnection(role.dbName);
    } catch (error: unknown) {
      throw pluginFailure(error);
    }
    const now = this.ctx.clock.now();
    const ttl = this.ctx.leases.initialTtl(this.mount, role.defaultTtl, role.maxTtl);
    const expiration = formatPgExpiration(now + (ttl + 5) * 1000);
    const username = defaultDatabaseUsername(req.token?.displayName ?? '', roleName, now);
    const password = generateDatabasePassword();
    try {
      await connection.newUser(role.creationStatements, username, password, expiration);
    } catch (error: unknown) {
      throw pluginFailure(error);
    }
    const lease = this.ctx.leases.create({
      path: req.path,
      mount: this.mount,
      token: req.token,
      ttlSeconds: role.defaultTtl,
      maxTtlSeconds: role.maxTtl,
      renewable: true,
      internal: { username, role: roleName, db_name: role.dbName, revocation_statements: [...role.revocationStatements] },
      handlers: {
        revoke: (secret) => this.revokeCredentials(secret),
        renew: (secret, increment) => this.renewCredentials(secret, increment),
      },
    });
    return respondData({ password, username }, { lease });
  }

  /** Lease renewal: extends `VALID UNTIL` (Vault's `secretCredsRenew`). */
  private async renewCredentials(lease: SecretLease, increment: number): Promise<LeaseTtlPolicy> {
    const roleName = String(lease.internal['role'] ?? '');
    const username = String(lease.internal['username'] ?? '');
    const role = this.roles.get(roleName);
    if (!role) throw new Error(`error during renew: could not find role with name ${JSON.stringify(roleName)}`);
    const connection = await this.getConnection(role.dbName);
    const policy: LeaseTtlPolicy = { ttlSeconds: role.defaultTtl, maxTtlSeconds: role.maxTtl };
    const { ttlSeconds } = this.ctx.leases.renewalTtl(lease, increment, policy);
    if (ttlSeconds > 0) {
      const expiration = formatPgExpiration(this.ctx.clock.now() + (ttlSeconds + 5) * 1000);
      await connection.renewUser(role.renewStatements, username, expiration);
    }
    return policy;
  }

  /** Lease revocation: runs the revocation statements (Vault's `secretCredsRevoke`). */
  private async revokeCredentials(lease: SecretLease): Promise<void> {
    const username = String(lease.internal['username'] ?? '');
    const role = this.roles.get(String(lease.internal['role'] ?? ''));
    const dbName = role ? role.dbName : String(lease.internal['db_name'] ?? '');
    const embedded = lease.internal['revocation_statements'];
    const statements = role ? role.revocationStatements : Array.isArray(embedded) ? embedded.map(String) : [];
    const connection = await this.getConnection(dbName);
    await connection.deleteUser(statements, username);
  }

  // ----- static roles ---------------------------------------------------------------------

  private async writeStaticRole(req: LogicalRequest, params: PathParams): Promise<null> {
    const name = params['name'] ?? '';
    if (this.roles.has(name)) throw badRequest('Role and Static Role names must be unique');
    const data = req.data;
    const existing = this.staticRoles.get(name);
    const creating = existing === undefined;
    const dbName = data['db_name'] !== undefined ? stringField(data, 'db_name') : (existing?.dbName ?? '');
    if (dbName === '') throw badRequest('database name is a required field');
    const username = stringField(data, 'username');
    if (username === '' && creating) throw badRequest('username is a required field to create a static account');
    if (existing && existing.username !== username) throw badRequest('cannot update static account username');
    const period = durationField(data, 'rotation_period');
    if (period === undefined && creating) throw badRequest('rotation_period is required to create static accounts');
    if (period !== undefined && period < 5) throw badRequest('rotation_period must be 5 seconds or more');
    const credentialType = stringField(data, 'credential_type', 'password');
    if (credentialType !== 'password') {
      throw badRequest(`credential_type ${JSON.stringify(credentialType)} is not supported by the Vault test server`);
    }
    const rotationStatements =
      data['rotation_statements'] !== undefined ? statementsField(data, 'rotation_statements') : (existing?.rotationStatements ?? []);
    if (existing) {
      existing.dbName = dbName;
      if (period !== undefined) existing.rotationPeriod = period;
      existing.rotationStatements = rotationStatements;
      existing.nextRotationMs = existing.lastRotationMs + existing.rotationPeriod * 1000;
      return null;
    }
    const role: StaticRole = {
      dbName,
      username,
      password: '',
      rotationPeriod: period ?? 0,
      rotationStatements,
      lastRotationNanos: 0n,
      lastRotationMs: 0,
      nextRotationMs: Number.POSITIVE_INFINITY,
      rotating: undefined,
    };
    try {
      await this.setStaticAccount(role);
    } catch (error: unknown) {
      throw internalError(error instanceof Error ? error.message : String(error));
    }
    this.staticRoles.set(name, role);
    return null;
  }

  private readStaticRole(params: PathParams): DataResponse | null {
    const role = this.staticRoles.get(params['name'] ?? '');
    if (!role) return null;
    return respondData({
      credential_type: 'password',
      db_name: role.dbName,
      last_vault_rotation: formatRfc3339Nano(role.lastRotationNanos),
      rotation_period: role.rotationPeriod,
      rotation_statements: [...role.rotationStatements],
      username: role.username,
    });
  }

  /**
   * `GET /v1/database/static-creds/:role`
   * (https://developer.hashicorp.com/vault/api-docs/secret/databases#get-static-credentials): no lease.
   */
  private readStaticCredentials(params: PathParams): DataResponse {
    const name = params['name'] ?? '';
    const role = this.staticRoles.get(name);
    if (!role) throw badRequest(`unknown role: ${name}`);
    this.configFor(role.dbName, name);
    const next = role.lastRotationMs + role.rotationPeriod * 1000;
    return respondData({
      last_vault_rotation: formatRfc3339Nano(role.lastRotationNanos),
      password: role.password,
      rotation_period: role.rotationPeriod,
      ttl: Math.max(0, Math.round((next - this.ctx.clock.now()) / 1000)),
      username: role.username,
    });
  }

  /** `POST database/rotate-role/:name`. */
  private async rotateRole(params: PathParams): Promise<null> {
    const name = params['name'] ?? '';
    const role = this.staticRoles.get(name);
    if (!role) throw badRequest('no static role found for role name');
    if (role.rotating) await role.rotating;
    try {
      await this.trackRotation(role);
    } catch (error: unknown) {
      const reason = error instanceof Error ? error.message : String(error);
      throw internalError(
        `unable to finish rotating credentials; retries will continue in the background but it is also safe to retry manually: ${reason}`,
      );
    }
    return null;
  }

  /** Rotates now; on failure the next automatic attempt is in 10 s (server clock), like Vault's queue. */
  private trackRotation(role: StaticRole): Promise<void> {
    const run = this.setStaticAccount(role).catch((error: unknown) => {
      role.nextRotationMs = this.ctx.clock.now() + 10_000;
      throw error;
    });
    role.rotating = run;
    void run
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        if (role.rotating === run) role.rotating = undefined;
      });
    this.ctx.leases.background(run);
    return run;
  }

  /** Sets a new password on the database user (Vault's `setStaticAccount`). */
  private async setStaticAccount(role: StaticRole): Promise<void> {
    const password = generateDatabasePassword();
    try {
      const connection = await this.getConnection(role.dbName);
      await connection.changePassword(role.rotationStatements, role.username, password);
    } catch (error: unknown) {
      throw new Error(`error setting credentials: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const now = this.ctx.clock.now();
    role.password = password;
    role.lastRotationMs = now;
    role.lastRotationNanos = this.ctx.clock.nowNanos();
    role.nextRotationMs = now + role.rotationPeriod * 1000;
  }

  /** Tick listener: rotates every static role whose `rotation_period` has passed. */
  private rotateDueStaticRoles(now: number): void {
    for (const role of this.staticRoles.values()) {
      if (!role.rotating && now >= role.nextRotationMs) void this.trackRotation(role).catch(() => undefined);
    }
  }
}

function sortedKeys(map: ReadonlyMap<string, unknown>): string[] {
  return [...map.keys()].sort();
}

/** Statement lists (Vault `TypeStringSlice`): an array, or one string kept whole (not split on commas). */
function statementsField(data: Record<string, unknown>, field: string): string[] {
  const raw = data[field];
  if (raw === undefined || raw === null || raw === '') return [];
  if (Array.isArray(raw)) return raw.map((item: unknown) => String(item));
  return [String(raw)];
}

/** `strutil.StrListContainsGlob` for one pattern (`*` wildcards). */
function globMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 's');
  return regex.test(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The password of a parseable URL (Go's `url.Parse` rejects `{{...}}` user info, so templated URLs have none). */
function urlPassword(url: string): string | undefined {
  if (url.includes('{') || url.includes('}')) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.password !== '' ? parsed.password : undefined;
  } catch {
    return undefined;
  }
}

/** Go's `url.URL.Redacted()` for URLs with a password. */
function redactUrl(url: string): string {
  if (urlPassword(url) === undefined) return url;
  const parsed = new URL(url);
  parsed.password = 'xxxxx';
  return parsed.toString();
}

function pluginFailure(error: unknown): Error {
  if (error instanceof DatabasePluginError) return internalError(error.message);
  if (error instanceof VaultError) return error;
  return internalError(error instanceof Error ? error.message : String(error));
}
