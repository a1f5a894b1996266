export { mount, type ColloquyHandle, type MountOptions } from './widget/mount';
export { Colloquy } from './widget/colloquy';
export { defineCustomElement } from './embed/custom-element';
export { createMemoryAdapter, type MemoryAdapterOptions } from './adapters/memory';
export { createLocalStorageAdapter, type LocalStorageAdapterOptions } from './adapters/local-storage';
export type { StorageAdapter, ListQuery, CreatedComment, ThreadEvent } from './adapters/types';
export { ColloquyError, ColloquyConfigError, type ErrorCode, type CommentField } from './core/errors';
export type { Comment, CommentAuthor, CommentPage, CommentStatus, NewComment, SortOrder } from './core/types';
export type { ColloquyOptions, Theme } from './core/config';
