import { defineConfig } from 'vite';

/**
 * `vite build` makes the script-tag bundle (one IIFE, CSS inlined, Preact included);
 * `vite build --mode lib` makes the npm ES module (Preact and nanoid left to the app's bundler).
 */
export default defineConfig(({ mode }) => ({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    target: 'es2022',
    // Browsers with light-dark() and color-scheme; older targets make lightningcss expand them.
    cssTarget: ['chrome123', 'firefox120', 'safari17.5'],
    emptyOutDir: false,
    reportCompressedSize: false,
    lib:
      mode === 'lib'
        ? { entry: 'src/index.ts', formats: ['es'], fileName: () => 'colloquy.mjs' }
        : { entry: 'src/embed/index.ts', formats: ['iife'], name: 'ColloquyEmbed', fileName: () => 'colloquy.js' },
    rolldownOptions: mode === 'lib' ? { external: [/^preact/, 'nanoid'] } : {},
  },
  // One project per environment: core must pass without a DOM; the widget in happy-dom; e2e in real Chromium.
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/core/**/*.test.ts'], environment: 'node' } },
      { extends: true, test: { name: 'component', include: ['test/unit/{adapters,widget,embed}/**/*.test.{ts,tsx}'], environment: 'happy-dom' } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], environment: 'node', testTimeout: 30_000, hookTimeout: 30_000 } },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], environment: 'node', testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false },
      },
    ],
  },
}));
