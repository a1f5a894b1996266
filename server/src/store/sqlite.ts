import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { decodeCursor, toIsoMillis } from './cursor';
import { migrations } from './migrations';
import { checkLimit, commentColumns, pageOf, pageSql, replayOrConflict, normalizeInput, toComment, type CommentRow, type NormalizedInput } from './shared';
import { approvalJob, approvedEmailSql, creationJob, duplicateSql } from './shared';
import {
  checkStatus,
  moderationSql,
  searchPattern,
  statusCounts,
  recentApprovedSql,
  toModerationEntry,
  toRecentComment,
  type ModerationRow,
  type RecentRow,
} from './shared';
import type {
  CommentRecordInput,
  CommentStore,
  CreateResult,
  EditableComment,
  ListOptions,
  ModerationStatus,
  SettableStatus,
  StatusChange,
  ThreadSummary,
} from './types';
import type { OutboxItem, Subscription } from './types';
import { rateLimitHitSql, rateLimitWindow } from './shared';
import type { AdminSession } from './types';

export interface SqliteStoreOptions {
  /** The database file; its folder is created if missing. `':memory:'` gives a private, throwaway database. */
  path: string;
  /**
   * How long a write waits for another connection's lock before failing, in milliseconds.
   * @default 5000
   */
  busyTimeoutMs?: number;
}

/** The SQL of a page query as this store runs it (named parameters @thread, @createdAt, @id, @limit). */
export function sqlitePageSql(sort: 'oldest' | 'newest', after: boolean): string {
  return pageSql(sort, after, (name) => `@${name}`);
}

type PageParams = { thread: string; limit: number; createdAt?: string; id?: string };

/** Every statement is prepared once, on first use after the tables exist. */
function prepareStatements(db: Database.Database) {
  const columns = commentColumns();
  return {
    byKey: db.prepare<[string], CommentRow & { request_hash: string | null }>(`SELECT ${columns}, request_hash FROM comments WHERE idempotency_key = ?`),
    parentThread: db.prepare<[string], { thread_id: string }>('SELECT thread_id FROM comments WHERE id = ?'),
    upsertThread: db.prepare<[{ id: string; title: string | null; url: string | null; createdAt: string }]>(
      `INSERT INTO threads (id, title, url, created_at) VALUES (@id, @title, @url, @createdAt)
       ON CONFLICT (id) DO UPDATE SET title = coalesce(title, excluded.title), url = coalesce(url, excluded.url)`,
    ),
    insertComment: db.prepare<[NormalizedInput], CommentRow>(
      `INSERT INTO comments (id, thread_id, parent_id, body, author_name, author_email, author_url, avatar_seed,
         status, created_at, edit_token_hash, idempotency_key, request_hash, body_fingerprint, is_owner)
       VALUES (@id, @threadId, @parentId, @body, @authorName, @authorEmail, @authorUrl, @avatarSeed,
         @status, @createdAt, @editTokenHash, @idempotencyKey, @requestHash, @bodyFingerprint, @isOwner)
       RETURNING ${columns}`,
    ),
    page: {
      oldest: db.prepare<[PageParams], CommentRow>(sqlitePageSql('oldest', false)),
      newest: db.prepare<[PageParams], CommentRow>(sqlitePageSql('newest', false)),
      oldestAfter: db.prepare<[PageParams], CommentRow>(sqlitePageSql('oldest', true)),
      newestAfter: db.prepare<[PageParams], CommentRow>(sqlitePageSql('newest', true)),
    },
    thread: db.prepare<[string], { id: string; title: string | null; count: number }>(
      `SELECT id, title, (SELECT count(*) FROM comments WHERE thread_id = threads.id AND status = 'approved') AS count
       FROM threads WHERE id = ?`,
    ),
    // One statement for any number of ids: they arrive as a JSON array.
    counts: db.prepare<[string], { thread_id: string; count: number }>(
      `SELECT thread_id, count(*) AS count FROM comments
       WHERE thread_id IN (SELECT value FROM json_each(?)) AND status = 'approved'
       GROUP BY thread_id`,
    ),
    editable: db.prepare<[string], CommentRow & { edit_token_hash: string }>(
      `SELECT ${columns}, edit_token_hash FROM comments WHERE id = ? AND status <> 'deleted'`,
    ),
    updateBody: db.prepare<[{ id: string; body: string; updatedAt: string; status: string | null }], CommentRow>(
      `UPDATE comments SET body = @body, updated_at = @updatedAt, status = coalesce(@status, status)
       WHERE id = @id AND status <> 'deleted' RETURNING ${columns}`,
    ),
    approvedEmail: db.prepare<[string], { one: number }>(approvedEmailSql('?')),
    duplicate: db.prepare<[{ thread: string; fingerprint: string; since: string }], { one: number }>(duplicateSql((name) => `@${name}`)),
    insertSetting: db.prepare<[string, string]>('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
    setting: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
    deleteTarget: db.prepare<[string], { parent_id: string | null; status: string }>('SELECT parent_id, status FROM comments WHERE id = ?'),
    hasReplies: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM comments WHERE parent_id = ? LIMIT 1'),
    toPlaceholder: db.prepare<[string]>(
      `UPDATE comments SET status = 'deleted', body = '', author_name = '', author_email = '', author_url = NULL, avatar_seed = ''
       WHERE id = ?`,
    ),
    remove: db.prepare<[string]>('DELETE FROM comments WHERE id = ?'),
    recent: db.prepare<[{ limit: number }], RecentRow>(recentApprovedSql(false, (name) => `@${name}`)),
    recentOfThread: db.prepare<[{ thread: string; limit: number }], RecentRow>(recentApprovedSql(true, (name) => `@${name}`)),
    // Four variants (with or without each filter), prepared when first asked for.
    moderation: new Map<string, Database.Statement<[Record<string, unknown>], ModerationRow>>(),
    setStatus: db.prepare<[{ id: string; status: string }]>('UPDATE comments SET status = @status WHERE id = @id'),
    statusCounts: db.prepare<[], { status: string; count: number }>('SELECT status, count(*) AS count FROM comments GROUP BY status'),
    enqueue: db.prepare<[string, string, string]>('INSERT INTO mail_outbox (kind, message, next_attempt_at) VALUES (?, ?, ?)'),
    due: db.prepare<[string, number], { id: number }>('SELECT id FROM mail_outbox WHERE next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?'),
    lease: db.prepare<[string, number], OutboxItem>(
      'UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ? RETURNING id, kind, message, attempts',
    ),
    done: db.prepare<[number]>('DELETE FROM mail_outbox WHERE id = ?'),
    retry: db.prepare<[string, string, number]>('UPDATE mail_outbox SET next_attempt_at = ?, last_error = ? WHERE id = ?'),
    subscription: db.prepare<[string, string], { id: string; unsubscribed_at: string | null; confirmed_at: string | null; confirm_sent_at: string | null }>(
      'SELECT id, unsubscribed_at, confirmed_at, confirm_sent_at FROM subscriptions WHERE thread_id = ? AND email = ?',
    ),
    insertSubscription: db.prepare<[string, string, string, string]>('INSERT INTO subscriptions (id, email, thread_id, created_at) VALUES (?, ?, ?, ?)'),
    // Reopened: it waits for a new confirmation, and the links of earlier confirmation mails no longer work.
    reopen: db.prepare<[string]>('UPDATE subscriptions SET unsubscribed_at = NULL, confirmed_at = NULL, confirm_nonce = NULL WHERE id = ?'),
    recentConfirmations: db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM subscriptions WHERE email = ? AND confirm_sent_at >= ?'),
    confirmationSent: db.prepare<[string, string, string]>('UPDATE subscriptions SET confirm_nonce = ?, confirm_sent_at = ? WHERE id = ?'),
    confirm: db.prepare<[string, string, string]>(
      'UPDATE subscriptions SET confirmed_at = coalesce(confirmed_at, ?) WHERE id = ? AND confirm_nonce = ? AND unsubscribed_at IS NULL',
    ),
    unsubscribe: db.prepare<[string, string]>('UPDATE subscriptions SET unsubscribed_at = coalesce(unsubscribed_at, ?) WHERE id = ?'),
    forNotification: db.prepare<[string], CommentRow & { author_email: string; thread_title: string | null; thread_url: string | null }>(
      `SELECT ${commentColumns('c')}, c.author_email, t.title AS thread_title, t.url AS thread_url
       FROM comments c JOIN threads t ON t.id = c.thread_id WHERE c.id = ? AND c.status <> 'deleted'`,
    ),
    subscribers: db.prepare<[string], { id: string; email: string }>(
      `SELECT id, email FROM subscriptions WHERE thread_id = ? AND unsubscribed_at IS NULL AND confirmed_at IS NOT NULL
       ORDER BY created_at, id`,
    ),
  };
}

/** Dashboard sessions and rate-limit counters (migration 7), prepared on first use like the rest. */
function prepareAccessStatements(db: Database.Database) {
  type SessionRow = { token_hash: string; created_at: string; expires_at: string };
  return {
    insertSession: db.prepare<[AdminSession]>('INSERT INTO admin_sessions (token_hash, created_at, expires_at) VALUES (@tokenHash, @createdAt, @expiresAt)'),
    deleteExpiredSessions: db.prepare<[string]>('DELETE FROM admin_sessions WHERE expires_at <= ?'),
    session: db.prepare<[string, string], SessionRow>('SELECT token_hash, created_at, expires_at FROM admin_sessions WHERE token_hash = ? AND expires_at > ?'),
    deleteSession: db.prepare<[string]>('DELETE FROM admin_sessions WHERE token_hash = ?'),
    deleteSessions: db.prepare<[]>('DELETE FROM admin_sessions'),
    hit: db.prepare<[{ key: string; now: string; resetAt: string }], { count: number; reset_at: string }>(rateLimitHitSql((name) => `@${name}`)),
    prune: db.prepare<[string]>('DELETE FROM rate_limits WHERE reset_at <= ?'),
  };
}

/**
 * The default store: one SQLite file through better-sqlite3.
 *
 * - WAL mode, so readers never block the writer; `synchronous = FULL`, so each commit is on disk
 *   before the call returns (a comment answered 201 survives `kill -9`).
 * - Writes run in `BEGIN IMMEDIATE` transactions: the write lock is taken up front, so two
 *   connections (or processes) never deadlock upgrading a read to a write; `busy_timeout` makes the
 *   second one wait instead of failing.
 * - Deleting the last reply of a placeholder also removes the placeholder (and so on up the
 *   chain), so a placeholder is listed exactly when it still has replies.
 */
export function createSqliteStore({ path, busyTimeoutMs = 5000 }: SqliteStoreOptions): CommentStore {
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(path);
  // The busy timeout first: switching to WAL needs a lock another process may hold.
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');

  const ping = db.prepare('SELECT 1');
  let statements: ReturnType<typeof prepareStatements> | undefined;
  const st = () => (statements ??= prepareStatements(db));
  let accessStatements: ReturnType<typeof prepareAccessStatements> | undefined;
  const access = () => (accessStatements ??= prepareAccessStatements(db));

  const migrate = db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT');
    const applied = new Set(db.prepare<[], number>('SELECT version FROM schema_migrations').pluck().all());
    const record = db.prepare<[number, string]>('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)');
    migrations.sqlite.forEach((sql, index) => {
      if (applied.has(index + 1)) return;
      db.exec(sql);
      record.run(index + 1, new Date().toISOString());
    });
  });

  const create = db.transaction((input: NormalizedInput, job: string | null): CreateResult => {
    const s = st();
    if (input.idempotencyKey !== null) {
      const existing = s.byKey.get(input.idempotencyKey);
      if (existing) return replayOrConflict(existing, input.requestHash);
    }
    if (input.parentId !== null && s.parentThread.get(input.parentId)?.thread_id !== input.threadId) {
      return { kind: 'parent-not-found' };
    }
    s.upsertThread.run({ id: input.threadId, title: input.threadTitle, url: input.pageUrl, createdAt: input.createdAt });
    const row = s.insertComment.get(input);
    if (!row) throw new Error('[colloquy] the comment insert returned no row');
    if (job !== null) s.enqueue.run('job', job, input.createdAt);
    return { kind: 'created', comment: toComment(row) };
  });

  const remove = db.transaction((id: string): 'removed' | 'placeholder' | 'not-found' => {
    const s = st();
    const target = s.deleteTarget.get(id);
    if (!target) return 'not-found';
    if (s.hasReplies.get(id)) {
      s.toPlaceholder.run(id);
      return 'placeholder';
    }
    s.remove.run(id);
    // A placeholder only exists for its replies: once the last one is gone, so is it.
    let parentId = target.parent_id;
    while (parentId !== null) {
      const parent = s.deleteTarget.get(parentId);
      if (!parent || parent.status !== 'deleted' || s.hasReplies.get(parentId)) break;
      s.remove.run(parentId);
      parentId = parent.parent_id;
    }
    return 'removed';
  });

  const initSetting = db.transaction((key: string, value: string): string => {
    const s = st();
    s.insertSetting.run(key, value);
    return s.setting.get(key)!.value;
  });

  const changeStatus = db.transaction((ids: string[], status: SettableStatus, notifyAt: string | null): StatusChange[] =>
    ids.map((id): StatusChange => {
      const s = st();
      const previous = s.deleteTarget.get(id)?.status as ModerationStatus | undefined;
      if (previous === undefined || (previous === 'deleted' && status !== 'deleted')) return { id, outcome: 'not-found' };
      if (previous === status) return { id, outcome: 'unchanged', previous };
      if (status === 'deleted') return { id, outcome: remove(id) as 'removed' | 'placeholder', previous };
      s.setStatus.run({ id, status });
      if (status === 'approved' && notifyAt !== null) s.enqueue.run('job', approvalJob(id), notifyAt);
      return { id, outcome: 'changed', previous };
    }),
  );

  const claim = db.transaction((now: string, leaseUntil: string, limit: number): OutboxItem[] => {
    const s = st();
    return s.due.all(now, limit).map(({ id }) => s.lease.get(leaseUntil, id)!);
  });

  const completeJob = db.transaction((id: number, mails: string[], at: string, confirmation: { subscriptionId: string; nonce: string } | undefined) => {
    const s = st();
    for (const mail of mails) s.enqueue.run('mail', mail, at);
    if (confirmation) s.confirmationSent.run(confirmation.nonce, at, confirmation.subscriptionId);
    s.done.run(id);
  });

  type SubscribeInput = { id: string; email: string; threadId: string; at: string; confirmationsSince: string };
  const subscribe = db.transaction(({ id, email, threadId, at, confirmationsSince }: SubscribeInput): Subscription => {
    const s = st();
    const address = email.toLowerCase();
    const existing = s.subscription.get(threadId, address);
    if (!existing) s.insertSubscription.run(id, address, threadId, at);
    else if (existing.unsubscribed_at !== null) s.reopen.run(existing.id);
    return {
      id: existing?.id ?? id,
      confirmed: existing?.unsubscribed_at === null && existing.confirmed_at !== null,
      confirmationSentAt: existing?.confirm_sent_at ?? null,
      recentConfirmations: s.recentConfirmations.get(address, confirmationsSince)!.n,
    };
  });

  const createSession = db.transaction((session: AdminSession) => {
    const a = access();
    a.deleteExpiredSessions.run(session.createdAt);
    a.insertSession.run(session);
  });

  return {
    engine: 'sqlite',
    async migrate() {
      migrate.immediate();
    },
    async ping() {
      ping.get();
    },
    async createComment(input) {
      return create.immediate(normalizeInput(input), creationJob(input));
    },
    async listComments({ threadId, limit, sort, cursor }: ListOptions) {
      checkLimit(limit);
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const page = st().page;
      const statement = after ? (sort === 'oldest' ? page.oldestAfter : page.newestAfter) : sort === 'oldest' ? page.oldest : page.newest;
      // One row more than asked tells whether another page follows, without counting.
      const rows = statement.all({ thread: threadId, limit: limit + 1, ...(after ?? {}) });
      return pageOf(rows.map(toComment), limit);
    },
    async getThread(threadId): Promise<ThreadSummary | null> {
      const row = st().thread.get(threadId);
      return row ? { id: row.id, title: row.title, count: row.count } : null;
    },
    async countComments(threadIds) {
      const counts = new Map(threadIds.map((id) => [id, 0]));
      if (threadIds.length === 0) return {};
      for (const row of st().counts.all(JSON.stringify([...counts.keys()]))) counts.set(row.thread_id, row.count);
      return Object.fromEntries(counts);
    },
    async getEditable(id): Promise<EditableComment | null> {
      const row = st().editable.get(id);
      return row ? { comment: toComment(row), editTokenHash: row.edit_token_hash } : null;
    },
    async updateBody(id, body, updatedAt, status) {
      const row = st().updateBody.get({ id, body, updatedAt: toIsoMillis(updatedAt, 'updatedAt'), status: status ?? null });
      return row ? toComment(row) : null;
    },
    async hasApprovedComment(email) {
      return email !== '' && st().approvedEmail.get(email) !== undefined;
    },
    async hasRecentDuplicate({ threadId, bodyFingerprint, since }) {
      return st().duplicate.get({ thread: threadId, fingerprint: bodyFingerprint, since: toIsoMillis(since, 'since') }) !== undefined;
    },
    async initSetting(key, value) {
      return initSetting.immediate(key, value);
    },
    async deleteComment(id) {
      return remove.immediate(id);
    },
    async listRecentApproved({ threadId, limit }) {
      checkLimit(limit);
      const s = st();
      const rows = threadId === undefined ? s.recent.all({ limit }) : s.recentOfThread.all({ thread: threadId, limit });
      return rows.map(toRecentComment);
    },
    async listForModeration({ status, threadId, q, before, limit }) {
      checkLimit(limit);
      if (status !== undefined) checkStatus(status);
      const search = q === undefined || q === '' ? undefined : searchPattern(q);
      const filters = { status: status !== undefined, thread: threadId !== undefined, search: search !== undefined, before: before !== undefined };
      const key = `${filters.status}:${filters.thread}:${filters.search}:${filters.before}`;
      const cache = st().moderation;
      let statement = cache.get(key);
      if (!statement) cache.set(key, (statement = db.prepare(moderationSql(filters, (name) => `@${name}`))));
      const params = {
        limit,
        ...(status === undefined ? {} : { status }),
        ...(threadId === undefined ? {} : { thread: threadId }),
        ...(search === undefined ? {} : { search }),
        ...(before === undefined ? {} : { createdAt: toIsoMillis(before.createdAt, 'before'), id: before.id }),
      };
      return statement.all(params).map(toModerationEntry);
    },
    async setStatus(ids, status, options) {
      checkStatus(status);
      const notifyAt = options?.notifyFollowersAt;
      return changeStatus.immediate(ids, status, notifyAt === undefined ? null : toIsoMillis(notifyAt, 'notifyFollowersAt'));
    },
    async claimOutbox(now, leaseUntil, limit) {
      return claim.immediate(toIsoMillis(now, 'now'), toIsoMillis(leaseUntil, 'leaseUntil'), limit);
    },
    async finishOutbox(id, outcome) {
      if ('done' in outcome) st().done.run(id);
      else st().retry.run(toIsoMillis(outcome.retryAt, 'retryAt'), outcome.error.slice(0, 1000), id);
    },
    async completeJob(id, { mails, at, confirmation }) {
      completeJob.immediate(id, mails, toIsoMillis(at, 'at'), confirmation);
    },
    async subscribe(input) {
      return subscribe.immediate({
        ...input,
        at: toIsoMillis(input.at, 'at'),
        confirmationsSince: toIsoMillis(input.confirmationsSince, 'confirmationsSince'),
      });
    },
    async confirmSubscription(id, nonce, at) {
      return st().confirm.run(toIsoMillis(at, 'at'), id, nonce).changes > 0;
    },
    async unsubscribe(id, at) {
      return st().unsubscribe.run(toIsoMillis(at, 'at'), id).changes > 0;
    },
    async listSubscribers(threadId) {
      return st().subscribers.all(threadId);
    },
    async getForNotification(id) {
      const row = st().forNotification.get(id);
      return row ? { comment: toComment(row), authorEmail: row.author_email, thread: { title: row.thread_title, url: row.thread_url } } : null;
    },
    async countByStatus() {
      return statusCounts(st().statusCounts.all());
    },
    async createAdminSession(session) {
      createSession.immediate({
        tokenHash: session.tokenHash,
        createdAt: toIsoMillis(session.createdAt, 'createdAt'),
        expiresAt: toIsoMillis(session.expiresAt, 'expiresAt'),
      });
    },
    async getAdminSession(tokenHash, now) {
      const row = access().session.get(tokenHash, toIsoMillis(now, 'now'));
      return row ? { tokenHash: row.token_hash, createdAt: row.created_at, expiresAt: row.expires_at } : null;
    },
    async deleteAdminSession(tokenHash) {
      return access().deleteSession.run(tokenHash).changes > 0;
    },
    async deleteAdminSessions() {
      return access().deleteSessions.run().changes;
    },
    async hitRateLimit(key, windowMs, now) {
      const row = access().hit.get({ key, ...rateLimitWindow(windowMs, now) })!;
      return { count: row.count, resetAt: row.reset_at };
    },
    async pruneRateLimits(now) {
      return access().prune.run(toIsoMillis(now, 'now')).changes;
    },
    async close() {
      if (!db.open) return;
      // Lets SQLite refresh the planner statistics it finds worth refreshing; cheap.
      db.pragma('optimize');
      db.close();
    },
  };
}
