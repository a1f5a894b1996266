import { nanoid } from 'nanoid';
import { avatarSeed } from '../core/avatar';
import { ColloquyError } from '../core/errors';
import { buildThread } from '../core/thread';
import type { Comment } from '../core/types';
import { normalizeNewComment, validateBody, validateNewComment, type FieldProblem } from '../core/validation';
import type { StorageAdapter, ThreadEvent } from './types';

export interface MemoryAdapterOptions {
  /** Comments present from the start, e.g. a post's existing responses. @default [] */
  seed?: Comment[];
  /** 'all' stores new comments as pending, to try out moderation. @default 'none' */
  moderation?: 'none' | 'all';
}

/** Where a collection adapter keeps a thread's comments between calls. */
export interface ThreadPersistence {
  load(threadId: string): Comment[] | undefined;
  save(threadId: string, comments: Comment[]): void;
  /** Threads stored earlier, so a comment can be found by id before its thread was opened. */
  threadIds?(): string[];
}

// Callers get copies: what they change must not change what is stored, nor the other way round.
const copy = (comment: Comment): Comment => ({ ...comment, author: { ...comment.author } });
const isPublic = (comment: Comment) => comment.status === 'approved';

/** Rejects what the server would reject, with the field the form shows the message at. */
function rejectInvalid([problem]: (FieldProblem | undefined)[]) {
  if (problem) throw new ColloquyError('invalid', `The ${problem.field} is not valid (${problem.problem}).`, problem.field);
}

function aborted(signal: AbortSignal) {
  if (signal.aborted) throw new ColloquyError('aborted', 'The request was cancelled.');
}

/**
 * One implementation behind the memory and browser-local adapters: comments live in arrays per
 * thread; `persistence` decides whether they outlive the page.
 */
export function createCollectionAdapter(options: MemoryAdapterOptions, persistence?: ThreadPersistence): StorageAdapter {
  const threads = new Map<string, Comment[]>();
  const listeners = new Set<(threadId: string, event: ThreadEvent) => void>();

  const commentsOf = (threadId: string) => {
    let comments = threads.get(threadId);
    if (!comments) {
      comments = persistence?.load(threadId) ?? options.seed?.filter((c) => c.threadId === threadId).map(copy) ?? [];
      threads.set(threadId, comments);
    }
    return comments;
  };
  const save = (threadId: string) => persistence?.save(threadId, commentsOf(threadId));
  const emit = (threadId: string, event: ThreadEvent) => listeners.forEach((listener) => listener(threadId, event));
  const find = (id: string) => {
    for (const threadId of [...(options.seed ?? []).map((c) => c.threadId), ...(persistence?.threadIds?.() ?? [])]) commentsOf(threadId);
    for (const comments of threads.values()) {
      const comment = comments.find((c) => c.id === id);
      if (comment) return { comment, comments };
    }
    throw new ColloquyError('not-found', 'That comment no longer exists.');
  };

  return {
    async listComments({ threadId, cursor, limit, sort }, signal) {
      aborted(signal);
      const comments = commentsOf(threadId);
      // The thread builder, flat: every comment the widget would show (no placeholder without a
      // reply to show under it), oldest or newest first.
      const visible = buildThread(comments, { maxDepth: 1, sort }).map((node) => node.comment);
      const start = cursor ? Number(cursor) : 0;
      if (!Number.isInteger(start) || start < 0) throw new ColloquyError('invalid', 'The page cursor is not valid.');
      const end = start + limit;
      return {
        comments: visible.slice(start, end).map(copy),
        nextCursor: end < visible.length ? String(end) : null,
        total: comments.filter(isPublic).length,
      };
    },

    async createComment(input, signal) {
      aborted(signal);
      const value = normalizeNewComment(input);
      rejectInvalid(validateNewComment(value));
      const comments = commentsOf(value.threadId);
      if (value.parentId && !comments.some((c) => c.id === value.parentId)) {
        throw new ColloquyError('invalid', 'The comment you reply to is not in this thread.', 'parentId');
      }
      const comment: Comment = {
        id: nanoid(),
        threadId: value.threadId,
        parentId: value.parentId,
        author: { name: value.author.name, avatarSeed: avatarSeed(value.author.email, value.author.name), ...(value.author.url && { url: value.author.url }) },
        body: value.body,
        createdAt: new Date().toISOString(),
        status: options.moderation === 'all' ? 'pending' : 'approved',
      };
      comments.push(comment);
      save(value.threadId);
      emit(value.threadId, { type: 'created', comment: copy(comment) });
      return { comment: copy(comment) };
    },

    async updateComment(id, { body }, signal) {
      aborted(signal);
      const { comment } = find(id);
      // Only the body changes; the stored author already passed validation.
      rejectInvalid([validateBody(body)]);
      Object.assign(comment, { body, updatedAt: new Date().toISOString() });
      save(comment.threadId);
      emit(comment.threadId, { type: 'updated', comment: copy(comment) });
      return copy(comment);
    },

    async deleteComment(id, signal) {
      aborted(signal);
      const { comment, comments } = find(id);
      // A deleted comment with replies stays as a placeholder so the thread keeps its shape.
      if (comments.some((c) => c.parentId === id)) Object.assign(comment, { status: 'deleted', body: '' });
      else comments.splice(comments.indexOf(comment), 1);
      save(comment.threadId);
      emit(comment.threadId, { type: 'deleted', id });
    },

    async countComments(threadIds, signal) {
      aborted(signal);
      return Object.fromEntries(threadIds.map((id) => [id, commentsOf(id).filter(isPublic).length]));
    },

    subscribe(threadId, listener) {
      const forThread = (id: string, event: ThreadEvent) => id === threadId && listener(event);
      listeners.add(forThread);
      return () => listeners.delete(forThread);
    },
  };
}

/** Keeps comments in memory: for tests, demos and previews. Everything is gone on reload. */
export const createMemoryAdapter = (options: MemoryAdapterOptions = {}): StorageAdapter => createCollectionAdapter(options);
