import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules', '**/cdk.out', 'coverage', 'test-results', 'dist', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The example consumer app's own Jest tests.
    files: ['examples/*/test/**/*.js'],
    languageOptions: { globals: { test: 'readonly', expect: 'readonly', describe: 'readonly' } },
  },
  {
    // Scripts, benchmarks and the local server talk to a terminal.
    files: ['bench/**', 'scripts/**', 'lambda/local/**', 'bin/**', 'test/support/**'],
    rules: { 'no-console': 'off' },
  },
);
