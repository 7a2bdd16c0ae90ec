import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base, { SHARED_TEST_OPTIONS, VAULT_TEST_SERVER_ALIAS } from './vitest.config.js';

/**
 * The e2e suite on NestJS 11: every `@nestjs/*` import of lib/ and test/ resolves to the NestJS 11
 * packages installed in test/fixtures/nest11 (`npm ci` there first; scripts/test-fixtures.sh does).
 * Those packages require each other from their own node_modules, so one copy of each is loaded.
 * `test/e2e/nest-major.spec.ts` checks that the aliases took effect.
 */
const NEST11 = fileURLToPath(new URL('./test/fixtures/nest11/node_modules/@nestjs/', import.meta.url));

export default defineConfig({
  oxc: base.oxc,
  resolve: {
    alias: [VAULT_TEST_SERVER_ALIAS, { find: /^@nestjs\/([a-z-]+)(\/.*)?$/, replacement: `${NEST11}$1$2` }],
  },
  test: {
    ...SHARED_TEST_OPTIONS,
    setupFiles: ['reflect-metadata'],
    reporters: base.test?.reporters,
    include: ['test/e2e/**/*.spec.ts'],
    env: { EXPECT_NEST_MAJOR: '11' },
  },
});
