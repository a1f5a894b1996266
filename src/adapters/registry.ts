import type { Comment } from '../core/types';
import type { StorageAdapter } from './types';

/** Makes the adapter a name in the `adapter` option stands for. */
export type AdapterFactory = (options: { seed: Comment[] }) => StorageAdapter;

// Named adapters are registered rather than imported by the widget, so the script-tag bundle
// carries only the REST adapter and loads the browser-only ones as a pack when a page asks.
const factories: Record<string, AdapterFactory | undefined> = {};

export function registerAdapter(name: string, factory: AdapterFactory): void {
  factories[name] = factory;
}

export const adapterFactory = (name: string): AdapterFactory | undefined => factories[name];
