// One lint config for both packages. Beyond the recommended rules it enforces the layers
// (docs/contributing.md): what each folder may import is written here, so a wrong import fails `npm test`.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** An import rule for a layer: each entry is a regular expression on the import specifier and why it is refused. */
const layer = (files, refused) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: refused.map(([regex, message]) => ({ regex, message })) }],
  },
});

const browserOnly = [
  ['^node:', 'browser code: no Node APIs'],
  ['^colloquy-server', 'the widget package never imports the server'],
  ['(^|/)server/', 'the widget package never imports the server'],
];

export default tseslint.config(
  { ignores: ['**/dist/', '**/node_modules/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // h and Fragment are used by the classic JSX transform (tsconfig's jsxFactory), which the rule cannot see.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^(_|h$|Fragment$)' }],
      // `x == null` (null or undefined) is the one loose comparison allowed.
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // Stripping and refusing control characters is deliberate (URLs, mail headers, terminal output).
      'no-control-regex': 'off',
    },
  },
  // Test helpers such as useDemo() set up hooks of the test runner, not of Preact.
  { files: ['test/e2e/**', 'server/test/**'], rules: { 'react-hooks/rules-of-hooks': 'off' } },
  // core: framework-free, runs in the browser and on the server.
  layer(
    ['src/core/**'],
    [
      ['^preact', 'core renders nothing: no Preact'],
      ['^node:', 'core runs in browsers: no Node APIs'],
      ['^colloquy', 'core imports nothing of ours outside core'],
    ],
  ),
  layer(['src/core/*.ts'], [['^\\.\\./', 'core imports nothing of ours outside core']]),
  layer(['src/core/*/**'], [['^\\.\\./\\.\\./', 'core imports nothing of ours outside core']]),
  // adapters: storage behind one interface; they know core and nothing of the UI.
  layer(['src/adapters/**'], [...browserOnly, ['^preact', 'adapters render nothing'], ['^\\.\\./(widget|embed|admin)(/|$)', 'adapters import only core']]),
  // widget: speaks to a StorageAdapter, never to the network or storage itself.
  layer(['src/widget/**'], [...browserOnly, ['^\\.\\./(embed|admin)(/|$)', 'the widget does not know how it is embedded']]),
  layer(['src/embed/**', 'src/admin/**', 'src/index.ts'], browserOnly),
  {
    files: ['src/widget/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'the widget speaks to a StorageAdapter' },
        { name: 'localStorage', message: 'the widget speaks to a StorageAdapter' },
        { name: 'sessionStorage', message: 'the widget speaks to a StorageAdapter' },
      ],
    },
  },
  // the server: core through the package, never the widget.
  layer(
    ['server/**'],
    [
      ['^preact', 'the server never imports the widget'],
      ['^colloquy$', 'the server imports only colloquy/core from the widget package'],
      ['(^|/)src/(widget|adapters|embed|core)(/|$)', 'the server reaches the widget package through colloquy/core only'],
      ['(^|/)src/admin/(client|dashboard|entry|comment-row|sign-in)', 'the dashboard UI belongs to the widget package'],
    ],
  ),
);
