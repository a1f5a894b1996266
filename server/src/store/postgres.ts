import pg from 'pg';
import type { PoolClient, QueryConfig } from 'pg';
import { decodeCursor, toIsoMillis } from './cursor';
import { migrations } from './migrations';
import { checkLimit, commentColumns, normalizeInput, pageOf, pageSql, replayOrConflict, toComment, type CommentRow } from './shared';
import { approvalJob, approvedEmailSql, creationJob, duplicateSql } from './shared';
import { checkStatus, moderationSql, searchPattern, statusCounts, recentApprovedSql, toModerationEntry, toRecentComment, type ModerationRow } from './shared';
import type { CommentStore, CreateResult, EditableComment, ListOptions, ModerationStatus, StatusChange, ThreadSummary } from './types';
import type { OutboxItem, Subscription } from './types';
import { rateLimitHitSql, rateLimitWindow } from './shared';
import type { AdminSession } from './types';

export interface PostgresStoreOptions {
  /** A libpq URL, e.g. `postgres://user@host:5432/db`. */
  connectionString: string;
  /**
   * The schema holding Colloquy's tables; created by `migrate()` if missing. Lowercase letters,
   * digits and underscores. Lets several sites, or test runs, share one database.
   * @default 'public'
   */
  schema?: string;
  /**
   * Connections this process keeps open at most.
   * @default 10
   */
  poolSize?: number;
}

/** What pg returns for a comment: timestamps as Dates (millisecond precision, like the column). */
type PgCommentRow = Omit<CommentRow, 'created_at' | 'updated_at'> & { created_at: Date; updated_at: Date | null };

const toRow = (row: PgCommentRow): CommentRow => ({
  ...row,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at?.toISOString() ?? null,
});

const pgComment = (row: PgCommentRow) => toComment(toRow(row));

/** The SQL of a page query as this store runs it: $1 thread, then ($2 createdAt, $3 id) after a cursor, then the limit. */
export function postgresPageSql(sort: 'oldest' | 'newest', after: boolean): string {
  let n = 0;
  return pageSql(sort, after, (name) => `$${++n}${name === 'createdAt' ? '::timestamptz' : ''}`);
}

const columns = commentColumns();

/** The duplicate query as this store runs it: $1 thread, $2 fingerprint, $3 since. */
export const postgresDuplicateSql = duplicateSql((name) => (name === 'thread' ? '$1' : name === 'fingerprint' ? '$2' : '$3::timestamptz'));

/** Named statements: pg prepares each once per connection and reuses the plan. */
const sql = {
  byKey: `SELECT ${columns}, request_hash FROM comments WHERE idempotency_key = $1`,
  // KEY SHARE keeps the parent from being deleted until this reply commits (a delete takes FOR UPDATE).
  parentThread: 'SELECT thread_id FROM comments WHERE id = $1 FOR KEY SHARE',
  // DO NOTHING, not DO UPDATE: an upsert locks the thread row, which would serialize every comment on a thread.
  insertThread: 'INSERT INTO threads (id, title, url, created_at) VALUES ($1, $2, $3, $4::timestamptz) ON CONFLICT (id) DO NOTHING',
  // Fills a missing title or address only (see CommentRecordInput), and touches (so locks) the row only then.
  updateThread: `UPDATE threads SET title = coalesce(title, $2::text), url = coalesce(url, $3::text)
    WHERE id = $1 AND ((title IS NULL AND $2::text IS NOT NULL) OR (url IS NULL AND $3::text IS NOT NULL))`,
  insertComment: `INSERT INTO comments (id, thread_id, parent_id, body, author_name, author_email, author_url, avatar_seed,
      status, created_at, edit_token_hash, idempotency_key, request_hash, body_fingerprint, is_owner)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $13, $9::timestamptz, $10, $11, $12, $14, $15)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING ${columns}`,
  thread: `SELECT id, title, (SELECT count(*)::int FROM comments WHERE thread_id = threads.id AND status = 'approved') AS count
    FROM threads WHERE id = $1`,
  counts: `SELECT thread_id, count(*)::int AS count FROM comments
    WHERE thread_id = ANY($1::text[]) AND status = 'approved' GROUP BY thread_id`,
  editable: `SELECT ${columns}, edit_token_hash FROM comments WHERE id = $1 AND status <> 'deleted'`,
  updateBody: `UPDATE comments SET body = $2, updated_at = $3::timestamptz, status = coalesce($4, status)
    WHERE id = $1 AND status <> 'deleted' RETURNING ${columns}`,
  approvedEmail: approvedEmailSql('$1'),
  duplicate: postgresDuplicateSql,
  insertSetting: 'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING',
  setting: 'SELECT value FROM settings WHERE key = $1',
  // FOR UPDATE: a concurrent reply (KEY SHARE on its parent) and this delete wait for each other.
  deleteTarget: 'SELECT parent_id, status FROM comments WHERE id = $1 FOR UPDATE',
  hasReplies: 'SELECT 1 FROM comments WHERE parent_id = $1 LIMIT 1',
  toPlaceholder: `UPDATE comments SET status = 'deleted', body = '', author_name = '', author_email = '', author_url = NULL, avatar_seed = ''
    WHERE id = $1`,
  remove: 'DELETE FROM comments WHERE id = $1',
  page: {
    oldest: postgresPageSql('oldest', false),
    newest: postgresPageSql('newest', false),
    oldestAfter: postgresPageSql('oldest', true),
    newestAfter: postgresPageSql('newest', true),
  },
  recent: recentApprovedSql(false, () => '$1'),
  recentOfThread: recentApprovedSql(true, (name) => (name === 'thread' ? '$1' : '$2')),
  // FOR UPDATE: the status read and the change it decides are one step, even against another moderator.
  statusOf: 'SELECT status FROM comments WHERE id = $1 FOR UPDATE',
  setStatus: 'UPDATE comments SET status = $2 WHERE id = $1',
  statusCounts: 'SELECT status, count(*)::int AS count FROM comments GROUP BY status',
};

/** Notifications: the outbox (mails and jobs) and thread subscriptions. */
const mailSql = {
  enqueue: 'INSERT INTO mail_outbox (kind, message, next_attempt_at) SELECT $1, unnest($2::text[]), $3::timestamptz',
  // SKIP LOCKED: processes claiming at once take different items instead of waiting for each other.
  claim: `UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $2::timestamptz
    WHERE id IN (SELECT id FROM mail_outbox WHERE next_attempt_at <= $1::timestamptz ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
    RETURNING id, kind, message, attempts`,
  done: 'DELETE FROM mail_outbox WHERE id = $1',
  retry: 'UPDATE mail_outbox SET next_attempt_at = $2::timestamptz, last_error = $3 WHERE id = $1',
  // The upsert's row lock orders concurrent subscribes. Reopened after an unsubscribe, a subscription
  // waits for a new confirmation, and the links of earlier confirmation mails no longer work.
  subscribe: `INSERT INTO subscriptions (id, email, thread_id, created_at) VALUES ($1, $2, $3, $4::timestamptz)
    ON CONFLICT (thread_id, email) DO UPDATE SET unsubscribed_at = NULL,
      confirmed_at = CASE WHEN subscriptions.unsubscribed_at IS NULL THEN subscriptions.confirmed_at END,
      confirm_nonce = CASE WHEN subscriptions.unsubscribed_at IS NULL THEN subscriptions.confirm_nonce END
    RETURNING id, confirmed_at IS NOT NULL AS confirmed, confirm_sent_at,
      (SELECT count(*)::int FROM subscriptions WHERE email = $2 AND confirm_sent_at >= $5::timestamptz) AS recent`,
  confirmationSent: 'UPDATE subscriptions SET confirm_nonce = $2, confirm_sent_at = $3::timestamptz WHERE id = $1',
  confirm: `UPDATE subscriptions SET confirmed_at = coalesce(confirmed_at, $3::timestamptz)
    WHERE id = $1 AND confirm_nonce = $2 AND unsubscribed_at IS NULL`,
  unsubscribe: 'UPDATE subscriptions SET unsubscribed_at = coalesce(unsubscribed_at, $2::timestamptz) WHERE id = $1',
  forNotification: `SELECT ${commentColumns('c')}, c.author_email, t.title AS thread_title, t.url AS thread_url
    FROM comments c JOIN threads t ON t.id = c.thread_id WHERE c.id = $1 AND c.status <> 'deleted'`,
  subscribers: `SELECT id, email FROM subscriptions WHERE thread_id = $1 AND unsubscribed_at IS NULL AND confirmed_at IS NOT NULL
    ORDER BY created_at, id`,
};

/** Dashboard sessions and rate-limit counters (migration 7). */
const accessSql = {
  deleteExpiredSessions: 'DELETE FROM admin_sessions WHERE expires_at <= $1::timestamptz',
  insertSession: 'INSERT INTO admin_sessions (token_hash, created_at, expires_at) VALUES ($1, $2::timestamptz, $3::timestamptz)',
  session: 'SELECT token_hash, created_at, expires_at FROM admin_sessions WHERE token_hash = $1 AND expires_at > $2::timestamptz',
  deleteSession: 'DELETE FROM admin_sessions WHERE token_hash = $1',
  deleteSessions: 'DELETE FROM admin_sessions',
  hit: rateLimitHitSql((name) => (name === 'key' ? '$1' : name === 'now' ? '$2::timestamptz' : '$3::timestamptz')),
  prune: 'DELETE FROM rate_limits WHERE reset_at <= $1::timestamptz',
};

/** pg's moderation row: timestamps as Dates. */
type PgModerationRow = Omit<ModerationRow, 'created_at' | 'updated_at'> & { created_at: Date; updated_at: Date | null };

/** Thrown inside a transaction to roll it back and answer `result` instead. */
class Abort {
  constructor(readonly result: CreateResult) {}
}

const named = (name: string, text: string, values: unknown[]): QueryConfig => ({ name: `colloquy_${name}`, text, values });

/**
 * The store for larger sites: PostgreSQL through a `pg` pool. Any number of server processes
 * may share one database:
 * - `migrate()` runs in one transaction holding an advisory lock, so concurrent starts apply each
 *   migration once;
 * - the idempotency key is UNIQUE and inserted with ON CONFLICT DO NOTHING: of two concurrent
 *   requests with one key, one creates, the other reads the winner back (replayed or conflict);
 * - replies and deletes lock the parent row, so a reply never ends up under a removed comment.
 * Deleting the last reply of a placeholder also removes the placeholder (and so on up the chain).
 */
export function createPostgresStore({ connectionString, schema = 'public', poolSize = 10 }: PostgresStoreOptions): CommentStore {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`[colloquy] schema must be lowercase letters, digits and underscores, got ${JSON.stringify(schema)}`);
  }
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    // Every connection resolves table names in our schema, without an extra round trip.
    options: `-c search_path=${schema}`,
    // A database that is down fails the request instead of queueing it forever.
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection the server dropped is discarded by the pool; without a listener it would crash the process.
  pool.on('error', () => {});
  let closed = false;

  async function transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      // A connection that could not roll back is in an unknown state: destroy it, don't reuse it.
      client.release(broken);
    }
  }

  return {
    engine: 'postgres',
    async migrate() {
      await transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`colloquy:migrate:${schema}`]);
        if (schema !== 'public') await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
        const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
        const applied = new Set(rows.map((row) => row.version));
        for (const [index, migration] of migrations.postgres.entries()) {
          if (applied.has(index + 1)) continue;
          await client.query(migration);
          await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [index + 1]);
        }
      });
    },

    async ping() {
      await pool.query('SELECT 1');
    },

    async createComment(raw) {
      const input = normalizeInput(raw);
      try {
        const created = await transaction(async (client) => {
          if (input.idempotencyKey !== null) {
            const { rows } = await client.query<PgCommentRow & { request_hash: string | null }>(named('by_key', sql.byKey, [input.idempotencyKey]));
            const existing = rows[0];
            if (existing) throw new Abort(replayOrConflict({ ...existing, ...toRow(existing) }, input.requestHash));
          }
          if (input.parentId !== null) {
            const { rows } = await client.query<{ thread_id: string }>(named('parent_thread', sql.parentThread, [input.parentId]));
            if (rows[0]?.thread_id !== input.threadId) throw new Abort({ kind: 'parent-not-found' });
          }
          await client.query(named('insert_thread', sql.insertThread, [input.threadId, input.threadTitle, input.pageUrl, input.createdAt]));
          if (input.threadTitle !== null || input.pageUrl !== null) {
            await client.query(named('update_thread', sql.updateThread, [input.threadId, input.threadTitle, input.pageUrl]));
          }
          const { rows } = await client.query<PgCommentRow>(
            named('insert_comment', sql.insertComment, [
              input.id,
              input.threadId,
              input.parentId,
              input.body,
              input.authorName,
              input.authorEmail,
              input.authorUrl,
              input.avatarSeed,
              input.createdAt,
              input.editTokenHash,
              input.idempotencyKey,
              input.requestHash,
              input.status,
              input.bodyFingerprint,
              input.isOwner,
            ]),
          );
          const row = rows[0];
          // No row: a concurrent request with the same key committed first. Undo the thread upsert and ask who won.
          if (!row) throw new Abort({ kind: 'conflict' });
          const job = creationJob(raw);
          if (job !== null) await client.query(named('enqueue', mailSql.enqueue, ['job', [job], input.createdAt]));
          return row;
        });
        return { kind: 'created', comment: pgComment(created) };
      } catch (error) {
        if (!(error instanceof Abort)) throw error;
        if (error.result.kind !== 'conflict' || input.idempotencyKey === null) return error.result;
        const { rows } = await pool.query<PgCommentRow & { request_hash: string | null }>(named('by_key', sql.byKey, [input.idempotencyKey]));
        const winner = rows[0];
        // The winner may have been deleted since; the key is then free, but this request lost its race: a conflict.
        return winner ? replayOrConflict({ ...winner, ...toRow(winner) }, input.requestHash) : { kind: 'conflict' };
      }
    },

    async listComments({ threadId, limit, sort, cursor }: ListOptions) {
      checkLimit(limit);
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      // One row more than asked tells whether another page follows, without counting.
      const query = after
        ? named(`page_${sort}_after`, sort === 'oldest' ? sql.page.oldestAfter : sql.page.newestAfter, [threadId, after.createdAt, after.id, limit + 1])
        : named(`page_${sort}`, sort === 'oldest' ? sql.page.oldest : sql.page.newest, [threadId, limit + 1]);
      const { rows } = await pool.query<PgCommentRow>(query);
      return pageOf(rows.map(pgComment), limit);
    },

    async getThread(threadId): Promise<ThreadSummary | null> {
      const { rows } = await pool.query<ThreadSummary>(named('thread', sql.thread, [threadId]));
      const row = rows[0];
      return row ? { id: row.id, title: row.title, count: row.count } : null;
    },

    async countComments(threadIds) {
      const counts = new Map(threadIds.map((id) => [id, 0]));
      if (counts.size === 0) return {};
      const { rows } = await pool.query<{ thread_id: string; count: number }>(named('counts', sql.counts, [[...counts.keys()]]));
      for (const row of rows) counts.set(row.thread_id, row.count);
      return Object.fromEntries(counts);
    },

    async getEditable(id): Promise<EditableComment | null> {
      const { rows } = await pool.query<PgCommentRow & { edit_token_hash: string }>(named('editable', sql.editable, [id]));
      const row = rows[0];
      return row ? { comment: pgComment(row), editTokenHash: row.edit_token_hash } : null;
    },

    async updateBody(id, body, updatedAt, status) {
      const { rows } = await pool.query<PgCommentRow>(named('update_body', sql.updateBody, [id, body, toIsoMillis(updatedAt, 'updatedAt'), status ?? null]));
      const row = rows[0];
      return row ? pgComment(row) : null;
    },

    async hasApprovedComment(email) {
      if (email === '') return false;
      return (await pool.query(named('approved_email', sql.approvedEmail, [email]))).rows.length > 0;
    },

    async hasRecentDuplicate({ threadId, bodyFingerprint, since }) {
      const { rows } = await pool.query(named('duplicate', sql.duplicate, [threadId, bodyFingerprint, toIsoMillis(since, 'since')]));
      return rows.length > 0;
    },

    async initSetting(key, value) {
      // Two statements, not one: under READ COMMITTED the SELECT sees a row a concurrent process committed
      // after this INSERT's snapshot, which a single INSERT … RETURNING / UNION would not.
      await pool.query(named('insert_setting', sql.insertSetting, [key, value]));
      const { rows } = await pool.query<{ value: string }>(named('setting', sql.setting, [key]));
      if (!rows[0]) throw new Error(`[colloquy] the setting ${key} was not stored`);
      return rows[0].value;
    },

    async deleteComment(id) {
      return transaction(async (client) => {
        type Target = { parent_id: string | null; status: string };
        const target = (await client.query<Target>(named('delete_target', sql.deleteTarget, [id]))).rows[0];
        if (!target) return 'not-found';
        const hasReplies = async (commentId: string) => (await client.query(named('has_replies', sql.hasReplies, [commentId]))).rows.length > 0;
        if (await hasReplies(id)) {
          await client.query(named('to_placeholder', sql.toPlaceholder, [id]));
          return 'placeholder';
        }
        await client.query(named('remove', sql.remove, [id]));
        // A placeholder only exists for its replies: once the last one is gone, so is it.
        let parentId = target.parent_id;
        while (parentId !== null) {
          const parent = (await client.query<Target>(named('delete_target', sql.deleteTarget, [parentId]))).rows[0];
          if (!parent || parent.status !== 'deleted' || (await hasReplies(parentId))) break;
          await client.query(named('remove', sql.remove, [parentId]));
          parentId = parent.parent_id;
        }
        return 'removed';
      });
    },

    async listRecentApproved({ threadId, limit }) {
      checkLimit(limit);
      const query = threadId === undefined ? named('recent', sql.recent, [limit]) : named('recent_of_thread', sql.recentOfThread, [threadId, limit]);
      const { rows } = await pool.query<PgCommentRow & { thread_title: string | null; thread_url: string | null }>(query);
      return rows.map((row) => toRecentComment({ ...toRow(row), thread_title: row.thread_title, thread_url: row.thread_url }));
    },

    async listForModeration({ status, threadId, q, before, limit }) {
      checkLimit(limit);
      if (status !== undefined) checkStatus(status);
      const search = q === undefined || q === '' ? undefined : searchPattern(q);
      const filters = { status: status !== undefined, thread: threadId !== undefined, search: search !== undefined, before: before !== undefined };
      const given: Record<string, unknown> = {
        status,
        thread: threadId,
        search,
        createdAt: before && toIsoMillis(before.createdAt, 'before'),
        id: before?.id,
        limit,
      };
      // Each name gets one $n, however often the SQL uses it.
      const numbers = new Map<string, number>();
      const values: unknown[] = [];
      const text = moderationSql(filters, (name) => {
        let n = numbers.get(name);
        if (n === undefined) {
          values.push(given[name]);
          numbers.set(name, (n = values.length));
        }
        return `$${n}${name === 'createdAt' ? '::timestamptz' : ''}`;
      });
      const variant = Object.values(filters).map(Number).join('');
      const { rows } = await pool.query<PgModerationRow>(named(`moderation_${variant}`, text, values));
      return rows.map((row) => toModerationEntry({ ...row, created_at: row.created_at.toISOString(), updated_at: row.updated_at?.toISOString() ?? null }));
    },

    async setStatus(ids, status, options) {
      checkStatus(status);
      const notifyAt = options?.notifyFollowersAt === undefined ? null : toIsoMillis(options.notifyFollowersAt, 'notifyFollowersAt');
      const changes: StatusChange[] = [];
      for (const id of ids) {
        if (status === 'deleted') {
          const previous = (await pool.query<{ status: ModerationStatus }>('SELECT status FROM comments WHERE id = $1', [id])).rows[0]?.status;
          if (previous === undefined) changes.push({ id, outcome: 'not-found' });
          else if (previous === 'deleted') changes.push({ id, outcome: 'unchanged', previous });
          else {
            const outcome = await this.deleteComment(id);
            changes.push(outcome === 'not-found' ? { id, outcome } : { id, outcome, previous });
          }
          continue;
        }
        changes.push(
          await transaction(async (client): Promise<StatusChange> => {
            const previous = (await client.query<{ status: ModerationStatus }>(named('status_of', sql.statusOf, [id]))).rows[0]?.status;
            if (previous === undefined || previous === 'deleted') return { id, outcome: 'not-found' };
            if (previous === status) return { id, outcome: 'unchanged', previous };
            await client.query(named('set_status', sql.setStatus, [id, status]));
            if (status === 'approved' && notifyAt !== null) await client.query(named('enqueue', mailSql.enqueue, ['job', [approvalJob(id)], notifyAt]));
            return { id, outcome: 'changed', previous };
          }),
        );
      }
      return changes;
    },

    async countByStatus() {
      const { rows } = await pool.query<{ status: string; count: number }>(named('status_counts', sql.statusCounts, []));
      return statusCounts(rows);
    },
    async claimOutbox(now, leaseUntil, limit): Promise<OutboxItem[]> {
      const { rows } = await pool.query<Omit<OutboxItem, 'id'> & { id: string }>(mailSql.claim, [
        toIsoMillis(now, 'now'),
        toIsoMillis(leaseUntil, 'leaseUntil'),
        limit,
      ]);
      // bigserial arrives as a string; an outbox never holds 2^53 items.
      return rows.map((row) => ({ ...row, id: Number(row.id) }));
    },
    async finishOutbox(id, outcome) {
      if ('done' in outcome) await pool.query(mailSql.done, [id]);
      else await pool.query(mailSql.retry, [id, toIsoMillis(outcome.retryAt, 'retryAt'), outcome.error.slice(0, 1000)]);
    },
    async completeJob(id, { mails, at, confirmation }) {
      const due = toIsoMillis(at, 'at');
      await transaction(async (client) => {
        if (mails.length) await client.query(named('enqueue', mailSql.enqueue, ['mail', mails, due]));
        if (confirmation) await client.query(mailSql.confirmationSent, [confirmation.subscriptionId, confirmation.nonce, due]);
        await client.query(mailSql.done, [id]);
      });
    },
    async subscribe({ id, email, threadId, at, confirmationsSince }): Promise<Subscription> {
      const { rows } = await pool.query<{ id: string; confirmed: boolean; confirm_sent_at: Date | null; recent: number }>(mailSql.subscribe, [
        id,
        email.toLowerCase(),
        threadId,
        toIsoMillis(at, 'at'),
        toIsoMillis(confirmationsSince, 'confirmationsSince'),
      ]);
      const row = rows[0]!;
      return { id: row.id, confirmed: row.confirmed, confirmationSentAt: row.confirm_sent_at?.toISOString() ?? null, recentConfirmations: row.recent };
    },
    async confirmSubscription(id, nonce, at) {
      const { rowCount } = await pool.query(mailSql.confirm, [id, nonce, toIsoMillis(at, 'at')]);
      return (rowCount ?? 0) > 0;
    },
    async unsubscribe(id, at) {
      const { rowCount } = await pool.query(mailSql.unsubscribe, [id, toIsoMillis(at, 'at')]);
      return (rowCount ?? 0) > 0;
    },
    async listSubscribers(threadId) {
      const { rows } = await pool.query<{ id: string; email: string }>(mailSql.subscribers, [threadId]);
      return rows;
    },
    async getForNotification(id) {
      const { rows } = await pool.query<PgCommentRow & { author_email: string; thread_title: string | null; thread_url: string | null }>(
        mailSql.forNotification,
        [id],
      );
      const row = rows[0];
      return row ? { comment: pgComment(row), authorEmail: row.author_email, thread: { title: row.thread_title, url: row.thread_url } } : null;
    },
    async createAdminSession(session) {
      const createdAt = toIsoMillis(session.createdAt, 'createdAt');
      const expiresAt = toIsoMillis(session.expiresAt, 'expiresAt');
      await transaction(async (client) => {
        await client.query(named('delete_expired_sessions', accessSql.deleteExpiredSessions, [createdAt]));
        await client.query(named('insert_session', accessSql.insertSession, [session.tokenHash, createdAt, expiresAt]));
      });
    },
    async getAdminSession(tokenHash, now): Promise<AdminSession | null> {
      type Row = { token_hash: string; created_at: Date; expires_at: Date };
      const { rows } = await pool.query<Row>(named('session', accessSql.session, [tokenHash, toIsoMillis(now, 'now')]));
      const row = rows[0];
      return row ? { tokenHash: row.token_hash, createdAt: row.created_at.toISOString(), expiresAt: row.expires_at.toISOString() } : null;
    },
    async deleteAdminSession(tokenHash) {
      const { rowCount } = await pool.query(named('delete_session', accessSql.deleteSession, [tokenHash]));
      return (rowCount ?? 0) > 0;
    },
    async deleteAdminSessions() {
      const { rowCount } = await pool.query(accessSql.deleteSessions);
      return rowCount ?? 0;
    },
    async hitRateLimit(key, windowMs, now) {
      const window = rateLimitWindow(windowMs, now);
      const { rows } = await pool.query<{ count: number; reset_at: Date }>(named('rate_limit_hit', accessSql.hit, [key, window.now, window.resetAt]));
      const row = rows[0]!;
      return { count: row.count, resetAt: row.reset_at.toISOString() };
    },
    async pruneRateLimits(now) {
      const { rowCount } = await pool.query(accessSql.prune, [toIsoMillis(now, 'now')]);
      return rowCount ?? 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
