import type { Config } from 'jest';

// ts-jest only transpiles here; `npm run typecheck` type-checks the whole tree once.
const transform: Config['transform'] = {
  '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
};

const config: Config = {
  reporters: ['default', '<rootDir>/scripts/jest-totals-reporter.cjs'],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/src', '<rootDir>/workbench', '<rootDir>/web'],
      testMatch: ['**/*.test.ts'],
      setupFiles: ['<rootDir>/src/test-support/sdk-env.ts'],
      transform,
    },
    {
      // Checks of the repository's own files (scripts/*.test.ts, e.g. that every copy of a pinned
      // version agrees): part of the unit run, kept apart from the application's project.
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/scripts'],
      testMatch: ['**/*.test.ts'],
      transform,
    },
    {
      // Testcontainers suites: real LocalStack, DynamoDB Local, cognito-local and the function
      // images, built once by the global setup. Run in band (npm run test:integration).
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/integration'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/integration/support/global-setup.ts',
      setupFiles: ['<rootDir>/integration/support/environment.ts'],
      setupFilesAfterEnv: ['<rootDir>/integration/support/timeouts.ts'],
      transform,
    },
  ],
};

export default config;
