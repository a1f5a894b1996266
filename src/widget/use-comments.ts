import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { isColloquyError } from '../core/errors';
import type { Comment, SortOrder } from '../core/types';
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

/** Adds or replaces a comment by id, keeping the list free of duplicates (a live update may echo our own post). */
function upsert(comments: Comment[], comment: Comment): Comment[] {
  const index = comments.findIndex((c) => c.id === comment.id);
  return index < 0 ? [...comments, comment] : comments.map((c, i) => (i === index ? comment : c));
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
  return comment ? { ...s, comments: upsert(s.comments, comment), total: s.total + approved(comment) - approved(old) } : s;
}

const messageOf = (error: unknown) => (isColloquyError(error) ? error.message : 'Something went wrong.');

/**
 * Loads a thread page by page from the adapter, follows live updates when the adapter offers
 * them, and lets the form add what it posted. Every request is aborted when the thread changes.
 */
export function useComments({ adapter, threadId, sort, pageSize }: ThreadQuery) {
  const [state, setState] = useState<CommentsState>(initial);
  const [attempt, setAttempt] = useState(0);
  const controller = useRef<AbortController>(undefined);

  const fetchPage = useCallback(
    async (cursor: string | null) => {
      const signal = controller.current!.signal;
      try {
        const page = await adapter.listComments({ threadId, cursor, limit: pageSize, sort }, signal);
        if (signal.aborted) return;
        setState((s) => ({
          status: 'ready',
          comments: cursor ? page.comments.reduce(upsert, s.comments) : page.comments,
          total: page.total,
          nextCursor: page.nextCursor,
          loadingMore: false,
        }));
      } catch (error) {
        if (signal.aborted) return;
        setState((s) => (cursor ? { ...s, loadingMore: false, error: messageOf(error) } : { ...initial, status: 'error', error: messageOf(error) }));
      }
    },
    [adapter, threadId, sort, pageSize],
  );

  useEffect(() => {
    controller.current = new AbortController();
    setState(initial);
    void fetchPage(null);
    const unsubscribe = adapter.subscribe?.(threadId, (event) => setState((s) => applyEvent(s, event)));
    return () => {
      controller.current?.abort();
      unsubscribe?.();
    };
  }, [fetchPage, attempt, adapter, threadId]);

  return {
    state,
    retry: () => setAttempt((n) => n + 1),
    loadMore() {
      if (!state.nextCursor || state.loadingMore) return;
      setState((s) => ({ ...s, loadingMore: true, error: undefined }));
      void fetchPage(state.nextCursor);
    },
    /** Shows a change this reader just made (a live update may already have brought it). */
    apply: (event: ThreadEvent) => setState((s) => applyEvent(s, event)),
  };
}
