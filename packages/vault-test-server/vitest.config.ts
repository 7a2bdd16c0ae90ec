import { defineConfig } from 'vitest/config';

/** The server's own tests (`npm test` here); the root `npm test` runs them too. */
export default defineConfig({
  test: {
    include: ['test/**/*.spec.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
