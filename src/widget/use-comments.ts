import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { isColloquyError } from '../core/errors';
import type { Comment, CommentPage, SortOrder } from '../core/types';
import type { StorageAdapter, ThreadEvent } from '../adapters/types';

export interface CommentsState {
  status: 'loading' | 'ready' | 'error';
  comments: Comment[];
  /** Public comments in the thread, for the heading. */
  total: number;
  nextCursor: string | null;
  loadingMore: boolean;
  error?: string;
}

interface ThreadQuery {
  adapter: StorageAdapter;
  threadId: string;
  sort: SortOrder;
  pageSize: number;
}

const initial: CommentsState = { status: 'loading', comments: [], total: 0, nextCursor: null, loadingMore: false };

/**
 * Adds comments, replacing those already there by id (a live update may echo our own post, a page
 * may repeat one). Linear, and the comments kept stay the same objects, so that their rendering can
 * be skipped.
 */
function merge(comments: Comment[], incoming: Comment[]): Comment[] {
  const byId = new Map(incoming.map((comment) => [comment.id, comment]));
  const merged = comments.map((comment) => {
    const replacement = byId.get(comment.id);
    byId.delete(comment.id);
    return replacement ?? comment;
  });
  return byId.size ? [...merged, ...byId.values()] : merged;
}

const approved = (comment: Comment | undefined) => (comment?.status === 'approved' ? 1 : 0);

/**
 * Applies a change to the loaded thread and keeps the count of public comments in step: a new one
 * raises it; a deleted one, or one an edit sent back to moderation, lowers it.
 */
function applyEvent(s: CommentsState, event: ThreadEvent): CommentsState {
  const old = s.comments.find((c) => c.id === (event.type === 'deleted' ? event.id : event.comment.id));
  // A deleted comment becomes a placeholder, as in the stores; the thread builder shows it only
  // while a reply is shown under it.
  const comment = event.type === 'deleted' ? old && { ...old, status: 'deleted' as const, body: '' } : event.comment;
  return comment ? { ...s, comments: merge(s.comments, [comment]), total: s.total + approved(comment) - approved(old) } : s;
}

const messageOf = (error: unknown) => (isColloquyError(error) ? error.message : 'Something went wrong.');

/**
 * Loads a thread page by page from the adapter, follows live updates when the adapter offers
 * them, and lets the form add what it posted. The page after the one shown is requested as soon as
 * that one arrives, so "Load more" shows it without waiting. Every request is aborted when the
 * thread changes.
 */
export function useComments({ adapter, threadId, sort, pageSize }: ThreadQuery) {
  const [state, setState] = useState<CommentsState>(initial);
  const [attempt, setAttempt] = useState(0);
  const controller = useRef<AbortController>(undefined);
  /** The next page, requested ahead of "Load more". */
  const ahead = useRef<{ cursor: string; page: Promise<CommentPage> }>(undefined);

  const request = useCallback(
    (cursor: string | null) => adapter.listComments({ threadId, cursor, limit: pageSize, sort }, controller.current!.signal),
    [adapter, threadId, sort, pageSize],
  );

  const show = useCallback(
    async (cursor: string | null, page: Promise<CommentPage>) => {
      const signal = controller.current!.signal;
      try {
        const { comments, total, nextCursor } = await page;
        if (signal.aborted) return;
        if (nextCursor) {
          const next = request(nextCursor);
          // A failure is reported when the reader asks for that page, not before.
          next.catch(() => {});
          ahead.current = { cursor: nextCursor, page: next };
        }
        setState((s) => ({ status: 'ready', comments: cursor ? merge(s.comments, comments) : comments, total, nextCursor, loadingMore: false }));
      } catch (error) {
        if (signal.aborted) return;
        setState((s) => (cursor ? { ...s, loadingMore: false, error: messageOf(error) } : { ...initial, status: 'error', error: messageOf(error) }));
      }
    },
    [request],
  );

  useEffect(() => {
    controller.current = new AbortController();
    ahead.current = undefined;
    setState(initial);
    void show(null, request(null));
    const unsubscribe = adapter.subscribe?.(threadId, (event) => setState((s) => applyEvent(s, event)));
    return () => {
      controller.current?.abort();
      unsubscribe?.();
    };
  }, [show, request, attempt, adapter, threadId]);

  const apply = useCallback((event: ThreadEvent) => setState((s) => applyEvent(s, event)), []);

  return {
    state,
    retry: () => setAttempt((n) => n + 1),
    loadMore() {
      const cursor = state.nextCursor;
      if (!cursor || state.loadingMore) return;
      const prefetched = ahead.current?.cursor === cursor && ahead.current.page;
      ahead.current = undefined;
      setState((s) => ({ ...s, loadingMore: true, error: undefined }));
      void show(cursor, prefetched || request(cursor));
    },
    /** Shows a change this reader just made (a live update may already have brought it). Stable. */
    apply,
  };
}
