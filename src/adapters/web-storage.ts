import type { KeyValueStore } from '../core/types';

/**
 * Wraps localStorage so that a browser that refuses storage (private mode, full quota, blocked
 * cookies) degrades to "nothing remembered" instead of throwing into the host page.
 */
export function createWebStorage(getStorage: () => Storage | undefined = () => globalThis.localStorage): KeyValueStore & { keys(): string[] } {
  const attempt = <T>(action: (storage: Storage) => T, fallback: T): T => {
    try {
      const storage = getStorage();
      return storage ? action(storage) : fallback;
    } catch {
      return fallback;
    }
  };
  return {
    get: (key) => attempt((s) => s.getItem(key), null),
    set: (key, value) => attempt((s) => s.setItem(key, value), undefined),
    remove: (key) => attempt((s) => s.removeItem(key), undefined),
    keys: () => attempt((s) => Object.keys(s), []),
  };
}

/** Reads JSON written by `writeJson`; anything missing or corrupt reads as undefined. */
export function readJson<T>(store: KeyValueStore, key: string, isValid: (value: unknown) => value is T): T | undefined {
  try {
    const value: unknown = JSON.parse(store.get(key) ?? 'null');
    return isValid(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export const writeJson = (store: KeyValueStore, key: string, value: unknown) => store.set(key, JSON.stringify(value));
