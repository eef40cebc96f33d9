import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default ts.config(
  {
    ignores: [
      'build/',
      '.svelte-kit/',
      'dist/',
      'node_modules/',
      'test-results/',
      'playwright-report/',
      'bench/out/'
    ]
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  prettier,
  ...svelte.configs.prettier,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } }
  },
  {
    files: ['**/*.ts', '**/*.svelte', '**/*.svelte.ts'],
    ignores: ['*.config.ts', 'eslint.config.js'],
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: [
            'bench/import-bench.ts',
            'bench/browser-bench.ts',
            'bench/generators.ts',
            'bench/schedule-bench.ts',
            'bench/engine-bench.ts',
            'bench/report-bench.ts',
            'bench/report-browser-bench.ts',
            'types/*.d.ts'
          ]
        },
        extraFileExtensions: ['.svelte'],
        parser: ts.parser,
        svelteConfig
      }
    },
    rules: {
      // Dexie and comlink are all promises: a forgotten await loses a technician's work.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  },
  {
    files: ['src/lib/core/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['svelte', 'svelte/*', 'dexie', 'comlink', '$app/*', '$lib', '$lib/*', 'node:*'],
              message:
                'src/lib/core is pure TypeScript shared by the worker, the CLI and tests (STYLE.md habit 1).'
            },
            {
              group: ['**/db/**', '**/workers/**', '**/state/**', '**/components/**', '**/routes/**'],
              message: 'core must not reach into the UI, database or worker layers.'
            }
          ]
        }
      ]
    }
  },
  {
    files: ['src/lib/components/**/*.svelte'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/db', '**/db/**', '$lib/db', '$lib/db/*', '**/workers/**', '$lib/workers/*'],
              message: 'components only present: props in, callbacks out (STYLE.md habit 8).'
            }
          ]
        }
      ]
    }
  }
);
