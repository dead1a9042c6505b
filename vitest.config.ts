import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/setup/tmpdir.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // QEMU and Z3 campaigns are CPU-bound; two workers match the 2-core machines.
    maxWorkers: 2,
  },
});
