import type { Comment, CommentPage, NewComment, SortOrder } from '../core/types';

export interface ListQuery {
  threadId: string;
  /** From the previous page's `nextCursor`; omit for the first page. */
  cursor?: string | null;
  /** Page size. */
  limit: number;
  sort: SortOrder;
}

/** What `createComment` answers: the stored comment (possibly `pending`). */
export interface CreatedComment {
  comment: Comment;
}

/** A reader signed in to the adapter's backend (never their email). */
export interface SignedInReader {
  id: string;
  name: string;
  /** The provider id: `sso` for the host site's own accounts. */
  provider: string;
  /** How they signed in, as readers see it: "GitHub". */
  verifiedBy: string;
  avatarSeed: string;
}

/** What the comment form gives an adapter's sign-in row. */
export interface SignInHost {
  /** The widget's language and direction, for the row's words. */
  locale: string;
  dir: 'ltr' | 'rtl';
  /** A token from the host site's own sign-in (`ssoToken`), when it gives one. */
  ssoToken?: string;
  /** Called with the reader once signed in, and null once signed out. */
  onChange(reader: SignedInReader | null): void;
}

/** A change another reader made, pushed to `subscribe` listeners. */
export type ThreadEvent = { type: 'created'; comment: Comment } | { type: 'updated'; comment: Comment } | { type: 'deleted'; id: string };

/**
 * Everything the widget needs from a backend. Every call takes an AbortSignal and rejects with a
 * `ColloquyError` (code, message, optional field) when it fails; the widget shows that message.
 */
export interface StorageAdapter {
  /** One page of a thread's visible comments. Replies come in the same pages as their parents' thread. */
  listComments(query: ListQuery, signal: AbortSignal): Promise<CommentPage>;
  /** Validates and stores a new comment. */
  createComment(input: NewComment, signal: AbortSignal): Promise<CreatedComment>;
  /** Changes the body of a comment this reader may edit. */
  updateComment(id: string, patch: { body: string }, signal: AbortSignal): Promise<Comment>;
  /** Removes a comment this reader may delete; one with replies stays as a placeholder. */
  deleteComment(id: string, signal: AbortSignal): Promise<void>;
  /** Visible comments per thread id, for "N responses" links on index pages. */
  countComments(threadIds: string[], signal: AbortSignal): Promise<Record<string, number>>;
  /** Whether this reader may edit or delete the comment now (e.g. holds an unexpired edit token); absent means never. */
  canEdit?(comment: Comment): boolean;
  /**
   * Optional sign-in for backends with readers' accounts: renders the sign-in row into `element`
   * (loading its code on first use) and returns the function that removes it.
   */
  signIn?(element: HTMLElement, host: SignInHost): () => void;
  /** Optional live updates; returns the function that stops them. */
  subscribe?(threadId: string, listener: (event: ThreadEvent) => void): () => void;
}
