/** Rows to records and back, and the checks every entry point makes: the same for both engines. */
import { COMMENT_STATUSES, type Comment, type CommentStatus } from 'colloquy/core';
import { encodeCursor, toIsoMillis } from './cursor';
import type { CommentRecordInput, CreateResult, ModerationEntry, ModerationStatus, NotificationJob, RecentComment } from './types';

/**
 * The public columns of a comment, as both engines select them. There is deliberately no
 * `author_email` here: no read query selects it, so no returned object can carry it.
 */
export interface CommentRow {
  id: string;
  thread_id: string;
  parent_id: string | null;
  body: string;
  author_name: string;
  author_url: string | null;
  avatar_seed: string;
  status: string;
  created_at: string;
  updated_at: string | null;
  /** 1 for a reply the site owner wrote from the dashboard. */
  is_owner: number;
  user_id: string | null;
  verified_by: string | null;
}

/** The columns a CommentRow has: what every public read selects (never `author_email`). */
export const COMMENT_COLUMNS = [
  'id',
  'thread_id',
  'parent_id',
  'body',
  'author_name',
  'author_url',
  'avatar_seed',
  'status',
  'created_at',
  'updated_at',
  'is_owner',
  'user_id',
  'verified_by',
] as const;

export function toComment(row: CommentRow): Comment {
  // A deleted comment is only ever a placeholder, whatever the row still holds.
  const deleted = row.status === 'deleted';
  const comment: Comment = {
    id: row.id,
    threadId: row.thread_id,
    parentId: row.parent_id,
    author: { name: deleted ? '' : row.author_name, avatarSeed: deleted ? '' : row.avatar_seed },
    body: deleted ? '' : row.body,
    createdAt: row.created_at,
    status: row.status as CommentStatus,
  };
  if (row.author_url !== null && !deleted) comment.author.url = row.author_url;
  if (row.updated_at !== null) comment.updatedAt = row.updated_at;
  if (row.is_owner === 1 && !deleted) comment.author.isOwner = true;
  if (row.user_id !== null && !deleted) comment.author.userId = row.user_id;
  if (row.verified_by !== null && !deleted) comment.author.verifiedBy = row.verified_by;
  return comment;
}

/** CommentRecordInput with every optional field as null (SQLite binds no `undefined`) and times normalized. */
export interface NormalizedInput {
  id: string;
  threadId: string;
  threadTitle: string | null;
  pageUrl: string | null;
  parentId: string | null;
  body: string;
  authorName: string;
  authorEmail: string;
  authorUrl: string | null;
  avatarSeed: string;
  editTokenHash: string;
  createdAt: string;
  idempotencyKey: string | null;
  requestHash: string | null;
  status: string;
  bodyFingerprint: string | null;
  isOwner: number;
  /** 1 when the author asked to follow the thread and the comment is held: asked once it is published. */
  subscribeAuthor: number;
  userId: string | null;
  verifiedBy: string | null;
}

const published = (input: CommentRecordInput) => (input.status ?? 'approved') === 'approved';

export function normalizeInput(input: CommentRecordInput): NormalizedInput {
  return {
    id: input.id,
    threadId: input.threadId,
    threadTitle: input.threadTitle ?? null,
    pageUrl: input.pageUrl ?? null,
    parentId: input.parentId ?? null,
    body: input.body,
    authorName: input.authorName,
    authorEmail: input.authorEmail,
    authorUrl: input.authorUrl ?? null,
    avatarSeed: input.avatarSeed,
    editTokenHash: input.editTokenHash,
    createdAt: toIsoMillis(input.createdAt, 'createdAt'),
    idempotencyKey: input.idempotencyKey ?? null,
    requestHash: input.requestHash ?? null,
    status: input.status ?? 'approved',
    bodyFingerprint: input.bodyFingerprint ?? null,
    isOwner: input.isOwner ? 1 : 0,
    subscribeAuthor: input.notification?.subscribeAuthor && !published(input) ? 1 : 0,
    userId: input.user?.id ?? null,
    verifiedBy: input.user?.verifiedBy ?? null,
  };
}

/**
 * The outbox message of the job a new comment queues, if it asks for one. Its author is asked to
 * confirm a subscription only if the comment is published: a held comment waits for its approval
 * (see `approvalJob`), so a comment nobody has seen mails nobody.
 */
export function creationJob(input: CommentRecordInput): string | null {
  if (!input.notification) return null;
  const job: NotificationJob = { commentId: input.id, ...input.notification, subscribeAuthor: input.notification.subscribeAuthor && published(input) };
  return JSON.stringify(job);
}

/** The outbox message of the job an approval queues: the comment just became public, and its author may have asked to follow the thread. */
export const approvalJob = (commentId: string, subscribeAuthor: boolean): string =>
  JSON.stringify({ commentId, toOwner: false, subscribeAuthor, toFollowers: true } satisfies NotificationJob);

/** The answer to a key seen before: the same request gets the original comment, another one a conflict. */
export function replayOrConflict(existing: CommentRow & { request_hash: string | null }, requestHash: string | null): CreateResult {
  return existing.request_hash === requestHash ? { kind: 'replayed', comment: toComment(existing) } : { kind: 'conflict' };
}

export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`[colloquy] limit must be a positive integer, got ${limit}`);
}

/** Cuts the extra row fetched to detect a next page, and makes the cursor from the page's last comment. */
export function pageOf(comments: Comment[], limit: number): { comments: Comment[]; nextCursor: string | null } {
  if (comments.length <= limit) return { comments, nextCursor: null };
  const page = comments.slice(0, limit);
  const last = page[page.length - 1];
  return { comments: page, nextCursor: last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
}

/** A comment row with its thread's title and page address, for feeds. */
export interface RecentRow extends CommentRow {
  thread_title: string | null;
  thread_url: string | null;
}

export const toRecentComment = (row: RecentRow): RecentComment => ({
  comment: toComment(row),
  thread: { title: row.thread_title, url: row.thread_url },
});

/** What the owner-only moderation list selects: unlike CommentRow, it has the email. */
export interface ModerationRow {
  id: string;
  thread_id: string;
  thread_title: string | null;
  thread_url: string | null;
  page_title: string | null;
  page_url: string | null;
  parent_id: string | null;
  status: string;
  body: string;
  author_name: string;
  author_email: string;
  author_url: string | null;
  avatar_seed: string;
  created_at: string;
  updated_at: string | null;
  revision: number;
  is_owner: number;
  user_id: string | null;
  verified_by: string | null;
}

export const toModerationEntry = (row: ModerationRow): ModerationEntry => ({
  id: row.id,
  threadId: row.thread_id,
  threadTitle: row.thread_title,
  threadUrl: row.thread_url,
  pageTitle: row.page_title,
  pageUrl: row.page_url,
  parentId: row.parent_id,
  status: row.status as ModerationStatus,
  body: row.body,
  author: {
    name: row.author_name,
    email: row.author_email,
    url: row.author_url,
    avatarSeed: row.avatar_seed,
    ...(row.user_id === null ? {} : { userId: row.user_id }),
    ...(row.verified_by === null ? {} : { verifiedBy: row.verified_by }),
  },
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  revision: Number(row.revision),
  ...(row.is_owner === 1 ? { isOwner: true as const } : {}),
});

/** A search term as a case-insensitive LIKE pattern matching it anywhere, with LIKE's wildcards taken literally. */
export const searchPattern = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Rejects a status the schema's CHECK would refuse, before any SQL runs. */
export function checkStatus(status: string): void {
  if (!(COMMENT_STATUSES as readonly string[]).includes(status))
    throw new RangeError(`[colloquy] status must be one of ${COMMENT_STATUSES.join(', ')}, got ${JSON.stringify(status)}`);
}

/** Every status with its count, zeros included. */
export function statusCounts(rows: { status: string; count: number }[]): Record<ModerationStatus, number> {
  const counts = Object.fromEntries(COMMENT_STATUSES.map((status) => [status, 0])) as Record<ModerationStatus, number>;
  for (const row of rows) if (row.status in counts) counts[row.status as ModerationStatus] = Number(row.count);
  return counts;
}

/** The window a hit at `now` would start: checked like every time a store takes. */
export function rateLimitWindow(windowMs: number, now: string): { now: string; resetAt: string } {
  if (!Number.isInteger(windowMs) || windowMs < 1) throw new RangeError(`[colloquy] windowMs must be a positive integer, got ${windowMs}`);
  const start = toIsoMillis(now, 'now');
  return { now: start, resetAt: new Date(Date.parse(start) + windowMs).toISOString() };
}
