// Lint rules for the whole project: strict typed rules for TypeScript, no floating promises,
// and 'vscode' imported at runtime only under src/extension/ (and the host tests).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'tools/**',
      '.test-runs/**',
      'test/fixtures/workspaces/**',
      'test/fixtures/testgen/**',
      '**/*.mjs',
      '**/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
    },
  },
  {
    files: [
      'src/**/*.ts',
      'media/**/*.ts',
      'bench/**/*.ts',
      'test/unit/**/*.ts',
      'test/e2e/**/*.ts',
      'test/fixtures/**/*.ts',
    ],
    ignores: ['src/extension/**', 'bench/host/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'vscode',
              message: "Only src/extension/ (and test/host/) may import 'vscode' at runtime.",
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
