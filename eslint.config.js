// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The folders of lib/, lowest layer first. A folder imports only from folders of a LOWER layer
 * (never from its own layer's other folders, never upwards), type-only imports included; files in
 * one folder import each other freely. lib/index.ts and lib/manager.ts (the entries) sit above all.
 * The lint rule below is generated from this table, and test/unit/folder-direction.spec.ts checks
 * the same table over every relative import of lib/ (and that no folder cycle exists).
 */
export const LAYERS = [
  ['util'], //        generic helpers (redaction, deep freeze, logger shape, path checks)
  ['errors'], //      SecretsError and one class per kind
  ['timing', 'events'], // clock, scheduler, backoff, renewal timing | event payloads, names, bus
  ['contracts'], //   plugin contracts user code implements or passes: AuthMethod, SecretEngine, VaultRequester, TokenSource, onRotate
  ['options'], //     plain data: the schema, VaultConfig, the resolved type, env defaults
  ['telemetry'], //   OpenTelemetry meter/tracer (optional peer, loaded lazily) and diagnostics_channel channels
  ['transport'], //   HTTP client, TLS, retries, error mapping, the sys/health probe
  ['auth', 'engines', 'fallback'],
  ['core'], //        supervisor, read path, leases, rotation, SecretsManager, the wiring
  ['nest'], //        SecretsModule, SecretsService, decorators, explorer
  ['health', 'testing', 'cli'],
];

/** Folders that `nestjs-vault-secrets/manager` (or the CLI) loads: they never import @nestjs/*. */
const FRAMEWORK_FREE = [
  'util',
  'errors',
  'timing',
  'events',
  'contracts',
  'options',
  'telemetry',
  'transport',
  'auth',
  'engines',
  'fallback',
  'core',
  'cli',
];

const NO_NEST = {
  group: ['@nestjs/*'],
  message:
    'The framework-free core (nestjs-vault-secrets/manager) must not import NestJS: take a plain interface (e.g. SecretsLogger) and let lib/nest/ pass the Nest implementation.',
};

/**
 * One `no-restricted-imports` block per folder of {@link LAYERS} and per depth below it (a relative
 * specifier climbs one `../` per level to reach lib/): the folders of its layer and above are refused.
 */
function folderDirection() {
  const escape = (name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const blocks = LAYERS.flatMap((layer, rank) =>
    layer.flatMap((folder) => {
      const refused = LAYERS.slice(rank)
        .flat()
        .filter((other) => other !== folder);
      return [0, 1, 2, 3].map((depth) => ({
        files: [`lib/${folder}/${'*/'.repeat(depth)}*.ts`],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [
                ...(FRAMEWORK_FREE.includes(folder) ? [NO_NEST] : []),
                {
                  regex: `^(\\.\\./){${depth + 1}}(${refused.map(escape).join('|')})(/|$)`,
                  message: `lib/${folder}/ may import only from folders of a lower layer (LAYERS in eslint.config.js): ${LAYERS.slice(0, rank).flat().join(', ') || 'none'}.`,
                },
              ],
            },
          ],
        },
      }));
    }),
  );
  // The `nestjs-vault-secrets/manager` entry: no NestJS.
  blocks.push({ files: ['lib/manager.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [NO_NEST] }] } });
  return blocks;
}

export default tseslint.config(
  {
    ignores: [
      'dist/',
      '.sample-dist/',
      '.tsc-out/',
      'node_modules/',
      'coverage/',
      '.api-report-temp/',
      'packages/*/dist/',
      'packages/*/.tsc-out/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  ...folderDirection(),
  {
    // The Vault test server is a package of its own: it imports nothing from the library.
    files: ['packages/vault-test-server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(nestjs-vault-secrets(/.*)?|(\\.\\./)+(lib|test|sample-app|bench)(/.*)?)$',
              message: 'The Vault test server imports nothing from the library (nor its tests): it is a package of its own.',
            },
          ],
        },
      ],
    },
  },
  {
    // The fixture apps' CommonJS config files (jest.config.js).
    files: ['test/fixtures/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    files: ['packages/vault-test-server/src/cli.ts', 'packages/*/test/**', 'bench/**', 'sample-app/**', 'test/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
