import { defineConfig } from 'vitest/config';

// Integration tests start real emulators (Azurite, Cosmos DB, Service Bus, Microsoft 365 sandbox) on
// free ports; on a 2-core machine two test files at a time keeps them from starving each other.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'onprem-agent/test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
