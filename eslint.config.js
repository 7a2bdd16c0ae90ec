// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    // The framework-free core: `nestjs-vault-secrets/manager` loads these, so they must never import
    // NestJS (type-only imports included: the published .d.ts would then need @nestjs/* installed).
    files: [
      'lib/core/**/*.ts',
      'lib/transport/**/*.ts',
      'lib/auth/**/*.ts',
      'lib/engines/**/*.ts',
      'lib/kv/**/*.ts',
      'lib/cache/**/*.ts',
      'lib/timing/**/*.ts',
      'lib/fallback/**/*.ts',
      'lib/events/**/*.ts',
      'lib/errors/**/*.ts',
      'lib/options/**/*.ts',
      'lib/util/**/*.ts',
      'lib/leases/**/*.ts',
      'lib/rotation/**/*.ts',
      'lib/cli/**/*.ts',
      'lib/manager.ts',
      'lib/secrets-manager.ts',
      'lib/secrets-core.ts',
      'lib/secrets.facade.ts',
      'lib/secrets-status.ts',
      'lib/secrets.constants.ts',
    ],
    ignores: ['lib/rotation/on-secret-rotated.decorator.ts', 'lib/rotation/rotation-handlers.explorer.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*'],
              message:
                'The framework-free core (nestjs-vault-secrets/manager) must not import NestJS: take a plain interface (e.g. SecretsLogger) and let lib/nest/ pass the Nest implementation.',
            },
          ],
        },
      ],
    },
  },
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
