import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The server and its CLI as ES modules for Node: dist/colloquy.js (the `colloquy` bin) and
// dist/index.js (the API for embedding the server), with every package left to node_modules.
export default defineConfig({
  // The widget package is a workspace link, which Vite would inline like our own source: it is a dependency.
  ssr: { external: ['colloquy'] },
  build: {
    ssr: true,
    target: 'node20',
    outDir: 'dist',
    emptyOutDir: true,
    reportCompressedSize: false,
    rolldownOptions: {
      input: { colloquy: 'src/cli/bin.ts', index: 'src/index.ts' },
      output: {
        entryFileNames: '[name].js',
        banner: (chunk) => (chunk.name === 'colloquy' ? '#!/usr/bin/env node' : ''),
      },
    },
  },
  test: {
    name: 'server',
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests read core from source, so a change to it needs no rebuild of the widget package.
    alias: { 'colloquy/core': fileURLToPath(new URL('../src/core/index.ts', import.meta.url)) },
  },
});
