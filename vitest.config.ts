import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/{unit,integration,e2e}/**/*.test.ts'],
    // Tensor tests are CPU-bound on a 2-core machine; more workers only thrash.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // Tests start from an empty library: the shipped tuners (assets/tuners) are off unless a test
    // points SCEDIT_TUNERS_DIR (or the shippedTunersDir option) at a folder itself.
    env: { SCEDIT_TUNERS_DIR: '' },
  },
});
