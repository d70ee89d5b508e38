// Lint rules that keep the architecture honest, plus typescript-eslint's type-aware checks.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const electronOnlyInShell = {
  paths: [
    {
      name: 'electron',
      message:
        'Only electron/main and electron/preload may import electron: the engine, CLI, helper, bridge, contract and renderer must load without it.',
    },
  ],
  patterns: [{ group: ['electron/*'], message: 'Only electron/main and electron/preload may import electron.' }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'test-results/**', 'bench/results/**', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      'no-restricted-imports': ['error', electronOnlyInShell],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/only-throw-error': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
    },
  },
  {
    // The Electron shell is the one place that talks to Electron.
    files: ['electron/main/**', 'electron/preload/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The renderer reaches the engine only through the contract in shared/.
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...electronOnlyInShell,
          patterns: [
            ...electronOnlyInShell.patterns,
            { group: ['**/electron/**', 'node:*'], message: 'The renderer talks to the engine through shared/ only.' },
          ],
        },
      ],
    },
  },
  {
    // The contract is shared by browser and Node code: nothing platform-specific in it.
    files: ['shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...electronOnlyInShell,
          patterns: [...electronOnlyInShell.patterns, { group: ['node:*', '**/electron/**', '**/renderer/**'], message: 'shared/ must stay platform-neutral.' }],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
