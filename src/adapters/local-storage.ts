import type { Comment } from '../core/types';
import { createCollectionAdapter, type MemoryAdapterOptions } from './memory';
import type { StorageAdapter } from './types';
import { createWebStorage, readJson, writeJson } from './web-storage';

export interface LocalStorageAdapterOptions extends MemoryAdapterOptions {
  /** Prefix of the localStorage keys, one key per thread. @default 'colloquy:comments:' */
  keyPrefix?: string;
}

const isComment = (value: unknown): value is Comment => {
  const c = value as Comment;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.id === 'string' &&
    typeof c.threadId === 'string' &&
    typeof c.body === 'string' &&
    typeof c.createdAt === 'string' &&
    typeof c.author?.name === 'string'
  );
};
const isCommentList = (value: unknown): value is Comment[] => Array.isArray(value) && value.every(isComment);

/**
 * Keeps comments in this browser's localStorage: a comment section for a static site with one
 * author, or a demo that survives reloads. Stored JSON that is corrupt reads as an empty thread.
 */
export function createLocalStorageAdapter(options: LocalStorageAdapterOptions = {}): StorageAdapter {
  const store = createWebStorage();
  const prefix = options.keyPrefix ?? 'colloquy:comments:';
  const keyOf = (threadId: string) => prefix + threadId;
  return createCollectionAdapter(options, {
    load(threadId) {
      if (store.get(keyOf(threadId)) === null) return undefined;
      return readJson(store, keyOf(threadId), isCommentList) ?? [];
    },
    save: (threadId, comments) => writeJson(store, keyOf(threadId), comments),
    threadIds: () =>
      store
        .keys()
        .filter((key) => key.startsWith(prefix))
        .map((key) => key.slice(prefix.length)),
  });
}
