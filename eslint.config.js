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

/** The engine has one XML reader (core/xml-read.ts); tests may read with another, as an independent reference. */
const productImports = {
  ...electronOnlyInShell,
  paths: [
    ...electronOnlyInShell.paths,
    { name: 'fast-xml-parser', message: 'Read XML with electron/engine/core/xml-read.ts, the one reader for SOAP, OVF and libvirt.' },
  ],
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
      'no-restricted-imports': ['error', productImports],
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
    rules: { 'no-restricted-imports': ['error', { ...productImports, paths: productImports.paths.filter((entry) => entry.name !== 'electron'), patterns: [] }] },
  },
  {
    // Tests compare our readings with an independent XML reader's.
    files: ['test/**', 'bench/**'],
    rules: { 'no-restricted-imports': ['error', electronOnlyInShell] },
  },
  {
    // The renderer reaches the engine only through the contract in shared/.
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...productImports,
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
          ...productImports,
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
