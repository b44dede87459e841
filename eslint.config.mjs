// Lint rules that catch bugs; formatting is prettier's job (eslint-config-prettier turns the overlap off).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'test-results/**', 'node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      // Unused parameters are part of implemented interfaces; a leading underscore marks them.
      // Refusing control characters in names, headers and file names is deliberate.
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts', 'bench/**/*.ts'],
    rules: {
      // Tests poke at untyped JSON bodies on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
      // Some suites must install spies before a module loads, which only require() can order.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['src/sandbox/platforms/**/*.ts'],
    rules: {
      // The simulated platforms keep request bodies as the app sent them; the outbox and the tests read fields out of that JSON.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
