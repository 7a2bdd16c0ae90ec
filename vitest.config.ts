import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The test server package by name resolves to its sources, so tests never run on a stale build of it. */
export const VAULT_TEST_SERVER_ALIAS = {
  find: /^@nestjs-vault-secrets\/vault-test-server$/,
  replacement: fileURLToPath(new URL('./packages/vault-test-server/src/index.ts', import.meta.url)),
};

/** Options of every project, and of the NestJS 11 e2e run (vitest.nest11.config.ts). */
export const SHARED_TEST_OPTIONS: { exclude: string[]; testTimeout: number; hookTimeout: number; pool: 'forks' } = {
  // The fixture apps run their own test runners (scripts/test-fixtures.sh).
  exclude: ['test/fixtures/**', '**/node_modules/**'],
  testTimeout: 20_000,
  hookTimeout: 20_000,
  pool: 'forks',
};

/**
 * Two projects, chosen by folder:
 * - `unit`: test/unit/** only. No server (no VaultTestServer, no raw HTTP server, no PostgreSQL), no
 *   network connection, no real sleep; test/support/no-network.ts fails a unit spec that listens or connects.
 *   `npm run test:unit`.
 * - `e2e`: every other spec of test/ (a real Nest app per scenario, the test server, PostgreSQL, fault
 *   and regression specs, packaging checks) and the test server's own specs (packages/*\/test).
 *   `npm run test:e2e`.
 * `npm test` runs both.
 */
export default defineConfig({
  oxc: {
    decorator: { legacy: true, emitDecoratorMetadata: true },
  },
  resolve: {
    alias: [VAULT_TEST_SERVER_ALIAS],
  },
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          ...SHARED_TEST_OPTIONS,
          name: 'unit',
          // One module graph per worker: the specs share lib/ instead of importing it once each.
          isolate: false,
          include: ['test/unit/**/*.spec.ts'],
          setupFiles: ['reflect-metadata', './test/support/no-network.ts'],
        },
      },
      {
        extends: true,
        test: {
          ...SHARED_TEST_OPTIONS,
          name: 'e2e',
          // The library's tests and those of the workspace packages (packages/*/test, also run by their own `npm test`).
          include: ['test/**/*.spec.ts', 'packages/*/test/**/*.spec.ts'],
          exclude: [...SHARED_TEST_OPTIONS.exclude, 'test/unit/**'],
          setupFiles: ['reflect-metadata'],
        },
      },
    ],
  },
});
