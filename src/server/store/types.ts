import type { Comment, SortOrder } from '../../core/types';

/** A new comment as the API hands it to a store: already validated, normalized and given an id. */
export interface CommentRecordInput {
  id: string;
  threadId: string;
  /** Labels the thread the first time it is seen; later titles update it. */
  threadTitle?: string;
  pageUrl?: string;
  parentId: string | null;
  body: string;
  authorName: string;
  /** Stored for the site owner and notifications; never returned by any public read. */
  authorEmail: string;
  authorUrl?: string;
  avatarSeed: string;
  /** SHA-256 hex of the edit token; the token itself is never stored. */
  editTokenHash: string;
  /** ISO 8601, set by the server clock. */
  createdAt: string;
  /** The client's Idempotency-Key, unique across the store. */
  idempotencyKey?: string;
  /** SHA-256 hex of the request body, to tell a retry (same body) from a conflict (another body). */
  requestHash?: string;
}

export type CreateResult =
  | { kind: 'created'; comment: Comment }
  /** The key was seen before with the same request: the original comment, nothing new stored. */
  | { kind: 'replayed'; comment: Comment }
  /** The key was seen before with a different request. */
  | { kind: 'conflict' }
  /** parentId is not a comment of the same thread. */
  | { kind: 'parent-not-found' };

export interface ListOptions {
  threadId: string;
  limit: number;
  sort: SortOrder;
  /** Opaque, from a previous page's nextCursor. Stores reject one they cannot read with InvalidCursorError. */
  cursor?: string;
}

export interface ThreadSummary {
  id: string;
  title: string | null;
  /** Public (approved) comments. */
  count: number;
}

/** What a store keeps about a comment for its author's edit and delete. */
export interface EditableComment {
  comment: Comment;
  editTokenHash: string;
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

/**
 * Where the server keeps comments. SQLite and PostgreSQL implement it and pass the same contract
 * suite (test/integration/store-contract.test.ts). Reads return core `Comment`s: never an email.
 */
export interface CommentStore {
  /** Runs the engine's numbered migrations that have not run yet. Safe to call from several processes. */
  migrate(): Promise<void>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  /** Stores a comment atomically with its idempotency key (one comment per key, even under concurrency). */
  createComment(input: CommentRecordInput): Promise<CreateResult>;
  /**
   * One page of a thread: comments that are approved, plus deleted ones that still have replies
   * (as placeholders), ordered by (createdAt, id) ascending or descending. Keyset pagination on
   * (createdAt, id), so the last page of 100,000 costs what the first does.
   */
  listComments(options: ListOptions): Promise<{ comments: Comment[]; nextCursor: string | null }>;
  getThread(threadId: string): Promise<ThreadSummary | null>;
  /** Public comments per thread; unknown threads count 0. */
  countComments(threadIds: string[]): Promise<Record<string, number>>;
  getEditable(id: string): Promise<EditableComment | null>;
  updateBody(id: string, body: string, updatedAt: string): Promise<Comment | null>;
  /** Removes the comment, or keeps it as a 'deleted' placeholder (empty body and author) when it has replies. */
  deleteComment(id: string): Promise<'removed' | 'placeholder' | 'not-found'>;
  close(): Promise<void>;
}
