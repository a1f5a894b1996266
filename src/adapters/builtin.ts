import { createLocalStorageAdapter } from './local-storage';
import { createMemoryAdapter } from './memory';
import type { AdapterFactory } from './registry';

/** The browser-only adapters a page can name: 'memory' and 'local'. */
export const builtinAdapters: Record<'memory' | 'local', AdapterFactory> = {
  memory: createMemoryAdapter,
  local: createLocalStorageAdapter,
};
