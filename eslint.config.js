// ESLint flat config. Besides the recommended sets, it enforces the one-way import direction
// of docs/architecture: engine ← lang ← cli | bridge ← workers, and app uses bridge only.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** An import path that reaches into one of the given top-level folders (relative or not). */
const into = (...folders) => `(^|/)(${folders.join('|')})(/|$)`;

/** Globals that only exist with a DOM (or in a worker); the engine must run in plain Node. */
const domGlobals = [
  'window',
  'document',
  'navigator',
  'self',
  'location',
  'localStorage',
  'sessionStorage',
  'requestAnimationFrame',
  'cancelAnimationFrame',
  'HTMLElement',
  'Element',
  'Node',
  'Worker',
  'postMessage',
  'addEventListener',
  'fetch',
].map((name) => ({ name, message: 'src/engine is pure: no DOM or worker globals.' }));

const uiPackages = {
  regex: '^(react|react-dom|comlink|zustand|@xterm/.*|d3-.*|d3)(/.*)?$',
  message: 'UI and worker packages stay out of the engine, the language and the CLI.',
};

export default defineConfig([
  {
    ignores: [
      'dist/',
      'node_modules/',
      'test-results/',
      'playwright-report/',
      'blob-report/',
      'public/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  // Where each piece runs.
  {
    files: ['src/app/**', 'src/bridge/**'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['workers/**'],
    languageOptions: { globals: globals.worker },
  },
  {
    files: ['src/cli/**', 'bin/**', 'bench/**', 'scripts/**', 'e2e/**', '*.config.{js,ts,mjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['src/app/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
  },
  // Import direction, one block per folder.
  {
    files: ['src/engine/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: into('lang', 'cli', 'bridge', 'app', 'workers'),
              message: 'src/engine imports nothing above it (lang, cli, bridge, app, workers).',
            },
            uiPackages,
          ],
        },
      ],
      'no-restricted-globals': ['error', ...domGlobals],
    },
  },
  {
    files: ['src/lang/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: into('cli', 'bridge', 'app', 'workers'),
              message: 'src/lang may import src/engine only.',
            },
            uiPackages,
          ],
        },
      ],
    },
  },
  {
    files: ['src/cli/**', 'bin/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: into('bridge', 'app', 'workers'),
              message: 'The CLI runs over engine and lang only.',
            },
            uiPackages,
          ],
        },
      ],
    },
  },
  {
    files: ['src/bridge/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: into('app', 'cli', 'workers'),
              message: 'src/bridge is below the app and the worker: it imports neither.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/app/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: into('engine', 'lang', 'cli', 'workers'),
              message: 'src/app talks to the simulation through src/bridge only.',
            },
          ],
        },
      ],
    },
  },
]);
