import { defaultsOf, type ConfigKeysOf, type DefaultsOf, type OptionSpec } from './option-spec.js';

/**
 * Every option of `SecretsModule` and `SecretsManager`: its type, default and doc line. The one place
 * an option is declared:
 * - the configuration table of docs/configuration.md is generated from it (`npm run docs:options`; a test fails when they differ);
 * - `resolveVaultConfig` reports every key not listed here as an unknown option and takes its defaults from it;
 * - the checks of whole-number (`integer` bounds), boolean and literal-union options, with their messages, are
 *   generated from it (`schema-checks.ts`); the types of the resolved defaulted options derive from its `type`
 *   text (`ResolvedDefaultedOptions`);
 * - the `VaultConfig` classes (the input type) are checked against it at compile time
 *   (`options-schema.checks.ts`) and by a test (every entry has a validator, every validator an entry).
 *
 * Durations are in milliseconds unless the name says otherwise. Defaults from Vault's CLI environment
 * variables (`VAULT_ADDR`, `VAULT_TOKEN`, `VAULT_NAMESPACE`, `VAULT_CACERT`, `VAULT_SKIP_VERIFY`) are
 * applied by `resolveVaultConfig`; an option you set wins over the variable.
 */
export const OPTIONS_SCHEMA = {
  address: {
    type: 'string',
    defaultText: '`VAULT_ADDR`',
    doc: "Vault's URL, `http(s)://host:port`. Required.",
  },
  token: {
    type: 'string',
    defaultText: '`VAULT_TOKEN`, then `~/.vault-token`',
    doc: 'A Vault token (never logged). Not needed with `auth`.',
  },
  auth: {
    type: 'AuthOptions | AuthMethod',
    defaultText: 'token',
    doc: 'How to log in: `{ method, ... }` with the fields below, or your own `AuthMethod`; see [Auth methods](#auth-methods). Credentials are read at each login and never logged.',
    fields: {
      method: {
        type: "'agent' | 'token' | 'approle' | 'kubernetes' | 'jwt' | 'userpass' | 'cert'",
        methods: ['agent', 'token', 'approle', 'kubernetes', 'jwt', 'userpass', 'cert'],
        doc: 'Which auth method logs in (required in the object form). `agent`: a Vault Agent / Proxy adds the token, nothing is sent or renewed.',
      },
      mount: {
        type: 'string',
        methods: ['approle', 'kubernetes', 'jwt', 'userpass', 'cert'],
        defaultText: 'the method name',
        doc: 'Mount path of the auth method (may contain `/`, e.g. `k8s/prod`).',
      },
      token: {
        type: 'string',
        methods: ['token'],
        defaultText: 'top-level `token`, `VAULT_TOKEN`, `~/.vault-token`',
        doc: 'The token.',
      },
      tokenFile: {
        type: 'string',
        methods: ['token'],
        doc: 'A file holding the token, re-read at every login (e.g. a Vault Agent sink file).',
      },
      roleId: {
        type: 'string',
        methods: ['approle'],
        doc: 'The role_id (give one of `roleId`, `roleIdFile`, `roleIdEnv`).',
      },
      roleIdFile: {
        type: 'string',
        methods: ['approle'],
        doc: 'A file holding the role_id.',
      },
      roleIdEnv: {
        type: 'string',
        methods: ['approle'],
        doc: 'The environment variable holding the role_id.',
      },
      secretId: {
        type: 'string',
        methods: ['approle'],
        doc: 'The secret_id (at most one of `secretId`, `secretIdFile`, `secretIdEnv`; none for roles without `bind_secret_id`).',
      },
      secretIdFile: {
        type: 'string',
        methods: ['approle'],
        doc: 'A file holding the secret_id, re-read at every login.',
      },
      secretIdEnv: {
        type: 'string',
        methods: ['approle'],
        doc: 'The environment variable holding the secret_id.',
      },
      secretIdWrapped: {
        type: 'boolean',
        methods: ['approle'],
        defaultText: '`false`',
        doc: 'The secret_id source holds a response-wrapping token: it is unwrapped once (`POST /v1/sys/wrapping/unwrap`).',
      },
      role: {
        type: 'string',
        methods: ['kubernetes', 'jwt'],
        doc: 'The Vault role to log in with (required for `kubernetes`; for `jwt` optional when the mount has a `default_role`).',
      },
      jwt: {
        type: 'string',
        methods: ['jwt'],
        doc: 'The JWT (give one of `jwt`, `jwtFile`, `jwtProvider`).',
      },
      jwtFile: {
        type: 'string',
        methods: ['kubernetes', 'jwt'],
        defaultText: '`kubernetes`: `/var/run/secrets/kubernetes.io/serviceaccount/token`',
        doc: 'A file holding the JWT, re-read at every login (projected service-account tokens rotate).',
      },
      jwtProvider: {
        type: '() => string | Promise<string>',
        methods: ['jwt'],
        doc: 'Called at every login for a fresh JWT (e.g. from your identity provider).',
      },
      username: {
        type: 'string',
        methods: ['userpass'],
        doc: 'The username (required).',
      },
      password: {
        type: 'string',
        methods: ['userpass'],
        doc: 'The password (give one of `password`, `passwordFile`, `passwordEnv`).',
      },
      passwordFile: {
        type: 'string',
        methods: ['userpass'],
        doc: 'A file holding the password, re-read at every login.',
      },
      passwordEnv: {
        type: 'string',
        methods: ['userpass'],
        doc: 'The environment variable holding the password.',
      },
      name: {
        type: 'string',
        methods: ['cert'],
        doc: 'The certificate role to log in against (`auth/<mount>/certs/<name>`); without it Vault tries every role whose CA the client certificate (`clientCert`) chains to.',
      },
      namespace: {
        type: 'string',
        methods: ['token', 'approle', 'kubernetes', 'jwt', 'userpass', 'cert'],
        defaultText: '`namespace`',
        doc: 'Namespace the auth method is mounted in and the token lives in, when it differs from `namespace` (e.g. its parent); see [Namespaces](#namespaces).',
      },
    },
  },
  namespace: {
    type: 'string',
    defaultText: '`VAULT_NAMESPACE`',
    doc: 'Vault Enterprise namespace of the secrets, sent as `X-Vault-Namespace` (normalised: `/team-a` → `team-a/`); printable ASCII only, without whitespace, `?`, `#` or `%` (anything else fails at boot); see [Namespaces](#namespaces).',
  },
  secretsPath: {
    type: 'string',
    default: 'secret',
    doc: "Where the app's secrets live. Keys are relative to it. For KV v2 `secret/data/app` and `secret/app` mean the same (mount `secret`, path `app`).",
  },
  paths: {
    type: 'Record<string, string>',
    defaultText: 'none',
    doc: "More KV locations by name beside `secretsPath`: with `{ shared: 'secret/data/shared' }`, `fetchSecret('shared:kafka')` reads `secret/data/shared/kafka`. Names are letters, digits, `_` and `-`.",
  },
  secretsMount: {
    type: 'string',
    doc: "The KV mount when it contains `/` (e.g. `team/a/kv`) and `secretsPath` has no `data/` segment. Not needed with `kvVersion: 'auto'`.",
  },
  kvVersion: {
    type: "1 | 2 | 'auto'",
    default: 2,
    doc: "KV engine version of the secrets mount; `'auto'` asks Vault once per mount (`GET /v1/sys/internal/ui/mounts/:path`).",
  },
  verifySsl: {
    type: 'boolean',
    default: true,
    defaultText: '`true` (`false` when `VAULT_SKIP_VERIFY=true`)',
    doc: "Verify Vault's TLS certificate. Turn off for development only.",
  },
  caCert: {
    type: 'string',
    defaultText: '`VAULT_CACERT`',
    doc: "CA that signed Vault's certificate: a PEM file path or PEM text.",
  },
  caPath: {
    type: 'string',
    defaultText: '`VAULT_CAPATH`',
    doc: 'A directory of CA files (e.g. a root and an intermediate): every file must hold PEM certificates; all are trusted, together with `caCert`. See [TLS settings](#tls-settings).',
  },
  clientCert: {
    type: 'string',
    defaultText: '`VAULT_CLIENT_CERT`',
    doc: 'Client certificate presented to Vault (listeners that require one, the `cert` auth method): PEM text or a file path, optionally followed by its intermediates. Needs `clientKey`.',
  },
  clientKey: {
    type: 'string',
    defaultText: '`VAULT_CLIENT_KEY`',
    doc: 'Private key of `clientCert` (unencrypted PEM text or a file path). Never logged or inspectable.',
  },
  tlsServerName: {
    type: 'string',
    defaultText: '`VAULT_TLS_SERVER_NAME`',
    doc: "The name Vault's certificate is checked against (sent as SNI), e.g. when `address` is an IP and the certificate is for `vault.internal`.",
  },
  requestTimeoutMs: {
    type: 'number',
    integer: { min: 1, max: 600_000, maxText: '10 minutes' },
    default: 10_000,
    doc: 'Whole-request deadline of every Vault call (connection, answer and retries), in milliseconds; 1 to 600000.',
  },
  connectTimeoutMs: {
    type: 'number',
    integer: { min: 1, max: 600_000, maxText: '10 minutes' },
    default: 3_000,
    defaultText: '`3000` (`requestTimeoutMs` when shorter)',
    doc: 'Deadline of opening a connection to Vault (TCP and TLS handshake), in milliseconds; 1 to `requestTimeoutMs` (a longer value fails at boot: the request deadline includes the connection). Boot with Vault unreachable waits at most this long before serving fallbacks.',
  },
  maxConcurrentRequests: {
    type: 'number',
    integer: { min: 1, max: 1024 },
    default: 32,
    doc: 'Most requests in flight to Vault at once, shared by reads, logins, lease calls and the watcher; more wait in a queue, logins and renewals first. 1 to 1024.',
  },
  maxRetries: {
    type: 'number',
    integer: { min: 0, max: 10 },
    default: 2,
    doc: 'Retries of an idempotent call (GET, LIST) after a network error, timeout, 5xx, 429 or 412, with backoff; 0 turns retries off, at most 10.',
  },
  bulkConcurrency: {
    type: 'number',
    integer: { min: 1, max: 1024 },
    default: 32,
    doc: 'Reads `getAllSecrets()` runs at once; 1 to 1024.',
  },
  cache: {
    type: 'object',
    objectExample: '{ ttlMs: 300000 }',
    doc: 'In-memory cache of KV reads.',
    fields: {
      ttlMs: {
        type: 'number',
        integer: { min: 1, minHint: '; use fetchSecret(key, { refresh: true }) to bypass the cache' },
        default: 300_000,
        doc: 'How long a read is served from memory before Vault is asked again, in milliseconds (at least 1).',
      },
      maxEntries: {
        type: 'number',
        integer: { min: 1, max: 10_000_000 },
        default: 1000,
        doc: 'Most cached entries (least recently used evicted); 1 to 10000000.',
      },
    },
  },
  telemetry: {
    type: 'object',
    objectExample: '{ includeKeyNames: false }',
    doc: 'What the OpenTelemetry metrics and spans and the diagnostics channels may show: see [Observability](observability.md).',
    fields: {
      includeKeyNames: {
        type: 'boolean',
        default: false,
        doc: 'Put KV key names in metric attributes, span and channel paths and rotation messages (key names can be sensitive and add series).',
      },
    },
  },
  renewToken: {
    type: 'boolean',
    default: true,
    doc: 'Renew the token in the background and log in again before it expires.',
  },
  onTokenRenewalFailed: {
    type: '(error: SecretsError) => void | Promise<void>',
    doc: 'Called once when the token can be neither renewed nor replaced (after the error is logged and `secrets.token.renewal-failed` is emitted).',
  },
  engines: {
    type: 'SecretEngine[]',
    defaultText: '`[]`',
    doc: 'Your own secrets engines, read with `fetchFrom(name, path, options)`: see [Writing your own engine](#writing-your-own-engine).',
  },
  leases: {
    type: 'object',
    objectExample: '{ overlapMs: 30000 }',
    doc: 'How leased and expiring secrets (database, AWS, PKI) are kept alive.',
    fields: {
      overlapMs: {
        type: 'number',
        integer: { min: 0 },
        default: 30_000,
        doc: 'Fetch a replacement at least this long before the old lease or certificate expires, in milliseconds.',
      },
      handlerTimeoutMs: {
        type: 'number',
        integer: { min: 1, max: 600_000, maxText: '10 minutes' },
        default: 10_000,
        doc: 'Time rotation handlers get before the old lease is revoked anyway, in milliseconds; at most 600000.',
      },
      shutdownTimeoutMs: {
        type: 'number',
        integer: { min: 1, max: 120_000, maxText: '2 minutes' },
        default: 5_000,
        doc: 'Longest wait for lease revocations at shutdown, in milliseconds; at most 120000.',
      },
    },
  },
  watch: {
    type: 'object',
    objectExample: '{ intervalMs: 60000 }',
    doc: 'KV change detection: the metadata of the keys the app reads (and `watch.keys`) is polled.',
    fields: {
      enabled: {
        type: 'boolean',
        default: true,
        doc: 'Poll KV metadata for changes.',
      },
      keys: {
        type: 'string[]',
        default: [],
        doc: 'Keys to watch (relative to `secretsPath`) even before the app reads them; `failFast` checks them at boot.',
      },
      intervalMs: {
        type: 'number',
        integer: { min: 100, max: 86_400_000, maxText: 'one day' },
        default: 60_000,
        doc: 'Poll period in milliseconds (jittered down by up to 10%); 100 to 86400000.',
      },
      events: {
        type: 'boolean',
        default: false,
        doc: "Also subscribe to Vault's KV change events (`/v1/sys/events/subscribe/kv-v2/data-*`, Vault Enterprise 1.16+); polling stays on as the safety net.",
      },
    },
  },
  onRotate: {
    type: '(key, secret, event: SecretRotatedEvent) => void | Promise<void>',
    doc: 'Called for every rotation, like an `@OnSecretRotated` handler for every key.',
  },
  rotation: {
    type: 'Record<string, () => Record<string, unknown> | Promise<Record<string, unknown>>>',
    defaultText: '`{}`',
    doc: 'Value generators for `rotateSecret(key)` on KV keys; the new value is written with check-and-set on the current version (KV v2).',
  },
  fallbackEnv: {
    type: 'boolean | string',
    default: 'SECRETS_',
    defaultText: "`true` (prefix `'SECRETS_'`)",
    doc: 'Environment-variable fallback when Vault is unavailable: `SECRETS_<KEY>` (JSON) and `SECRETS_<KEY>__<field>`; a string sets another upper-case prefix, `false` turns it off.',
  },
  fallbackJson: {
    type: 'string | { path, keyEnv?, keyFile? }',
    doc: 'Local fallback file (plain or encrypted) served when Vault is unavailable: see [Fallbacks](#fallbacks-when-vault-is-unavailable).',
    fields: {
      path: {
        type: 'string',
        doc: 'Path of the JSON file (plain or encrypted envelope). Required in the object form.',
      },
      keyEnv: {
        type: 'string',
        doc: 'Name of the environment variable holding the decryption key (base64, 32 bytes) or passphrase.',
      },
      keyFile: {
        type: 'string',
        doc: 'Path of a file holding the decryption key or passphrase.',
      },
    },
  },
  fallbackKeys: {
    type: 'string[]',
    default: [],
    doc: 'Keys that may also be served from a fallback when Vault answers 403 or 404 for them (by default only outages fall back).',
  },
  maxStalenessMs: {
    type: 'number',
    integer: { min: 0 },
    default: 86_400_000,
    doc: 'How old a last good value may be and still be served when Vault is unavailable, in milliseconds (24 h); 0 turns it off.',
  },
  failFast: {
    type: 'boolean',
    default: false,
    doc: 'Fail the boot when Vault is unreachable and a key of `watch.keys` cannot be served from a fallback.',
  },
  name: {
    type: 'string',
    scope: 'module',
    defaultText: '– (the default Vault)',
    doc: 'Name of this Vault, to import the module once per Vault: inject with `@InjectSecretsService(name)`, events `<name>.secrets.*` (`SecretsModule.forRoot*` only).',
  },
  isGlobal: {
    type: 'boolean',
    default: false,
    scope: 'module',
    doc: 'Make `SecretsService` and `SECRETS_CONFIG` injectable in every module, not only where `SecretsModule` is imported (`forFeature` works either way; a named Vault always is global; `SecretsModule.forRoot*` only).',
  },
} as const satisfies Readonly<Record<string, OptionSpec>>;

/** The options `resolveVaultConfig` accepts (every schema entry but the module-only ones such as `isGlobal`). */
export type VaultConfigKey = ConfigKeysOf<typeof OPTIONS_SCHEMA>;

/** The defaults declared in {@link OPTIONS_SCHEMA}, nested like the options; deeply frozen. */
export const OPTION_DEFAULTS: DefaultsOf<typeof OPTIONS_SCHEMA> = defaultsOf(OPTIONS_SCHEMA);
