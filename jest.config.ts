import type { Config } from 'jest';

// ts-jest only transpiles here; `npm run typecheck` type-checks the whole tree once.
const transform: Config['transform'] = {
  '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }],
};

const config: Config = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/src'],
      testMatch: ['**/*.test.ts'],
      transform,
    },
  ],
};

export default config;
