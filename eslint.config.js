// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', '.sample-dist/', '.tsc-out/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // The framework-free core (DESIGN.md "Layout"): no NestJS import.
    files: ['lib/core/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['@nestjs/*'], message: 'lib/core is framework-free' }] }] },
  },
  {
    files: ['lib/testing/cli.ts', 'bench/**', 'sample-app/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
);
