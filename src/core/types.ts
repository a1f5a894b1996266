/**
 * Where a comment stands in moderation. Only `approved` is public. `pending` and `spam` are shown to
 * their author alone (a server tells the author which status their comment got); the widget shows
 * both the same way, as awaiting moderation, so a false positive does not read as an accusation.
 */
export type CommentStatus = (typeof COMMENT_STATUSES)[number];

/** Every status, once: the server's store checks, schemas and moderation read this list rather than repeat it. */
export const COMMENT_STATUSES = ['approved', 'pending', 'spam', 'deleted'] as const;

/** The order of top-level comments; replies are always oldest first, as on a classic blog. */
export type SortOrder = 'oldest' | 'newest';

/** A comment as readers see it. It never carries the author's email. */
export interface Comment {
  id: string;
  threadId: string;
  /** The comment this one replies to, or null for a top-level comment. */
  parentId: string | null;
  author: CommentAuthor;
  /** Markdown source; rendered through `parseMarkdown`, never as HTML. */
  body: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601, set when the author edited the comment. */
  updatedAt?: string;
  status: CommentStatus;
}

export interface CommentAuthor {
  name: string;
  /** The author's website (http or https only). */
  url?: string;
  /** Opaque value the identicon is drawn from (a hash, never the email itself). */
  avatarSeed: string;
  /** Set on replies the site owner wrote (shown with an "Owner" badge); absent otherwise. */
  isOwner?: true;
  /**
   * Set on comments by a signed-in reader: the way they signed in (e.g. 'GitHub'), shown as a mark
   * that the name is verified. A guest's comment never has it.
   */
  verifiedBy?: string;
  /** The signed-in author's account (an opaque id): their comments share it, so they can change them from any browser. */
  userId?: string;
}

/** What a reader submits through the form. */
export interface NewComment {
  threadId: string;
  /** The page title, so a store can label a thread it sees for the first time. */
  title?: string;
  /** The page address, for the same reason. */
  pageUrl?: string;
  parentId: string | null;
  body: string;
  author: {
    name: string;
    email: string;
    url?: string;
  };
  /**
   * The form's hidden honeypot field as the browser filled it in: a person leaves it empty, many bots
   * do not. Sent to servers that check it; adapters without spam checks ignore it.
   */
  honeypot?: string;
  /** "Notify me of follow-up comments by email": servers that send mail subscribe the author to the thread. Others ignore it. */
  notify?: boolean;
}

/** One page of a thread, in the requested order. */
export interface CommentPage {
  comments: Comment[];
  /** Pass back to get the next page; null on the last page. */
  nextCursor: string | null;
  /** Every visible comment in the thread, for the "N responses" heading. */
  total: number;
}

/** A minimal synchronous key/value store (localStorage-shaped) for drafts and saved details. */
export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}
