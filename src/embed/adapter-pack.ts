import { builtinAdapters } from '../adapters/builtin';
import type { AdapterFactory } from '../adapters/registry';

declare global {
  interface Window {
    /** Adapter packs leave their factories here for colloquy.js to find. */
    ColloquyAdapters?: Record<string, AdapterFactory>;
  }
}

// `dist/colloquy-local.js`: the 'memory' and 'local' adapters, kept out of colloquy.js, which
// loads this file by itself from beside its own address when a page names one of them.
Object.assign((window.ColloquyAdapters ??= {}), builtinAdapters);
