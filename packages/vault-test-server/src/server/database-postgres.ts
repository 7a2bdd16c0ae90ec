/**
 * The `postgresql-database-plugin` of the database secrets engine
 * (https://developer.hashicorp.com/vault/api-docs/secret/databases/postgresql), running its
 * statements for real on PostgreSQL through the `pg` package. `pg` is loaded with a dynamic
 * import the first time a connection is opened, so users of `./testing` who never mount a
 * database engine do not need it.
 *
 * Statement handling follows Vault's plugin: each statement entry is split on `;` (unless it is
 * a multi-line `BEGIN ... END` body for creation/revocation), `{{name}}`/`{{username}}`,
 * `{{password}}` and `{{expiration}}` are substituted verbatim, and the queries of one operation
 * run in one transaction.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { Pool, PoolClient, PoolConfig } from 'pg';

/** `{{expiration}}` layout (Go `2006-01-02 15:04:05-0700`), in UTC. */
export function formatPgExpiration(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}+0000`;
}

/** Default renew statement of the PostgreSQL plugin. */
export const DEFAULT_RENEW_STATEMENT = `ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';`;
/** Default rotation statement (static roles) of the PostgreSQL plugin. */
export const DEFAULT_ROTATION_STATEMENT = `ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}';`;

/** `password` (default) sends the clear password; `scram-sha-256` substitutes a SCRAM verifier. */
export type PasswordAuthentication = 'password' | 'scram-sha-256';

/** Vault's `dbutil.QueryHelper`: replaces every `{{key}}` with its value, verbatim. */
export function queryHelper(template: string, values: Readonly<Record<string, string>>): string {
  let out = template;
  for (const [key, value] of Object.entries(values)) out = out.split(`{{${key}}}`).join(value);
  return out;
}

/** Vault's `dbutil.QuoteIdentifier`. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/\0/g, '').replace(/"/g, '""')}"`;
}

/** Vault's `strutil.ParseArbitraryStringSlice`: base64 and JSON arrays are decoded, else split on `sep`. */
export function parseArbitraryStringSlice(input: string, sep: string): string[] {
  let text = input;
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0) {
    const decoded = Buffer.from(text, 'base64').toString('utf8');
    if (!decoded.includes('\uFFFD')) text = decoded;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed;
  } catch {
    // not JSON
  }
  return text.split(sep).map((part) => part.trim());
}

/** Vault's best-effort `containsMultilineStatement` (looks for `END` outside quotes). */
export function containsMultilineStatement(statement: string): boolean {
  const literals = [...(statement.match(/(".*?")/g) ?? []), ...(statement.match(/('.*?')/g) ?? [])];
  let withoutLiterals = statement;
  // Vault replaces each literal in the original statement (keeping only the last replacement).
  for (const literal of literals) withoutLiterals = statement.split(literal).join('');
  return /\bEND\b/.test(withoutLiterals);
}

/** Expands statement entries into single queries with the template values substituted. */
export function expandStatements(
  statements: readonly string[],
  values: Readonly<Record<string, string>>,
  keepMultiline: boolean,
): string[] {
  const queries: string[] = [];
  for (const statement of statements) {
    if (keepMultiline && containsMultilineStatement(statement)) {
      queries.push(queryHelper(statement, values));
      continue;
    }
    for (const part of parseArbitraryStringSlice(statement, ';')) {
      const query = part.trim();
      if (query !== '') queries.push(queryHelper(query, values));
    }
  }
  return queries;
}

/** A PostgreSQL SCRAM-SHA-256 verifier (`SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>`). */
export function scramSha256(password: string): string {
  const salt = randomBytes(16);
  const iterations = 4096;
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** Connection settings of a `database/config/:name` entry after templating. */
export interface PostgresSettings {
  /** `connection_url` as configured (may contain `{{username}}`/`{{password}}`). */
  readonly connectionUrl: string;
  readonly username: string;
  readonly password: string;
  readonly passwordAuthentication: PasswordAuthentication;
  /** Max open connections (default 4). */
  readonly maxOpenConnections?: number;
}

type PgModule = typeof import('pg');
let pgModule: Promise<PgModule> | undefined;

/**
 * Timer functions captured when this module loads, so that fake timers installed later by a test
 * (`vi.useFakeTimers()`) neither fire nor freeze the connection timeout. `pg` itself is configured
 * without timers (no idle timeout, no client-side connection timeout).
 */
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
/** How long opening a database connection may take (ms). */
const CONNECT_TIMEOUT_MS = 10_000;

/** Loads `pg` once (dynamic import). */
function loadPg(): Promise<PgModule> {
  pgModule ??= import('pg').then((module) => {
    const withDefault = module as PgModule & { default?: PgModule };
    return withDefault.default ?? module;
  });
  return pgModule;
}

/** An error from the plugin; its message is already sanitised (no password). */
export class DatabasePluginError extends Error {
  override readonly name = 'DatabasePluginError';
}

/** One configured PostgreSQL connection (Vault's plugin instance) with a small pool. */
export class PostgresConnection {
  private closed = false;

  private constructor(
    private readonly pool: Pool,
    private readonly settings: PostgresSettings,
  ) {}

  /**
   * Creates the pool; with `verify` also connects and pings.
   * @throws DatabasePluginError (`connection_url cannot be empty`, `error verifying connection: ...`)
   */
  static async open(settings: PostgresSettings, verify: boolean): Promise<PostgresConnection> {
    if (settings.connectionUrl.trim() === '') throw new DatabasePluginError('connection_url cannot be empty');
    let pg: PgModule;
    try {
      pg = await loadPg();
    } catch (error: unknown) {
      throw new DatabasePluginError(
        `the "pg" package is required by the database secrets engine of the Vault test server: ${errorText(error)}`,
      );
    }
    const config: PoolConfig = {
      ...poolTarget(settings),
      max: settings.maxOpenConnections && settings.maxOpenConnections > 0 ? settings.maxOpenConnections : 4,
      // No pg-side timers: idle clients stay until the pool is closed (allowExitOnIdle unrefs them).
      idleTimeoutMillis: 0,
      allowExitOnIdle: true,
      statement_timeout: 30_000,
      application_name: 'vault-test-server',
    };
    const pool = new pg.Pool(config);
    // Idle clients may error when PostgreSQL restarts; without a listener that would crash the process.
    pool.on('error', () => undefined);
    const connection = new PostgresConnection(pool, settings);
    if (verify) {
      try {
        await connection.withClient((client) => client.query('SELECT 1'));
      } catch (error: unknown) {
        await connection.close();
        throw new DatabasePluginError(`error verifying connection: ${connection.sanitize(errorText(error))}`);
      }
    }
    return connection;
  }

  /** Creates a user: runs the creation statements in one transaction (Vault's `NewUser`). */
  async newUser(statements: readonly string[], username: string, password: string, expiration: string): Promise<void> {
    if (statements.length === 0) throw new DatabasePluginError('empty creation statements');
    const values = {
      name: username,
      username,
      password: this.passwordValue(password),
      expiration,
    };
    await this.transaction(expandStatements(statements, values, true), 'failed to execute query: ');
  }

  /** Extends `VALID UNTIL` (Vault's `UpdateUser` with an expiration). */
  async renewUser(statements: readonly string[], username: string, expiration: string): Promise<void> {
    const stmts = statements.length > 0 ? statements : [DEFAULT_RENEW_STATEMENT];
    await this.transaction(expandStatements(stmts, { name: username, username, expiration }, false), '');
  }

  /** Sets a new password (Vault's `UpdateUser` with a password; static roles). */
  async changePassword(statements: readonly string[], username: string, password: string): Promise<void> {
    if (password === '') throw new DatabasePluginError('missing password');
    const stmts = statements.length > 0 ? statements : [DEFAULT_ROTATION_STATEMENT];
    const values = { name: username, username, password: this.passwordValue(password) };
    await this.transaction(expandStatements(stmts, values, false), 'failed to execute query: ');
  }

  /** Drops a user: custom revocation statements in one transaction, or the plugin's default revocation. */
  async deleteUser(statements: readonly string[], username: string): Promise<void> {
    if (statements.length > 0) {
      await this.transaction(expandStatements(statements, { name: username, username }, true), '');
      return;
    }
    await this.defaultDeleteUser(username);
  }

  /** Closes the pool (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end().catch(() => undefined);
  }

  /** Replaces the configured password in error texts (Vault's error sanitizer middleware). */
  sanitize(message: string): string {
    const password = this.settings.password;
    return password === '' ? message : message.split(password).join('[password]');
  }

  private passwordValue(password: string): string {
    return this.settings.passwordAuthentication === 'scram-sha-256' ? scramSha256(password) : password;
  }

  /**
   * The default revocation of the PostgreSQL plugin
   * (https://developer.hashicorp.com/vault/api-docs/secret/databases/postgresql, `revocation_statements`).
   */
  private async defaultDeleteUser(username: string): Promise<void> {
    await this.withClient(async (client) => {
      const exists = await client.query<{ exists: boolean }>('SELECT exists (SELECT rolname FROM pg_roles WHERE rolname=$1);', [username]);
      if (!exists.rows[0]?.exists) return;
      const quoted = quoteIdentifier(username);
      const statements: string[] = [];
      const schemas = await client.query<{ table_schema: string }>(
        'SELECT DISTINCT table_schema FROM information_schema.role_column_grants WHERE grantee=$1;',
        [username],
      );
      for (const row of schemas.rows) {
        statements.push(`REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA ${row.table_schema} FROM ${quoted};`);
        statements.push(`REVOKE USAGE ON SCHEMA ${quoteIdentifier(row.table_schema)} FROM ${quoted};`);
      }
      statements.push(`REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM ${quoted};`);
      statements.push(`REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM ${quoted};`);
      statements.push(`REVOKE USAGE ON SCHEMA public FROM ${quoted};`);
      const database = await client.query<{ current_database: string | null }>('SELECT current_database();');
      const dbName = database.rows[0]?.current_database;
      if (dbName) statements.push(`REVOKE CONNECT ON DATABASE ${quoteIdentifier(dbName)} FROM ${quoted};`);
      let lastError: unknown;
      for (const statement of statements) {
        try {
          await client.query(statement);
        } catch (error: unknown) {
          lastError = error;
        }
      }
      if (lastError !== undefined) {
        throw new DatabasePluginError(`could not perform all revocation statements: ${this.sanitize(pgErrorText(lastError))}`);
      }
      try {
        await client.query(`DROP ROLE IF EXISTS ${quoted};`);
      } catch (error: unknown) {
        throw new DatabasePluginError(this.sanitize(pgErrorText(error)));
      }
    });
  }

  private async transaction(queries: readonly string[], errorPrefix: string): Promise<void> {
    await this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        for (const query of queries) await client.query(query);
        await client.query('COMMIT');
      } catch (error: unknown) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new DatabasePluginError(`${errorPrefix}${this.sanitize(pgErrorText(error))}`);
      }
    });
  }

  /** `pool.connect()` bounded by {@link CONNECT_TIMEOUT_MS} of real time. */
  private async acquire(): Promise<PoolClient> {
    const connecting = this.pool.connect();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = realSetTimeout(() => reject(new Error('timeout exceeded when trying to connect')), CONNECT_TIMEOUT_MS);
      timer.unref();
    });
    try {
      return await Promise.race([connecting, timeout]);
    } catch (error: unknown) {
      void connecting.then(
        (late) => late.release(),
        () => undefined,
      );
      throw error;
    } finally {
      if (timer !== undefined) realClearTimeout(timer);
    }
  }

  private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new DatabasePluginError('database connection is closed');
    let client: PoolClient;
    try {
      client = await this.acquire();
    } catch (error: unknown) {
      throw new DatabasePluginError(`unable to get connection: ${this.sanitize(errorText(error))}`);
    }
    let broken: Error | undefined;
    try {
      return await work(client);
    } catch (error: unknown) {
      if (!(error instanceof DatabasePluginError)) broken = error instanceof Error ? error : new Error(String(error));
      throw error instanceof DatabasePluginError ? error : new DatabasePluginError(this.sanitize(errorText(error)));
    } finally {
      client.release(broken);
    }
  }
}

/** Pool target from a `postgres://` URL or a `key=value` DSN, with `{{username}}`/`{{password}}` substituted. */
function poolTarget(settings: PostgresSettings): PoolConfig {
  const url = settings.connectionUrl.trim();
  if (/^postgres(?:ql)?:\/\//i.test(url)) {
    return {
      connectionString: queryHelper(url, {
        username: encodeURIComponent(settings.username),
        password: encodeURIComponent(settings.password),
      }),
    };
  }
  const dsn = queryHelper(url, { username: settings.username, password: settings.password });
  const config: PoolConfig = {};
  for (const match of dsn.matchAll(/(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/g)) {
    const key = match[1] ?? '';
    const raw = match[2] ?? '';
    const value = raw.startsWith("'") ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    if (key === 'host') config.host = value;
    else if (key === 'port') config.port = Number(value);
    else if (key === 'user') config.user = value;
    else if (key === 'password') config.password = value;
    else if (key === 'dbname') config.database = value;
    else if (key === 'sslmode') config.ssl = value === 'disable' ? false : { rejectUnauthorized: value === 'verify-full' };
  }
  return config;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** pgx-style error text: `ERROR: role "x" does not exist (SQLSTATE 42704)`. */
function pgErrorText(error: unknown): string {
  if (error instanceof DatabasePluginError) return error.message;
  if (error instanceof Error) {
    const details = error as Error & { code?: unknown; severity?: unknown };
    if (typeof details.code === 'string' && /^[0-9A-Z]{5}$/.test(details.code)) {
      const severity = typeof details.severity === 'string' ? details.severity : 'ERROR';
      return `${severity}: ${error.message} (SQLSTATE ${details.code})`;
    }
    return error.message;
  }
  return String(error);
}
