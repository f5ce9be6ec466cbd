import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const workbenchImports = { group: ['**/workbench', '**/workbench/**'], message: 'src/ ships to AWS: it must not import the local workbench.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'cdk.out/**', '.local/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // What ships never reaches the local workbench: it depends on src, never the reverse. The
    // function bundles are checked too (scripts/bundle.mjs fails on any workbench/ input).
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [workbenchImports] }],
    },
  },
  {
    // The domain stays pure: no AWS SDK, no environment, no console (DESIGN.md §2).
    files: ['src/domain/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@aws-sdk/*', '**/adapters/*', '**/config/*'], message: 'The domain is pure: AWS and configuration stay in adapters and config.' },
            workbenchImports,
          ],
        },
      ],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/config reads process.env.' }],
      'no-restricted-globals': ['error', { name: 'Date', message: 'Use the Clock port.' }],
    },
  },
  {
    // The web app runs in browsers and reaches the system only through the HTTP API (typed from the
    // OpenAPI contract) and Cognito: no server code, no Node modules, no AWS SDK.
    files: ['web/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/src/**', '**/workbench', '**/workbench/**', '**/infra/**'], message: 'The web app talks to the API through web/src/api, never to server code.' },
            { group: ['node:*', '@aws-sdk/*'], message: 'The web app runs in browsers.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
