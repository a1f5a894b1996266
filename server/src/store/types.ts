import type { Comment, CommentStatus, SortOrder } from 'colloquy/core';

/** A new comment as the API hands it to a store: already validated, normalized and given an id. */
export interface CommentRecordInput {
  id: string;
  threadId: string;
  /**
   * The title the comment's page sent. It labels the thread once the comment is published (at once,
   * or when approved), if the thread has none yet; later comments never change it: any commenter
   * sends these, and feeds and mails show them. A held comment's title is used only if it is approved.
   */
  threadTitle?: string;
  /** The page's address, kept by the same rule as the title. */
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
  /** What moderation decided. @default 'approved' */
  status?: Exclude<CommentStatus, 'deleted'>;
  /** SHA-256 hex of the body as duplicate detection compares it (see `hasRecentDuplicate`). */
  bodyFingerprint?: string;
  /** A reply the site owner wrote from the dashboard: shown with an owner badge. @default false */
  isOwner?: boolean;
  /** A signed-in reader's comment: their user id, and how they signed in (the verified mark). Absent for a guest. */
  user?: { id: string; verifiedBy: string };
  /**
   * The notifier's work for this comment, queued in the outbox in the comment's own transaction
   * (so a stored comment never loses its mails); only when created, not on a replay. Absent when
   * notifications are off.
   */
  notification?: Omit<NotificationJob, 'commentId'>;
}

/**
 * What a stored change asks of the notifier. It is written to the outbox with the change and
 * expanded into mails by the worker, off the request path.
 */
export interface NotificationJob {
  commentId: string;
  /** Mail the site owner about the comment (a reader's new comment). */
  toOwner: boolean;
  /**
   * The author ticked "Notify me of follow-up comments by email": subscribe them to the thread (which
   * asks them to confirm). Only once the comment is public: the store queues a held comment's wish
   * with its approval.
   */
  subscribeAuthor: boolean;
  /**
   * Tell the thread's followers: the comment was public when this job was queued (published at
   * once, or just approved). Each comment becomes public once, so followers hear of it once.
   */
  toFollowers: boolean;
}

export type CreateResult =
  | { kind: 'created'; comment: Comment }
  /** The key was seen before with the same request: the original comment, nothing new stored. */
  | { kind: 'replayed'; comment: Comment }
  /** The key was seen before with a different request. */
  | { kind: 'conflict' }
  /** parentId is not a comment of the same thread. */
  | { kind: 'parent-not-found' }
  /** parentId is a deleted comment's placeholder, or a comment marked as spam: nothing readers may answer. */
  | { kind: 'parent-unavailable'; status: 'deleted' | 'spam' };

export interface ListOptions {
  threadId: string;
  limit: number;
  sort: SortOrder;
  /** Opaque, from a previous page's nextCursor. Stores reject one they cannot read with InvalidCursorError. */
  cursor?: string;
}

/** A thread as feeds and mails name it: what the owner sees and corrects. */
export interface ThreadInfo {
  id: string;
  title: string | null;
  /** The page's address. */
  url: string | null;
}

/** The owner's correction of a thread: each field given replaces the stored one (null clears it). */
export interface ThreadChanges {
  title?: string | null;
  url?: string | null;
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

/** An edit of a comment's body, as the store records it. */
export interface BodyChange {
  body: string;
  /** SHA-256 hex of the new body as duplicate detection compares it. */
  bodyFingerprint: string;
  updatedAt: string;
  /** Holds the edited comment (an edit never approves one); absent, the status stays. */
  status?: 'pending' | 'spam';
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

/** How long the database may take before a request gives up on it and answers 503. */
export interface DatabaseTimeouts {
  /**
   * How long one statement may take, waiting for locks included: PostgreSQL's `statement_timeout`;
   * on SQLite, how long a write waits for another process's lock (its busy timeout).
   * @default 5000
   */
  dbStatementTimeoutMs?: number;
  /** How long opening a PostgreSQL connection may take. @default 5000 */
  dbConnectTimeoutMs?: number;
}

/**
 * The database did not answer: it is down or unreachable, a statement ran out of time (waiting for a
 * lock included), or the store is closed. Worth trying again later; `cause` is the driver's error.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/**
 * A signed-in dashboard. The cookie carries a random token; the store keeps only its SHA-256, so
 * a copy of the database signs nobody in.
 */
export interface AdminSession {
  /** SHA-256 hex of the cookie's token. */
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
}

export interface RateLimitHit {
  /** Hits in the current window, this one included. */
  count: number;
  /** When the current window ends (ISO 8601). */
  resetAt: string;
}

export interface NotificationSubject {
  comment: Comment;
  /** The comment's revision: an approval link names the text it quotes. */
  revision: number;
  authorEmail: string;
  thread: { title: string | null; url: string | null };
  /** The title and address the comment's page sent, which its approval gives the thread where it has none. */
  page: { title: string | null; url: string | null };
}

export interface OutboxItem {
  id: number;
  /** A rendered mail (nodemailer's message fields) or a `NotificationJob`, as JSON. */
  kind: 'mail' | 'job';
  message: string;
  /** Including this one. */
  attempts: number;
}

export interface Subscription {
  id: string;
  /** Its owner confirmed it (and has not unsubscribed since). */
  confirmed: boolean;
  /** When its latest confirmation mail was queued, if ever. */
  confirmationSentAt: string | null;
  /** Confirmation mails queued to this address's mailbox (any thread, any `+tag`) since `confirmationsSince`. */
  recentConfirmations: number;
}

export interface RecentApprovedOptions {
  /** One thread's comments; all threads when absent. */
  threadId?: string;
  limit: number;
}

/** An approved comment and where it was posted. */
export interface RecentComment {
  comment: Comment;
  thread: { title: string | null; url: string | null };
}

/** Every status a stored comment can have (`'spam'` is kept in the store but is never public). */
export type ModerationStatus = CommentStatus;

/** What the site owner can set a comment to: any status (`'deleted'` follows the delete rules). */
export type SettableStatus = CommentStatus;

export interface ModerationListOptions {
  /** Only comments with this status; every status when absent. */
  status?: ModerationStatus;
  threadId?: string;
  /** Only comments whose body, author name or author email contains this text (case-insensitive). */
  q?: string;
  /** Only comments older than this position in the newest-first order (the previous page's last one). */
  before?: { createdAt: string; id: string };
  limit: number;
}

/**
 * A comment as the site owner sees it, email included. Deliberately not a `Comment`: no code that
 * serves readers should be able to pass one along by mistake.
 */
export interface ModerationEntry {
  id: string;
  threadId: string;
  threadTitle: string | null;
  /** The thread's page address. */
  threadUrl: string | null;
  /**
   * The title and address the comment's page sent with it: approving a held comment gives them to
   * its thread where the thread has none, so the owner sees what they approve.
   */
  pageTitle: string | null;
  pageUrl: string | null;
  parentId: string | null;
  status: ModerationStatus;
  body: string;
  /** `avatarSeed`: the identicon readers see next to the comment; `userId` and `verifiedBy` for a signed-in author. */
  author: { name: string; email: string; url: string | null; avatarSeed: string; userId?: string; verifiedBy?: string };
  createdAt: string;
  updatedAt: string | null;
  /** 1 when posted, one more at each edit: an approval names the revision the owner read. */
  revision: number;
  /** Written by the site owner from the dashboard. */
  isOwner?: true;
}

/**
 * One id's result: `changed` (from `previous`), `unchanged` (it already had that status),
 * `removed` / `placeholder` (deleted, as `deleteComment` answers), `stale` (left as it was: it was
 * edited since the revision the change named, and is now at `revision`), or `not-found`.
 */
export type StatusChange =
  | { id: string; outcome: 'changed' | 'unchanged' | 'removed' | 'placeholder'; previous: ModerationStatus }
  | { id: string; outcome: 'stale'; previous: ModerationStatus; revision: number }
  | { id: string; outcome: 'not-found' };

/** A reader who signed in: one per (provider, subject). Owner-only as a whole: `email` is never public. */
export interface User {
  id: string;
  /** The way they signed in: a provider id of the configuration (`github`, `oidc`, `sso`, `email`, …). */
  provider: string;
  /** Who they are at the provider (its `sub`, GitHub's numeric id, the host site's user id, the address). */
  subject: string;
  name: string;
  /** Their address as the provider vouched for it; '' when it gave none verified. */
  email: string;
  /** The picture the provider named; never fetched by readers' browsers. */
  avatarUrl: string | null;
  /** Set while the site owner blocks them: no session, no new comment. */
  blockedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What a provider says of a reader who just signed in. */
export interface Identity {
  provider: string;
  subject: string;
  name: string;
  /** Only an address the provider verified; '' otherwise. */
  email: string;
  avatarUrl?: string;
}

/** A reader's sign-in on one browser. The widget holds the token; the store keeps its SHA-256 only. */
export interface ReaderSession {
  tokenHash: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
}

export interface UserListOptions {
  /** Only users whose name, email or subject contains this text (case-insensitive). */
  q?: string;
  /** Only blocked (true) or not blocked (false) users. */
  blocked?: boolean;
  /** Only users older than this position in the newest-first order. */
  before?: { createdAt: string; id: string };
  limit: number;
}

/** Everything stored about a user (their "download my data"): the account and every comment, with its thread. */
export interface UserExport {
  user: User;
  comments: { comment: Comment; thread: { id: string; title: string | null; url: string | null } }[];
}

/** What happens to a deleted account's comments: removed (placeholders where replies hang on them), or kept as "Deleted user". */
export type DeletedUserComments = 'delete' | 'anonymise';

/** A sign-in link mailed to a reader: the store keeps a SHA-256 of its token, and whom and where it signs in. */
export interface EmailSignIn {
  tokenHash: string;
  email: string;
  /** The name the reader gave, which their account takes. */
  name: string;
  /** The page to go back to, signed in. */
  returnTo: string;
  createdAt: string;
  expiresAt: string;
}
