/**
 * What the server asks of its database, one small interface per concern, so each consumer names the
 * part it uses (the feed needs `CommentStore`, the notifier `OutboxStore` and `SubscriptionStore`).
 * One implementation of each (the rules, in this folder) runs over either engine (sqlite.ts,
 * postgres.ts); the contract suite (test/integration/store-*.test.ts) runs over both.
 */
import type { Comment } from 'colloquy/core';
import type { AdminSession, BodyChange, CommentRecordInput, CreateResult, EditableComment, ListOptions, ModerationEntry, ModerationListOptions } from './types';
import type { ModerationStatus, NotificationSubject, OutboxItem, RateLimitHit, RecentApprovedOptions, RecentComment } from './types';
import type { SettableStatus, StatusChange, Subscription, ThreadChanges, ThreadInfo, ThreadSummary } from './types';
import type { DeletedUserComments, EmailSignIn, Identity, ReaderSession, User, UserExport, UserListOptions } from './types';

/** Comments and their threads, as readers and authors reach them. Reads return core `Comment`s: never an email. */
export interface CommentStore {
  /**
   * Stores a comment with its thread and its notification job, atomically with its idempotency key:
   * one comment per key, even when two requests with the key race. A reply's parent must be of the
   * same thread, and neither a deleted comment's placeholder nor spam.
   */
  create(input: CommentRecordInput): Promise<CreateResult>;
  /**
   * One page of a thread: approved comments, plus deleted ones kept as placeholders while a reply
   * under them is visible, ordered by (createdAt, id). Keyset pagination on (createdAt, id), so the
   * last page of 100,000 costs what the first does.
   */
  list(options: ListOptions): Promise<{ comments: Comment[]; nextCursor: string | null }>;
  /** The thread's title and public count, for its page header; null for a thread never commented on. */
  getThread(threadId: string): Promise<ThreadSummary | null>;
  /** Public comments per thread in one query (listing pages show many counters); unknown threads count 0. */
  count(threadIds: string[]): Promise<Record<string, number>>;
  /** What an author's edit or delete checks their token against; deleted comments are not editable. */
  getEditable(id: string): Promise<EditableComment | null>;
  /** Changes the body and counts up its revision; `change.status` also holds the comment (an edit never approves one). */
  updateBody(id: string, change: BodyChange): Promise<Comment | null>;
  /**
   * The first-time policy: whether a comment by this email (compared case-insensitively) is approved;
   * '' never is. `except`: a comment that does not count (the one being edited vouches not for itself).
   */
  hasApprovedComment(email: string, except?: string): Promise<boolean>;
  /**
   * Duplicate detection: whether a comment of the thread, not deleted, created at or after `since`,
   * has this body fingerprint; `except` is not compared (an edited comment with itself).
   */
  hasRecentDuplicate(query: { threadId: string; bodyFingerprint: string; since: string; except?: string }): Promise<boolean>;
  /**
   * The author's delete: removes the comment, or keeps it as a 'deleted' placeholder (empty body and
   * author, email erased) when it has replies. A placeholder left without replies goes too, up the chain.
   */
  delete(id: string): Promise<'removed' | 'placeholder' | 'not-found'>;
  /**
   * The newest approved comments, site-wide or of one thread, with their thread's title and page
   * address: what the Atom feeds show. Newest first by (createdAt, id). Public: never an email.
   */
  listRecentApproved(options: RecentApprovedOptions): Promise<RecentComment[]>;
  /**
   * Once per database: replaces every stored avatar seed (placeholders' empty ones aside) by
   * `key(seed)`, in one transaction, and records that it did. Seeds were unkeyed hashes of emails
   * before; the app keys them with the site's secret at start. Answers how many comments it changed,
   * or null when it had run already (here or in another process).
   */
  keyAvatarSeeds(key: (seed: string) => string): Promise<number | null>;
}

/**
 * OWNER-ONLY: what the dashboard, the `colloquy moderate` CLI and owner mails read and do; its reads
 * carry emails. A public route may call it only to apply the owner's policy (an author's edit is
 * judged with the author's email, as a new comment is), and never returns what it reads.
 */
export interface ModerationStore {
  /** Comments of any status, newest first by (createdAt, id), with the author's email. */
  list(options: ModerationListOptions): Promise<ModerationEntry[]>;
  /**
   * Moves each comment to `status`, each id in a transaction of its own (a batch is not one
   * transaction, so one bad id does not hold the others' locks). `'deleted'` follows `CommentStore.delete`'s
   * rules. A deleted comment is gone for good: any other status reports it as `not-found`. Outcomes
   * come back in the order of `ids`. A comment that becomes approved gives its thread the title and
   * page address its page sent, where the thread has none. With `notifyFollowersAt`, it also queues a
   * job, due then, in the transaction of its change: the thread's followers hear of it, and its author
   * is subscribed if they asked to follow the thread when it was held. With `revisions`, a comment
   * listed there whose revision is another (it was edited since) is left as it is and reported
   * `stale`: an approval is of the text the owner read.
   */
  setStatus(ids: string[], status: SettableStatus, options?: { notifyFollowersAt?: string; revisions?: ReadonlyMap<string, number> }): Promise<StatusChange[]>;
  /** How many comments have each status (deleted ones are placeholders kept for their replies). */
  countByStatus(): Promise<Record<ModerationStatus, number>>;
  /** A thread's title and page address; null for a thread never commented on. */
  getThread(threadId: string): Promise<ThreadInfo | null>;
  /**
   * The owner's correction of a thread's title and page address (each one given replaces the stored
   * one; null clears it): the thread as it is now, or null for a thread never commented on. The
   * caller checks the values, as it checks any comment's.
   */
  updateThread(threadId: string, changes: ThreadChanges): Promise<ThreadInfo | null>;
  /**
   * A comment (any status but deleted) with its revision, its author's email and its thread: for
   * notification mails, the pages of their links, and judging an author's edit.
   */
  getForNotification(id: string): Promise<NotificationSubject | null>;
}

/** Values the server generates once and keeps (the form-token secret). */
export interface SettingsStore {
  /** Stores `value` under `key` unless a value is there already; answers the stored one (first writer wins, across processes). */
  init(key: string, value: string): Promise<string>;
}

/** The outbox: mails and notification jobs, written with the change that caused them and worked off the request path. */
export interface OutboxStore {
  /**
   * Takes up to `limit` items due at `now`: each gets one more attempt and is not due again before
   * `leaseUntil`, so another process (or a crash) never loses or doubles it.
   */
  claim(now: string, leaseUntil: string, limit: number): Promise<OutboxItem[]>;
  /**
   * Gives back items claimed with lease `leaseUntil` that were not worked on (their worker is
   * stopping): due again at `at`, the claim's attempt not counted. An item claimed again since (its
   * lease ran out) has another lease and is left to its new worker.
   */
  release(ids: number[], leaseUntil: string, at: string): Promise<void>;
  /** Removes a mail that is sent (or refused for good), or makes a failed item due again at `retryAt`. */
  finish(id: number, outcome: { done: true } | { retryAt: string; error: string }): Promise<void>;
  /**
   * Replaces a claimed job by the mails (JSON) it rendered, due at `at`, in one transaction; a
   * confirmation mail among them records its nonce and time on its subscription in the same one.
   */
  completeJob(id: number, result: { mails: string[]; at: string; confirmation?: { subscriptionId: string; nonce: string } }): Promise<void>;
}

/** Who follows a thread by email (double opt-in per thread). */
export interface SubscriptionStore {
  /**
   * Subscribes an email (compared lowercased) to a thread's new comments. A new subscription, or
   * one reopened after an unsubscribe, waits for its own confirmation: whoever posts with an address
   * cannot sign its owner up for anything.
   */
  subscribe(input: { id: string; email: string; threadId: string; at: string; confirmationsSince: string }): Promise<Subscription>;
  /** Confirms a subscription, if `nonce` is its latest confirmation mail's and it is active. False otherwise. */
  confirm(id: string, nonce: string, at: string): Promise<boolean>;
  /** Ends a subscription (the link in every mail). False if unknown. */
  unsubscribe(id: string, at: string): Promise<boolean>;
  /** OWNER-ONLY: the confirmed, active subscriptions of a thread, with emails. */
  listSubscribers(threadId: string): Promise<{ id: string; email: string }[]>;
}

/** Dashboard sign-ins, kept in the database so that signing out ends a session in every process. */
export interface SessionStore {
  /** Stores a new session, and removes the expired ones (cleanup at each sign-in, no timer). */
  create(session: AdminSession): Promise<void>;
  /** The session with this token hash, if it has not expired at `now`. */
  get(tokenHash: string, now: string): Promise<AdminSession | null>;
  /** Ends one session (sign-out). False if there was none. */
  delete(tokenHash: string): Promise<boolean>;
  /** Ends every session (sign out everywhere); answers how many there were. */
  deleteAll(): Promise<number>;
}

/** Readers who signed in. Owner-only but for `signIn` and `get`, whose answers routes must not pass on whole (the email). */
export interface UserStore {
  /**
   * The user of this (provider, subject), created on first sign-in (with `id`) and otherwise
   * brought up to date with what the provider says now (name, email, avatar). A blocked user is
   * returned as blocked: the caller refuses them.
   */
  signIn(identity: Identity, id: string, at: string): Promise<User>;
  get(id: string): Promise<User | null>;
  /** OWNER-ONLY: users, newest first by (createdAt, id). */
  list(options: UserListOptions): Promise<User[]>;
  /** Blocks (ending every session of theirs, in the same transaction) or unblocks a user; null if unknown. */
  setBlocked(id: string, blocked: boolean, at: string): Promise<User | null>;
  /** The first-time policy for signed-in readers: whether a comment of this user (other than `except`, the one being edited) is approved. */
  hasApprovedComment(userId: string, except?: string): Promise<boolean>;
  /** Everything stored about a user; null if unknown. */
  exportData(id: string): Promise<UserExport | null>;
  /**
   * Deletes a user and their sessions, and their comments as asked: removed under the delete rule,
   * or anonymised (name "Deleted user", no email, website, avatar or account). Nothing of the
   * user remains but anonymised comments. False if unknown.
   */
  delete(id: string, comments: DeletedUserComments): Promise<boolean>;
}

/** Readers' sessions: bearer tokens the widget keeps in the host page's storage. */
export interface ReaderSessionStore {
  /** Stores a new session, and removes the expired ones (cleanup at each sign-in, no timer). */
  create(session: ReaderSession): Promise<void>;
  /** The session with this token hash and its user, unless it has expired at `now`. */
  get(tokenHash: string, now: string): Promise<{ session: ReaderSession; user: User } | null>;
  /**
   * Replaces a session by `next` (a new token for the same user), leaving the old token valid until
   * `oldUntil` at most, for requests already on their way with it. False if the old one is gone.
   */
  rotate(tokenHash: string, next: ReaderSession, oldUntil: string): Promise<boolean>;
  /** Ends one session (Log Out). False if there was none. */
  delete(tokenHash: string): Promise<boolean>;
  /** Ends every session of a user; answers how many there were. */
  deleteForUser(userId: string): Promise<number>;
}

/** Sign-in links mailed to readers ("verified email"). */
export interface EmailSignInStore {
  /**
   * Stores a link and queues its mail (nodemailer's message fields, as JSON) in the outbox, in one
   * transaction: a stored link always has its mail. Expired links are removed meanwhile.
   */
  create(link: EmailSignIn, mail: string): Promise<void>;
  /** Uses a link once: its email, name and page if it exists and has not expired at `now` (and it is gone from then on); null otherwise. */
  consume(tokenHash: string, now: string): Promise<Pick<EmailSignIn, 'email' | 'name' | 'returnTo'> | null>;
}

/** Fixed-window counters shared by every process on the database (sign-in attempts; writes on PostgreSQL). */
export interface RateLimitStore {
  /**
   * Counts one hit on `key`: the first hit after a window has ended starts a new one, `windowMs`
   * long. One atomic statement, so processes sharing the database count together.
   */
  hit(key: string, windowMs: number, now: string): Promise<RateLimitHit>;
  /** Removes the counters whose window ended before `now`; answers how many. */
  prune(now: string): Promise<number>;
}

/**
 * Hears which thread changed, or `null` when any may have (another process wrote to the SQLite file,
 * or the PostgreSQL listener reconnected and may have missed some).
 */
export type ChangeListener = (threadId: string | null) => void;

/** A subscription to the change feed. */
export interface ChangeWatch {
  /**
   * Whether other processes' changes are heard now. While it is false (the PostgreSQL listener is
   * reconnecting) they may go unnoticed, so a cache must serve nothing it holds.
   */
  readonly live: boolean;
  /** Settles once the first attempt to listen has succeeded or failed. */
  readonly ready: Promise<void>;
  /** Catches up, synchronously and cheaply, with changes learnt by polling (SQLite's data_version): call before serving from a cache. */
  check(): void;
  stop(): Promise<void>;
}

/**
 * Which threads' public data (comments, title, count) changed: what a read cache must forget. Every
 * rule that writes comments or threads records its thread in its transaction (`Engine.changed`), so
 * a new write rule must too.
 */
export interface ChangeFeed {
  /**
   * Calls `listener` after each commit that changed a thread: at once for this process's commits,
   * and for other processes' through LISTEN/NOTIFY (PostgreSQL, a connection of its own that
   * reconnects) or the file's data_version (SQLite, read by `check()`).
   */
  watch(listener: ChangeListener): ChangeWatch;
}

/** Everything the app is handed: one object per concern, over one database. */
export interface Store {
  readonly comments: CommentStore;
  readonly moderation: ModerationStore;
  readonly settings: SettingsStore;
  readonly outbox: OutboxStore;
  readonly subscriptions: SubscriptionStore;
  readonly sessions: SessionStore;
  readonly rateLimits: RateLimitStore;
  readonly users: UserStore;
  readonly readerSessions: ReaderSessionStore;
  readonly emailSignIns: EmailSignInStore;
  /** Which threads changed, in this process and in others on the database (the read cache listens). */
  readonly changes: ChangeFeed;
  /**
   * Which engine this is. The app keeps the write rate limit in memory on SQLite (one machine) and
   * in the database on PostgreSQL (several processes share it).
   */
  readonly engine: 'sqlite' | 'postgres';
  /** Runs the engine's numbered migrations that have not run yet. Safe to call from several processes. */
  migrate(): Promise<void>;
  /** The health check: resolves when the database answers. */
  ping(): Promise<void>;
  /** Closes the connection or pool; calling it twice is harmless (shutdown paths overlap). */
  close(): Promise<void>;
}
