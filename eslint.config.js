// Lint: TypeScript's recommended rules, promises that nobody awaits, and the workflow sandbox's
// rules — workflows are deterministic, so they import no Node built-ins and no activity code.
import { builtinModules } from 'node:module';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'generated/', 'dist/', 'ui/', '.data/', 'test-results/', 'playwright-report/'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }],
      }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: builtinModules.flatMap((name) => [name, `node:${name}`]).map((name) => ({
          name,
          message: 'Workflows run in a deterministic sandbox: do I/O in an activity.',
        })),
        patterns: [{
          group: ['../activities/*', '../../activities/*', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '**/prisma/client*'],
          message: 'Workflows import activity types only (import type), never their implementation or the SDK\'s server side.',
          allowTypeImports: true,
        }],
      }],
    },
  },
);
