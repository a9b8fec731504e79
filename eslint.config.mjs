// Lint for the TypeScript sources: @eslint/js recommended + typescript-eslint strictTypeChecked,
// typed through the project service (tsconfig.json). Every deviation from strictTypeChecked is an
// option set to one of this code base's conventions, each justified where it is set.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.fusebox/**'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'docs/tools/**/*.ts', 'vitest.config.ts'],
    extends: [js.configs.recommended, tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: {
        // docs/tools is not in tsconfig.json (it is not built); its scripts are typed by the default project.
        projectService: { allowDefaultProject: ['docs/tools/*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Numbers (counts, ports, status codes, milliseconds) are interpolated into log lines, error
      // messages and URLs throughout; their string form is unambiguous. Other non-strings stay flagged.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `() => void x()` and `(r) => setTimeout(r, ms)` are the callback idiom (subscribe handlers,
      // promise executors, event listeners); a void expression in statement position stays flagged.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // With noUncheckedIndexedAccess every `xs[i]` is `T | undefined`; `xs[i]!` after a bounds check
      // (loop index, length test, a key just set in a Map) states an invariant the compiler cannot
      // see. A wrong `!` fails loudly in tests; replacing each by a throwing helper adds noise, not
      // safety.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `_`-prefixed names mark parameters kept for a signature (event handlers, machine actions).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Plain JavaScript (this file): recommended rules, no type information.
    files: ['**/*.mjs', '**/*.js'],
    extends: [js.configs.recommended, tseslint.configs.disableTypeChecked],
  },
);
