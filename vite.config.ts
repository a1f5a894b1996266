import { defineConfig } from 'vite';

// One IIFE per script-tag file (an IIFE build takes one entry): the widget, and each locale pack
// (`--mode ar`), the browser-only adapters (`--mode adapters`), the sign-in row that the REST adapter loads
// on first use (`--mode sign-in`) and the moderation dashboard (`--mode admin`).
// `--mode lib` writes the npm ES modules: `colloquy` and `colloquy/core` (what the server shares),
// leaving Preact and nanoid to the app's bundler.
const libraries = {
  production: { entry: 'src/embed/index.ts', formats: ['iife' as const], name: 'ColloquyEmbed', fileName: () => 'colloquy.js' },
  ar: { entry: 'src/embed/locale-ar.ts', formats: ['iife' as const], name: 'ColloquyArabic', fileName: () => 'colloquy-ar.js' },
  adapters: { entry: 'src/embed/adapter-pack.ts', formats: ['iife' as const], name: 'ColloquyLocal', fileName: () => 'colloquy-local.js' },
  'sign-in': { entry: 'src/embed/sign-in-pack.ts', formats: ['iife' as const], name: 'ColloquySignInPack', fileName: () => 'colloquy-sign-in.js' },
  admin: { entry: 'src/admin/entry.tsx', formats: ['iife' as const], name: 'ColloquyAdmin', fileName: () => 'colloquy-admin.js' },
  lib: { entry: { colloquy: 'src/index.ts', core: 'src/core/index.ts' }, formats: ['es' as const], fileName: (_format: string, name: string) => `${name}.mjs` },
};

export default defineConfig(({ mode }) => ({
  // Classic JSX (each .tsx imports h from preact, as tsconfig's jsxFactory says): h(type, props,
  // ...children) calls are shorter than the automatic runtime's jsx(type, { ...props, children }),
  // and preact/jsx-runtime is not bundled. Never `development`: classic h() would pass on its
  // __source and __self props as attributes in tests.
  oxc: { jsx: { runtime: 'classic', pragma: 'h', pragmaFrag: 'Fragment', development: false } },
  build: {
    target: 'es2022',
    // Browsers with light-dark() and color-scheme; older targets make lightningcss expand them.
    cssTarget: ['chrome123', 'firefox120', 'safari17.5'],
    emptyOutDir: false,
    reportCompressedSize: false,
    lib: libraries[mode as keyof typeof libraries] ?? libraries.production,
    rolldownOptions: mode === 'lib' ? { external: [/^preact/, 'nanoid'] } : {},
  },
  // One project per environment: core must pass without a DOM; the widget in happy-dom; e2e in real Chromium.
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/core/**/*.test.ts'], environment: 'node' } },
      { extends: true, test: { name: 'component', include: ['test/unit/{adapters,widget,embed,admin}/**/*.test.{ts,tsx}'], environment: 'happy-dom' } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], environment: 'node', testTimeout: 30_000, hookTimeout: 30_000 },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], environment: 'node', testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false },
      },
      // The server package's own tests, with its own config.
      'server',
    ],
  },
}));
