// Lint (flat config): ESLint's and typescript-eslint's recommended rules for every source, and the
// type-aware rules about promises, since a promise nobody awaits or catches here can mean an entry or an
// escalation silently lost. `npm test` runs it first, then the typecheck, the circular-import check and
// the tests.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'bench-results/**', 'drill-reports/**', 'test/artifacts/**', 'data/**', 'coverage/**'],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    languageOptions: {
      parserOptions: {
        // Each file is checked with its own tsconfig (console/ has the DOM's); the vitest configs with a default one.
        projectService: { allowDefaultProject: ['vitest.config.ts', 'vitest.faults.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // As tsc's noUnusedLocals: a leading underscore marks what is left unused on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Listener signatures take `...args: any[]` so that any function type fits them.
      '@typescript-eslint/no-explicit-any': ['error', { ignoreRestArgs: true }],
      // A `let` read by closures before its one assignment (wiring that refers to itself) cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
);
