/** What both stores share: the public row shape, the page query, input normalization, paging. */
import type { Comment, CommentStatus } from 'colloquy/core';
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
}

/** Column list for `SELECT`s that produce a CommentRow (optionally qualified by a table alias). */
export function commentColumns(alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return ['id', 'thread_id', 'parent_id', 'body', 'author_name', 'author_url', 'avatar_seed', 'status', 'created_at', 'updated_at', 'is_owner']
    .map((column) => prefix + column)
    .join(', ');
}

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
  return comment;
}

/**
 * Which comments a page shows: approved ones, and deleted ones kept as placeholders for their replies.
 * The reply check is a scalar subquery, not EXISTS: PostgreSQL may run an EXISTS inside an OR as a
 * hashed subplan, which reads every parent_id of the table the first time a placeholder shows up;
 * this form is always one probe of comments_parent per deleted comment, in both engines.
 */
export function visibleCondition(alias: string): string {
  return `(${alias}.status = 'approved' OR (${alias}.status = 'deleted' AND (SELECT 1 FROM comments r WHERE r.parent_id = ${alias}.id LIMIT 1) IS NOT NULL))`;
}

/** The SQL of a page query; identical in both engines apart from placeholders, which `param` writes. */
export function pageSql(sort: 'oldest' | 'newest', after: boolean, param: (name: 'thread' | 'createdAt' | 'id' | 'limit') => string): string {
  const op = sort === 'oldest' ? '>' : '<';
  const dir = sort === 'oldest' ? 'ASC' : 'DESC';
  return [
    `SELECT ${commentColumns('c')} FROM comments c`,
    `WHERE c.thread_id = ${param('thread')}`,
    after ? `AND (c.created_at, c.id) ${op} (${param('createdAt')}, ${param('id')})` : '',
    `AND ${visibleCondition('c')}`,
    `ORDER BY c.created_at ${dir}, c.id ${dir}`,
    `LIMIT ${param('limit')}`,
  ]
    .filter(Boolean)
    .join('\n');
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
}

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
  };
}

/** The outbox message of the job a new comment queues, if it asks for one. */
export const creationJob = (input: CommentRecordInput): string | null =>
  input.notification ? JSON.stringify({ commentId: input.id, ...input.notification } satisfies NotificationJob) : null;

/** The outbox message of the job an approval queues: the comment just became public. */
export const approvalJob = (commentId: string): string =>
  JSON.stringify({ commentId, toOwner: false, subscribeAuthor: false, toFollowers: true } satisfies NotificationJob);

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

/**
 * The newest approved comments, site-wide or of one thread, read backwards from an index so that a
 * feed costs about 50 index entries however large the site: `comments_status_created` site-wide,
 * the page index per thread. Per thread the status test is written `c.status || ''` so that no
 * engine can pick the status index instead and walk the whole site's comments to find one thread's.
 */
export function recentApprovedSql(byThread: boolean, param: (name: 'thread' | 'limit') => string): string {
  return [
    `SELECT ${commentColumns('c')}, t.title AS thread_title, t.url AS thread_url`,
    'FROM comments c JOIN threads t ON t.id = c.thread_id',
    byThread ? `WHERE c.thread_id = ${param('thread')} AND c.status || '' = 'approved'` : `WHERE c.status = 'approved'`,
    'ORDER BY c.created_at DESC, c.id DESC',
    `LIMIT ${param('limit')}`,
  ]
    .filter(Boolean)
    .join('\n');
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
  parent_id: string | null;
  status: string;
  body: string;
  author_name: string;
  author_email: string;
  author_url: string | null;
  avatar_seed: string;
  created_at: string;
  updated_at: string | null;
  is_owner: number;
}

/** The moderation list's SQL; a filter that is not given is left out, so each variant can use its index. */
export function moderationSql(
  filters: { status: boolean; thread: boolean; search?: boolean; before?: boolean },
  param: (name: 'status' | 'thread' | 'search' | 'createdAt' | 'id' | 'limit') => string,
): string {
  const where = [
    filters.status ? `c.status = ${param('status')}` : '',
    filters.thread ? `c.thread_id = ${param('thread')}` : '',
    // One parameter used three times: written once per use so positional engines bind it each time.
    filters.search
      ? `(lower(c.body) LIKE ${param('search')} ESCAPE '\\' OR lower(c.author_name) LIKE ${param('search')} ESCAPE '\\' OR lower(c.author_email) LIKE ${param('search')} ESCAPE '\\')`
      : '',
    filters.before ? `(c.created_at, c.id) < (${param('createdAt')}, ${param('id')})` : '',
  ].filter(Boolean);
  return [
    'SELECT c.id, c.thread_id, t.title AS thread_title, c.parent_id, c.status, c.body, c.author_name, c.author_email, c.author_url,',
    '  c.avatar_seed, c.created_at, c.updated_at, c.is_owner',
    'FROM comments c JOIN threads t ON t.id = c.thread_id',
    where.length ? `WHERE ${where.join(' AND ')}` : '',
    'ORDER BY c.created_at DESC, c.id DESC',
    `LIMIT ${param('limit')}`,
  ]
    .filter(Boolean)
    .join('\n');
}

export const toModerationEntry = (row: ModerationRow): ModerationEntry => ({
  id: row.id,
  threadId: row.thread_id,
  threadTitle: row.thread_title,
  parentId: row.parent_id,
  status: row.status as ModerationStatus,
  body: row.body,
  author: { name: row.author_name, email: row.author_email, url: row.author_url, avatarSeed: row.avatar_seed },
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  ...(row.is_owner === 1 ? { isOwner: true as const } : {}),
});

/** A search term as a case-insensitive LIKE pattern matching it anywhere, with LIKE's wildcards taken literally. */
export const searchPattern = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const moderationStatuses: readonly string[] = ['approved', 'pending', 'spam', 'deleted'];

/** Rejects a status the schema's CHECK would refuse, before any SQL runs. */
export function checkStatus(status: string): void {
  if (!moderationStatuses.includes(status))
    throw new RangeError(`[colloquy] status must be one of ${moderationStatuses.join(', ')}, got ${JSON.stringify(status)}`);
}

/** "Has this email an approved comment?" (the first-time policy), answered from the partial index comments_approved_email. */
export const approvedEmailSql = (email: string) => `SELECT 1 AS one FROM comments WHERE lower(author_email) = lower(${email}) AND status = 'approved' LIMIT 1`;

/** A comment of the thread, not deleted, posted since then with this body fingerprint: answered from comments_thread_fingerprint. */
export const duplicateSql = (param: (name: 'thread' | 'fingerprint' | 'since') => string) =>
  `SELECT 1 AS one FROM comments WHERE thread_id = ${param('thread')} AND body_fingerprint = ${param('fingerprint')} AND created_at >= ${param('since')} AND status <> 'deleted' LIMIT 1`;

/** Every status with its count, zeros included. */
export function statusCounts(rows: { status: string; count: number }[]): Record<ModerationStatus, number> {
  const counts: Record<ModerationStatus, number> = { pending: 0, approved: 0, spam: 0, deleted: 0 };
  for (const row of rows) if (row.status in counts) counts[row.status as ModerationStatus] = Number(row.count);
  return counts;
}

/**
 * One hit on a fixed-window counter, in one statement: the upsert's row lock orders concurrent
 * hits on a key (in every process), and each sees the count with its own hit. A window that has
 * ended at `now` starts again with this hit, ending at `resetAt`.
 */
export const rateLimitHitSql = (param: (name: 'key' | 'now' | 'resetAt') => string) =>
  `INSERT INTO rate_limits (key, count, reset_at) VALUES (${param('key')}, 1, ${param('resetAt')})
   ON CONFLICT (key) DO UPDATE SET
     count = CASE WHEN rate_limits.reset_at > ${param('now')} THEN rate_limits.count + 1 ELSE 1 END,
     reset_at = CASE WHEN rate_limits.reset_at > ${param('now')} THEN rate_limits.reset_at ELSE excluded.reset_at END
   RETURNING count, reset_at`;

/** The window a hit at `now` would start: checked like every time a store takes. */
export function rateLimitWindow(windowMs: number, now: string): { now: string; resetAt: string } {
  if (!Number.isInteger(windowMs) || windowMs < 1) throw new RangeError(`[colloquy] windowMs must be a positive integer, got ${windowMs}`);
  const start = toIsoMillis(now, 'now');
  return { now: start, resetAt: new Date(Date.parse(start) + windowMs).toISOString() };
}
