import { defineConfig } from 'vitest/config';

/**
 * Three projects by what a test starts. `unit`: pure code and in-memory fakes of the ports
 * (test/fakes/), nothing else running. `integration`: emulators (DynamoDB Local, the local
 * stack, DuckDB, esbuild bundling the functions). `e2e`: the CLI as a process, the reply page in
 * a browser, the CDNOW acceptance import.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: DynamoDB Local (Java) needs one of them while the tests run.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // Pure tests leave no state behind, so a worker reuses its loaded modules (aws-cdk-lib, the
        // SDK clients) from file to file instead of importing them again for each.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: ['test/support/dynamodb-local.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/dynamodb-local.ts'],
          // A ceiling, not a budget: the CLI runs and the browser are slow beside another run.
          testTimeout: 300_000,
        },
      },
    ],
  },
});
