import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 30000,
    // The engine compares each partial re-parse with a full one and fails on any difference.
    env: { DOCKERFILE_MIGRATE_CHECK_REPARSE: '1' },
  },
});
