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

/** Applies a change to the loaded thread; a new public comment also raises the heading's count. */
function applyEvent(s: CommentsState, event: ThreadEvent): CommentsState {
  if (event.type === 'deleted') {
    const gone = s.comments.find((c) => c.id === event.id);
    // With replies it stays as a placeholder, as the adapter keeps it, so the replies keep their place.
    const placeholder = gone && s.comments.some((c) => c.parentId === gone.id) && { ...gone, status: 'deleted' as const, body: '' };
    let comments = placeholder ? upsert(s.comments, placeholder) : s.comments.filter((c) => c !== gone);
    // A placeholder whose last reply went goes too, as the stores stop listing it.
    for (let parent = comments.find((c) => c.id === gone?.parentId); !placeholder && parent?.status === 'deleted';) {
      const emptied: Comment = parent;
      if (comments.some((c) => c.parentId === emptied.id)) break;
      comments = comments.filter((c) => c !== emptied);
      parent = comments.find((c) => c.id === emptied.parentId);
    }
    return {
      ...s,
      comments,
      total: s.total - (gone?.status === 'approved' ? 1 : 0),
    };
  }
  const isNew = !s.comments.some((c) => c.id === event.comment.id);
  return {
    ...s,
    comments: upsert(s.comments, event.comment),
    total: s.total + (isNew && event.type === 'created' && event.comment.status === 'approved' ? 1 : 0),
  };
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
  }, [fetchPage, attempt]);

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
