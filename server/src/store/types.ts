import type { Comment, CommentStatus, SortOrder } from 'colloquy/core';

/** A new comment as the API hands it to a store: already validated, normalized and given an id. */
export interface CommentRecordInput {
  id: string;
  threadId: string;
  /**
   * Labels the thread the first time it is seen (or while it has no title). Later comments never
   * change it: any commenter sends these, and feeds and mails show them.
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
  status?: 'approved' | 'pending' | 'spam';
  /** SHA-256 hex of the body as duplicate detection compares it (see `hasRecentDuplicate`). */
  bodyFingerprint?: string;
  /** A reply the site owner wrote from the dashboard: shown with an owner badge. @default false */
  isOwner?: boolean;
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
  /** The author ticked "Notify me of follow-up comments by email": subscribe them to the thread. */
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
  /** Changes the body; `status` also holds an edited comment (an edit never approves one). */
  updateBody(id: string, body: string, updatedAt: string, status?: 'pending' | 'spam'): Promise<Comment | null>;
  /** Whether a comment by this email (compared case-insensitively) is approved; '' never is. */
  hasApprovedComment(email: string): Promise<boolean>;
  /** Whether a comment of the thread, not deleted, created at or after `since`, has this body fingerprint. */
  hasRecentDuplicate(query: { threadId: string; bodyFingerprint: string; since: string }): Promise<boolean>;
  /** Stores `value` under `key` unless a value is there already; answers the stored one (first writer wins, across processes). */
  initSetting(key: string, value: string): Promise<string>;
  /** Removes the comment, or keeps it as a 'deleted' placeholder (empty body and author) when it has replies. */
  deleteComment(id: string): Promise<'removed' | 'placeholder' | 'not-found'>;
  /**
   * The newest approved comments, site-wide or of one thread, with their thread's title and page
   * address: what the Atom feeds show. Newest first by (createdAt, id). Public: never an email.
   */
  listRecentApproved(options: RecentApprovedOptions): Promise<RecentComment[]>;
  /**
   * OWNER-ONLY: comments of any status, newest first by (createdAt, id), with the author's email.
   * For the `colloquy moderate` CLI; no public route may call it.
   */
  listForModeration(options: ModerationListOptions): Promise<ModerationEntry[]>;
  /**
   * Moves each comment to `status`, one id at a time (each change is atomic; a batch is not one
   * transaction). `'deleted'` follows `deleteComment`'s rules. A deleted comment is gone for good:
   * any other status reports it as `not-found`. Outcomes come back in the order of `ids`.
   * With `notifyFollowersAt`, each comment that becomes approved queues a job telling the thread's
   * followers, due then, in the transaction of its change.
   */
  setStatus(ids: string[], status: SettableStatus, options?: { notifyFollowersAt?: string }): Promise<StatusChange[]>;
  /** OWNER-ONLY: how many comments have each status (deleted ones are placeholders kept for their replies). */
  countByStatus(): Promise<Record<ModerationStatus, number>>;
  /**
   * Takes up to `limit` outbox items (mails and notification jobs) due at `now`: each gets one more
   * attempt and is not due again before `leaseUntil`, so another process (or a crash) never loses
   * or doubles it. Safe across processes (a write transaction on SQLite, SKIP LOCKED on PostgreSQL).
   */
  claimOutbox(now: string, leaseUntil: string, limit: number): Promise<OutboxItem[]>;
  /** Removes a mail that is sent (or refused for good), or makes a failed item due again at `retryAt`. */
  finishOutbox(id: number, outcome: { done: true } | { retryAt: string; error: string }): Promise<void>;
  /**
   * Replaces a claimed job by the mails (JSON) it rendered, due at `at`, in one transaction; a
   * confirmation mail among them records its nonce and time on its subscription in the same one.
   */
  completeJob(id: number, result: { mails: string[]; at: string; confirmation?: { subscriptionId: string; nonce: string } }): Promise<void>;
  /**
   * Subscribes an email (compared lowercased) to a thread's new comments. A new subscription, or
   * one reopened after an unsubscribe, waits for its own confirmation (double opt-in per thread):
   * whoever posts with an address cannot sign its owner up for anything.
   */
  subscribe(input: { id: string; email: string; threadId: string; at: string; confirmationsSince: string }): Promise<Subscription>;
  /** Confirms a subscription, if `nonce` is its latest confirmation mail's and it is active. False otherwise. */
  confirmSubscription(id: string, nonce: string, at: string): Promise<boolean>;
  /** Ends a subscription. False if unknown. */
  unsubscribe(id: string, at: string): Promise<boolean>;
  /** OWNER-ONLY: the confirmed, active subscriptions of a thread, with emails. */
  listSubscribers(threadId: string): Promise<{ id: string; email: string }[]>;
  /** OWNER-ONLY: a comment (any status but deleted) with its author's email and its thread, for notification mails. */
  getForNotification(id: string): Promise<NotificationSubject | null>;
  /**
   * Which engine this is. The app keeps the write rate limit in memory on SQLite (one machine) and
   * in the database on PostgreSQL (several processes share it).
   */
  readonly engine: 'sqlite' | 'postgres';
  /** Stores a new dashboard session, and removes the expired ones (cleanup at each sign-in). */
  createAdminSession(session: AdminSession): Promise<void>;
  /** The session with this token hash, if it has not expired at `now`. */
  getAdminSession(tokenHash: string, now: string): Promise<AdminSession | null>;
  /** Ends one session (sign-out). False if there was none. */
  deleteAdminSession(tokenHash: string): Promise<boolean>;
  /** Ends every session (sign out everywhere); answers how many there were. */
  deleteAdminSessions(): Promise<number>;
  /**
   * Counts one hit on `key` in a fixed window: the first hit after a window has ended starts a new
   * one, `windowMs` long. One atomic statement, so processes sharing the database count together.
   */
  hitRateLimit(key: string, windowMs: number, now: string): Promise<RateLimitHit>;
  /** Removes the counters whose window ended before `now`; answers how many. */
  pruneRateLimits(now: string): Promise<number>;
  close(): Promise<void>;
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
  authorEmail: string;
  thread: { title: string | null; url: string | null };
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
  /** Confirmation mails queued to this address (any thread) since `confirmationsSince`. */
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
export type ModerationStatus = CommentStatus | 'spam';

/** What the site owner can set a comment to. */
export type SettableStatus = 'approved' | 'pending' | 'spam' | 'deleted';

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
  parentId: string | null;
  status: ModerationStatus;
  body: string;
  /** `avatarSeed`: the identicon readers see next to the comment. */
  author: { name: string; email: string; url: string | null; avatarSeed: string };
  createdAt: string;
  updatedAt: string | null;
  /** Written by the site owner from the dashboard. */
  isOwner?: true;
}

/**
 * One id's result: `changed` (from `previous`), `unchanged` (it already had that status),
 * `removed` / `placeholder` (deleted, as `deleteComment` answers), or `not-found`.
 */
export type StatusChange =
  { id: string; outcome: 'changed' | 'unchanged' | 'removed' | 'placeholder'; previous: ModerationStatus } | { id: string; outcome: 'not-found' };
