import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The test server package by name resolves to its sources, so tests never run on a stale build of it. */
export const VAULT_TEST_SERVER_ALIAS = {
  find: /^@nestjs-vault-secrets\/vault-test-server$/,
  replacement: fileURLToPath(new URL('./packages/vault-test-server/src/index.ts', import.meta.url)),
};

export default defineConfig({
  oxc: {
    decorator: { legacy: true, emitDecoratorMetadata: true },
  },
  resolve: {
    alias: [VAULT_TEST_SERVER_ALIAS],
  },
  test: {
    // The library's tests and those of the workspace packages (packages/*/test, also run by their own `npm test`).
    include: ['test/**/*.spec.ts', 'packages/*/test/**/*.spec.ts'],
    // The fixture apps run their own test runners (scripts/test-fixtures.sh).
    exclude: ['test/fixtures/**', '**/node_modules/**'],
    setupFiles: ['reflect-metadata'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
