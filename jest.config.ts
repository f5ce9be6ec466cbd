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
      roots: ['<rootDir>/src'],
      testMatch: ['**/*.test.ts'],
      setupFiles: ['<rootDir>/src/test-support/unit-env.ts'],
      transform,
    },
  ],
};

export default config;
