import { builtinAdapters } from './adapters/builtin';
import { registerAdapter } from './adapters/registry';

export { mount, type ColloquyHandle, type MountOptions } from './widget/mount';
export { Colloquy } from './widget/colloquy';
export { defineCustomElement } from './embed/custom-element';
export { createMemoryAdapter, type MemoryAdapterOptions } from './adapters/memory';
export { createLocalStorageAdapter, type LocalStorageAdapterOptions } from './adapters/local-storage';
export { createRestAdapter, type RestAdapterOptions } from './adapters/rest';
export type { StorageAdapter, ListQuery, CreatedComment, ThreadEvent } from './adapters/types';
export { ColloquyError, ColloquyConfigError, type ErrorCode, type CommentField } from './core/errors';
export type { Comment, CommentAuthor, CommentPage, CommentStatus, NewComment, SortOrder } from './core/types';
export type { ColloquyOptions, Theme } from './core/config';
export { registerLocale, type Messages } from './core/i18n';
export { ar } from './core/i18n/ar';
export { en } from './core/i18n/en';

// npm apps can name 'memory' and 'local' as the script tag does (which loads them as a pack instead).
for (const [name, factory] of Object.entries(builtinAdapters)) registerAdapter(name, factory);
