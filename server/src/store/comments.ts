/** Comments and threads: the rules of creating, listing, editing and deleting, once for both engines. */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { SortOrder } from 'colloquy/core';
import { decodeCursor, toIsoMillis } from './cursor';
import { prepare, slot, type Db, type Engine } from './engine';
import type { CommentStore } from './interfaces';
import { checkLimit, COMMENT_COLUMNS, creationJob, normalizeInput, pageOf, replayOrConflict, toComment, toRecentComment, type NormalizedInput } from './rows';
import type { CreateResult } from './types';

/** A status as SQL text, not a parameter: the partial indexes (and generic plans) only match a literal. */
export const status = (name: 'approved' | 'pending' | 'spam' | 'deleted') => sql.lit(name);

/** How many placeholders deep the check below looks for an approved reply. */
const PLACEHOLDER_DEPTH = 4;

/**
 * Whether the comment `parent` names has a visible reply: an approved one, or a placeholder that
 * itself has one. Each level is one correlated probe of comments_parent_status, answered from the
 * index alone (the form both engines plan well: as a recursive CTE joined to comments, SQLite scans
 * the table when its statistics say most comments have no parent). Edge case, by design: a placeholder whose only approved
 * descendant is more than PLACEHOLDER_DEPTH placeholders down is not listed; the reply is, and the
 * widget's rule for a reply whose parent is missing shows it.
 */
function hasVisibleReply(parent: string, depth: number): RawBuilder<unknown> {
  const alias = `r${depth}`;
  const reply = (name: string) => sql.ref(`${alias}.${name}`);
  const probe = (wanted: 'approved' | 'deleted', more: RawBuilder<unknown> = sql``) =>
    sql`(SELECT 1 FROM comments ${sql.raw(alias)} WHERE ${reply('parent_id')} = ${sql.ref(`${parent}.id`)} AND ${reply('status')} = ${status(wanted)}${more} LIMIT 1) IS NOT NULL`;
  // Two probes, each an equality on both index columns: an OR of statuses in one would scan instead.
  return depth < PLACEHOLDER_DEPTH ? sql`(${probe('approved')} OR ${probe('deleted', sql` AND ${hasVisibleReply(alias, depth + 1)}`)})` : probe('approved');
}

/**
 * Which comments the public sees: approved ones, and deleted ones kept as placeholders while a
 * reply under them is visible. A placeholder above held (pending, spam) replies only would show
 * "deleted" above nothing, and tell readers that held replies exist. The check is a scalar
 * subquery, not EXISTS: PostgreSQL may run an EXISTS inside an OR as a hashed subplan, which reads
 * every parent_id of the table; this form only runs for deleted rows.
 */
export const visible = (alias: string): Expression<SqlBool> =>
  sql<SqlBool>`(${sql.ref(`${alias}.status`)} = ${status('approved')} OR (${sql.ref(`${alias}.status`)} = ${status('deleted')} AND ${hasVisibleReply(alias, 1)}))`;

/** A page of a thread (keyset on (created_at, id)), compiled for `db`'s dialect, with slots thread, createdAt, id, limit. */
export function pageQuery(db: Db, sort: SortOrder, after: boolean) {
  const dir = sort === 'oldest' ? 'asc' : 'desc';
  return db
    .selectFrom('comments as c')
    .select(COMMENT_COLUMNS.map((column) => `c.${column}` as const))
    .where('c.thread_id', '=', slot<string>('thread'))
    .$if(after, (query) =>
      query.where(({ eb, refTuple, tuple }) =>
        eb(refTuple('c.created_at', 'c.id'), sort === 'oldest' ? '>' : '<', tuple(slot<string>('createdAt'), slot<string>('id'))),
      ),
    )
    .where(visible('c'))
    .orderBy('c.created_at', dir)
    .orderBy('c.id', dir)
    .limit(slot<number>('limit'));
}

/** Thrown inside a transaction to roll it back and answer `result` instead. */
class Abort {
  constructor(readonly result: CreateResult) {}
}

const byKey = (db: Db, key: string) =>
  db
    .selectFrom('comments')
    .select([...COMMENT_COLUMNS, 'request_hash'])
    .where('idempotency_key', '=', key)
    .executeTakeFirst();

/**
 * The delete rule, inside the caller's transaction: a comment with replies becomes a placeholder
 * (its text and author erased); one without is removed, and so is each placeholder above it left
 * without replies. On PostgreSQL each row is locked FOR UPDATE first: a concurrent reply locks its
 * parent FOR KEY SHARE, so the two wait for each other and no reply lands under a removed comment.
 */
export async function deleteIn(engine: Engine, tx: Db, id: string): Promise<'removed' | 'placeholder' | 'not-found'> {
  const target = (commentId: string) =>
    tx
      .selectFrom('comments')
      .select(['parent_id', 'status'])
      .where('id', '=', commentId)
      .$if(engine.rowLocks, (query) => query.forUpdate())
      .executeTakeFirst();
  const hasReplies = async (commentId: string) =>
    (await tx.selectFrom('comments').select(sql.lit(1).as('one')).where('parent_id', '=', commentId).limit(1).executeTakeFirst()) !== undefined;
  const remove = (commentId: string) => tx.deleteFrom('comments').where('id', '=', commentId).execute();

  const first = await target(id);
  if (!first) return 'not-found';
  if (await hasReplies(id)) {
    await tx
      .updateTable('comments')
      .set({ status: status('deleted'), body: '', author_name: '', author_email: '', author_url: null, avatar_seed: '' })
      .where('id', '=', id)
      .execute();
    return 'placeholder';
  }
  await remove(id);
  // A placeholder only exists for its replies: once the last one is gone, so is it.
  let parentId = first.parent_id;
  while (parentId !== null) {
    const parent = await target(parentId);
    if (!parent || parent.status !== 'deleted' || (await hasReplies(parentId))) break;
    await remove(parentId);
    parentId = parent.parent_id;
  }
  return 'removed';
}

export function createCommentStore(engine: Engine): CommentStore {
  const { db } = engine;
  const pages = {
    oldest: prepare(pageQuery(db, 'oldest', false)),
    newest: prepare(pageQuery(db, 'newest', false)),
    oldestAfter: prepare(pageQuery(db, 'oldest', true)),
    newestAfter: prepare(pageQuery(db, 'newest', true)),
  };
  // Asked with every page, so compiled once too.
  const thread = prepare(
    db
      .selectFrom('threads as t')
      .select(['t.id', 't.title'])
      .select((eb) =>
        eb
          .selectFrom('comments as c')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('c.thread_id', '=', 't.id')
          .where('c.status', '=', status('approved'))
          .as('count'),
      )
      .where('t.id', '=', slot<string>('thread')),
  );

  // Every POST runs these: compiled once, like the page queries, since building and compiling them
  // at each call cost about a third of SQLite's POST throughput.
  const existingByKey = prepare(
    db
      .selectFrom('comments')
      .select([...COMMENT_COLUMNS, 'request_hash'])
      .where('idempotency_key', '=', slot<string>('key')),
  );
  const parentThread = prepare(
    db
      .selectFrom('comments')
      .select('thread_id')
      .where('id', '=', slot<string>('id'))
      .$if(engine.rowLocks, (query) => query.forKeyShare()),
  );
  // DO NOTHING, not DO UPDATE: an upsert locks the thread row, which would serialize every comment on a thread.
  const insertThread = prepare(
    db
      .insertInto('threads')
      .values({ id: slot('id'), title: slot('title'), url: slot('url'), created_at: slot('createdAt') })
      .onConflict((conflict) => conflict.column('id').doNothing()),
  );
  // Any commenter sends a title and address, and feeds and mails show them: they only fill what is missing,
  // and the row is touched (so locked) only then. One variant for each of title, address, or both.
  const fillThread = (title: boolean, url: boolean) =>
    prepare(
      db
        .updateTable('threads')
        .set(({ fn, val }) => ({
          ...(title ? { title: fn.coalesce('title', val(slot<string>('title'))) } : {}),
          ...(url ? { url: fn.coalesce('url', val(slot<string>('url'))) } : {}),
        }))
        .where('id', '=', slot<string>('id'))
        .where((eb) => eb.or([...(title ? [eb('title', 'is', null)] : []), ...(url ? [eb('url', 'is', null)] : [])])),
    );
  const fillThreadVariants = { title: fillThread(true, false), url: fillThread(false, true), both: fillThread(true, true) };
  const insertComment = prepare(
    db
      .insertInto('comments')
      .values({
        id: slot('id'),
        thread_id: slot('threadId'),
        parent_id: slot('parentId'),
        body: slot('body'),
        author_name: slot('authorName'),
        author_email: slot('authorEmail'),
        author_url: slot('authorUrl'),
        avatar_seed: slot('avatarSeed'),
        status: slot('status'),
        created_at: slot('createdAt'),
        edit_token_hash: slot('editTokenHash'),
        idempotency_key: slot('idempotencyKey'),
        request_hash: slot('requestHash'),
        body_fingerprint: slot('bodyFingerprint'),
        is_owner: slot('isOwner'),
        user_id: slot('userId'),
        verified_by: slot('verifiedBy'),
      })
      .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
      .returning(COMMENT_COLUMNS),
  );
  const approvedEmail = prepare(approvedEmailQuery(db, slot('email')));
  const duplicate = prepare(duplicateQuery(db, slot('thread'), slot('fingerprint'), slot('since')));
  const enqueueJob = prepare(db.insertInto('mail_outbox').values({ kind: 'job', message: slot('message'), next_attempt_at: slot('at') }));

  async function insert(tx: Db, input: NormalizedInput, job: string | null) {
    if (input.idempotencyKey !== null) {
      const existing = (await existingByKey(tx, { key: input.idempotencyKey }))[0];
      if (existing) throw new Abort(replayOrConflict(existing, input.requestHash));
    }
    if (input.parentId !== null) {
      // KEY SHARE keeps the parent from being deleted until this reply commits (a delete takes FOR UPDATE).
      const parent = (await parentThread(tx, { id: input.parentId }))[0];
      if (parent?.thread_id !== input.threadId) throw new Abort({ kind: 'parent-not-found' });
    }
    await insertThread(tx, { id: input.threadId, title: input.threadTitle, url: input.pageUrl, createdAt: input.createdAt });
    const fill = input.threadTitle === null ? (input.pageUrl === null ? undefined : 'url') : input.pageUrl === null ? 'title' : 'both';
    if (fill) await fillThreadVariants[fill](tx, { id: input.threadId, title: input.threadTitle, url: input.pageUrl });
    const row = (await insertComment(tx, { ...input }))[0];
    // No row: a concurrent request with the same key committed first. Undo the thread upsert and ask who won.
    if (!row) throw new Abort({ kind: 'conflict' });
    if (job !== null) await enqueueJob(tx, { message: job, at: input.createdAt });
    return row;
  }

  return {
    async create(raw) {
      const input = normalizeInput(raw);
      try {
        const row = await engine.transaction((tx) => insert(tx, input, creationJob(raw)));
        return { kind: 'created', comment: toComment(row) };
      } catch (error) {
        if (!(error instanceof Abort)) throw error;
        if (error.result.kind !== 'conflict' || input.idempotencyKey === null) return error.result;
        const winner = await byKey(db, input.idempotencyKey);
        // The winner may have been deleted since; the key is then free, but this request lost its race: a conflict.
        return winner ? replayOrConflict(winner, input.requestHash) : { kind: 'conflict' };
      }
    },

    async list({ threadId, limit, sort, cursor }) {
      checkLimit(limit);
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const page = after ? (sort === 'oldest' ? pages.oldestAfter : pages.newestAfter) : sort === 'oldest' ? pages.oldest : pages.newest;
      // One row more than asked tells whether another page follows, without counting.
      const rows = await page(db, { thread: threadId, limit: limit + 1, ...after });
      return pageOf(rows.map(toComment), limit);
    },

    async getThread(threadId) {
      const row = (await thread(db, { thread: threadId }))[0];
      return row ? { id: row.id, title: row.title, count: Number(row.count ?? 0) } : null;
    },

    async count(threadIds) {
      if (threadIds.length === 0) return {};
      const counts = new Map(threadIds.map((id) => [id, 0]));
      const rows = await db
        .selectFrom('comments')
        .select(['thread_id', (eb) => eb.fn.countAll<number>().as('count')])
        .where(engine.inList('thread_id', [...counts.keys()]))
        .where('status', '=', status('approved'))
        .groupBy('thread_id')
        .execute();
      for (const row of rows) counts.set(row.thread_id, Number(row.count));
      return Object.fromEntries(counts);
    },

    async getEditable(id) {
      const row = await db
        .selectFrom('comments')
        .select([...COMMENT_COLUMNS, 'edit_token_hash'])
        .where('id', '=', id)
        .where('status', '<>', status('deleted'))
        .executeTakeFirst();
      return row ? { comment: toComment(row), editTokenHash: row.edit_token_hash } : null;
    },

    async updateBody(id, body, updatedAt, held) {
      const row = await db
        .updateTable('comments')
        .set({ body, updated_at: toIsoMillis(updatedAt, 'updatedAt'), ...(held === undefined ? {} : { status: held }) })
        .where('id', '=', id)
        .where('status', '<>', status('deleted'))
        .returning(COMMENT_COLUMNS)
        .executeTakeFirst();
      return row ? toComment(row) : null;
    },

    async hasApprovedComment(email) {
      if (email === '') return false;
      return (await approvedEmail(db, { email })).length > 0;
    },

    async hasRecentDuplicate({ threadId, bodyFingerprint, since }) {
      return (await duplicate(db, { thread: threadId, fingerprint: bodyFingerprint, since: toIsoMillis(since, 'since') })).length > 0;
    },

    async delete(id) {
      return engine.transaction((tx) => deleteIn(engine, tx, id));
    },

    async listRecentApproved({ threadId, limit }) {
      checkLimit(limit);
      const rows = await recentQuery(db, threadId, limit).execute();
      return rows.map(toRecentComment);
    },
  };
}

/** "Has this email an approved comment?" (the first-time policy), answered from the partial index comments_approved_email. */
export const approvedEmailQuery = (db: Db, email: string) =>
  db
    .selectFrom('comments')
    .select(sql.lit(1).as('one'))
    .where(sql`lower(author_email)`, '=', sql`lower(${email})`)
    .where('status', '=', status('approved'))
    .limit(1);

/** A comment of the thread, not deleted, posted since then with this body fingerprint: answered from comments_thread_fingerprint. */
export const duplicateQuery = (db: Db, threadId: string, fingerprint: string, since: string) =>
  db
    .selectFrom('comments')
    .select(sql.lit(1).as('one'))
    .where('thread_id', '=', threadId)
    .where('body_fingerprint', '=', fingerprint)
    .where('created_at', '>=', since)
    .where('status', '<>', status('deleted'))
    .limit(1);

/**
 * The newest approved comments, site-wide or of one thread, read backwards from an index so that a
 * feed costs about 50 index entries however large the site: `comments_status_created` site-wide,
 * the page index per thread. Per thread the status test is written `c.status || ''` so that no
 * engine can pick the status index instead and walk the whole site's comments to find one thread's.
 */
export const recentQuery = (db: Db, threadId: string | undefined, limit: number) =>
  db
    .selectFrom('comments as c')
    .innerJoin('threads as t', 't.id', 'c.thread_id')
    .select(COMMENT_COLUMNS.map((column) => `c.${column}` as const))
    .select(['t.title as thread_title', 't.url as thread_url'])
    .$if(threadId === undefined, (query) => query.where('c.status', '=', status('approved')))
    .$if(threadId !== undefined, (query) => query.where('c.thread_id', '=', threadId!).where(sql`c.status || ''`, '=', status('approved')))
    .orderBy('c.created_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(limit);
