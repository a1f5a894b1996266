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
      .select(['parent_id', 'status', 'thread_id'])
      .where('id', '=', commentId)
      .$if(engine.rowLocks, (query) => query.forUpdate())
      .executeTakeFirst();
  const hasReplies = async (commentId: string) =>
    (await tx.selectFrom('comments').select(sql.lit(1).as('one')).where('parent_id', '=', commentId).limit(1).executeTakeFirst()) !== undefined;
  const remove = (commentId: string) => tx.deleteFrom('comments').where('id', '=', commentId).execute();

  const first = await target(id);
  if (!first) return 'not-found';
  await engine.changed(tx, first.thread_id);
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
  const parentOf = prepare(
    db
      .selectFrom('comments')
      .select(['thread_id', 'status'])
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
  const fillThread = createThreadFiller(db);
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
        page_title: slot('threadTitle'),
        page_url: slot('pageUrl'),
        subscribe_author: slot('subscribeAuthor'),
        user_id: slot('userId'),
        verified_by: slot('verifiedBy'),
      })
      .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
      .returning(COMMENT_COLUMNS),
  );
  const approvedEmail = prepare(approvedEmailQuery(db, slot('email'), slot('except')));
  const duplicate = prepare(duplicateQuery(db, slot('thread'), slot('fingerprint'), slot('since'), slot('except')));
  const enqueueJob = prepare(db.insertInto('mail_outbox').values({ kind: 'job', message: slot('message'), next_attempt_at: slot('at') }));

  async function insert(tx: Db, input: NormalizedInput, job: string | null) {
    if (input.idempotencyKey !== null) {
      const existing = (await existingByKey(tx, { key: input.idempotencyKey }))[0];
      if (existing) throw new Abort(replayOrConflict(existing, input.requestHash));
    }
    if (input.parentId !== null) {
      // KEY SHARE keeps the parent from being deleted until this reply commits (a delete takes FOR UPDATE).
      const parent = (await parentOf(tx, { id: input.parentId }))[0];
      if (parent?.thread_id !== input.threadId) throw new Abort({ kind: 'parent-not-found' });
      // A placeholder stands only for the replies it has; spam is never shown, to be answered.
      if (parent.status === 'deleted' || parent.status === 'spam') throw new Abort({ kind: 'parent-unavailable', status: parent.status });
    }
    // Only a published comment names its thread: a held one's title and address wait for its approval.
    const published = input.status === 'approved';
    const meta = { id: input.threadId, title: published ? input.threadTitle : null, url: published ? input.pageUrl : null };
    await insertThread(tx, { ...meta, createdAt: input.createdAt });
    await fillThread(tx, meta);
    const row = (await insertComment(tx, { ...input }))[0];
    // No row: a concurrent request with the same key committed first. Undo the thread upsert and ask who won.
    if (!row) throw new Abort({ kind: 'conflict' });
    if (job !== null) await enqueueJob(tx, { message: job, at: input.createdAt });
    await engine.changed(tx, input.threadId);
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

    async updateBody(id, { body, bodyFingerprint, updatedAt, status: held }) {
      const changedAt = toIsoMillis(updatedAt, 'updatedAt');
      // A transaction so that the change is announced with its commit (a NOTIFY on PostgreSQL).
      const row = await engine.transaction(async (tx) => {
        const updated = await tx
          .updateTable('comments')
          .set((eb) => ({
            body,
            body_fingerprint: bodyFingerprint,
            updated_at: changedAt,
            // An approval names the revision it saw: one made before this edit no longer matches.
            revision: eb('revision', '+', 1),
            ...(held === undefined ? {} : { status: held }),
          }))
          .where('id', '=', id)
          .where('status', '<>', status('deleted'))
          .returning(COMMENT_COLUMNS)
          .executeTakeFirst();
        if (updated) await engine.changed(tx, updated.thread_id);
        return updated;
      });
      return row ? toComment(row) : null;
    },

    async hasApprovedComment(email, except = '') {
      if (email === '') return false;
      return (await approvedEmail(db, { email, except })).length > 0;
    },

    async hasRecentDuplicate({ threadId, bodyFingerprint, since, except = '' }) {
      return (await duplicate(db, { thread: threadId, fingerprint: bodyFingerprint, since: toIsoMillis(since, 'since'), except })).length > 0;
    },

    async delete(id) {
      return engine.transaction((tx) => deleteIn(engine, tx, id));
    },

    async listRecentApproved({ threadId, limit }) {
      checkLimit(limit);
      const rows = await recentQuery(db, threadId, limit).execute();
      return rows.map(toRecentComment);
    },

    async keyAvatarSeeds(key) {
      return engine.transaction(async (tx) => {
        // The mark first: a process starting alongside waits on it (or on SQLite's write lock), then finds it.
        const first = await tx
          .insertInto('settings')
          .values({ key: AVATAR_SEEDS_KEYED, value: 'hmac-sha256' })
          .onConflict((conflict) => conflict.column('key').doNothing())
          .returning('key')
          .executeTakeFirst();
        if (!first) return null;
        let changed = 0;
        // By id, a batch per statement: one CASE updates each batch's rows by primary key.
        for (let after = ''; ;) {
          const rows = await tx
            .selectFrom('comments')
            .select(['id', 'avatar_seed'])
            .where('id', '>', after)
            .where('avatar_seed', '<>', '')
            .orderBy('id')
            .limit(KEYING_BATCH)
            .execute();
          if (rows.length === 0) return changed;
          const seeds = sql.join(
            rows.map((row) => sql`WHEN ${row.id} THEN ${key(row.avatar_seed)}`),
            sql` `,
          );
          await tx
            .updateTable('comments')
            .set({ avatar_seed: sql<string>`CASE id ${seeds} END` })
            .where(
              'id',
              'in',
              rows.map((row) => row.id),
            )
            .execute();
          changed += rows.length;
          after = rows.at(-1)!.id;
        }
      });
    },
  };
}

/** The setting that records that stored avatar seeds were keyed with the site's secret. */
const AVATAR_SEEDS_KEYED = 'avatar-seeds-keyed';
/** Comments keyed per statement: well within either engine's limit on parameters. */
const KEYING_BATCH = 500;

/**
 * Gives a thread the title and page address a published comment's page sent, where it has none.
 * Any commenter sends them, and feeds and mails show them: they only fill what is missing, and the
 * row is touched (so locked) only then. Compiled once per variant (title, address, or both).
 */
export function createThreadFiller(db: Db): (tx: Db, thread: { id: string; title: string | null; url: string | null }) => Promise<void> {
  const variant = (title: boolean, url: boolean) =>
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
  const variants = { title: variant(true, false), url: variant(false, true), both: variant(true, true) };
  return async (tx, thread) => {
    const fill = thread.title === null ? (thread.url === null ? undefined : 'url') : thread.url === null ? 'title' : 'both';
    if (fill) await variants[fill](tx, thread);
  };
}

/**
 * "Has this email an approved comment, `except` that one?" (the first-time policy), answered from the
 * partial index comments_approved_email. No comment has the id '' (ids are never empty): except none.
 */
export const approvedEmailQuery = (db: Db, email: string, except = '') =>
  db
    .selectFrom('comments')
    .select(sql.lit(1).as('one'))
    .where(sql`lower(author_email)`, '=', sql`lower(${email})`)
    .where('status', '=', status('approved'))
    .where('id', '<>', except)
    .limit(1);

/** Another comment of the thread than `except`, not deleted, posted since then with this body fingerprint: answered from comments_thread_fingerprint. */
export const duplicateQuery = (db: Db, threadId: string, fingerprint: string, since: string, except = '') =>
  db
    .selectFrom('comments')
    .select(sql.lit(1).as('one'))
    .where('thread_id', '=', threadId)
    .where('body_fingerprint', '=', fingerprint)
    .where('created_at', '>=', since)
    .where('status', '<>', status('deleted'))
    .where('id', '<>', except)
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
