/** The owner's side: status changes (with their rules) and the reads that include emails. */
import { sql } from 'kysely';
import { createThreadFiller, deleteIn, status } from './comments';
import { toIsoMillis } from './cursor';
import type { Engine } from './engine';
import type { ModerationStore } from './interfaces';
import { approvalJob, checkLimit, checkStatus, COMMENT_COLUMNS, searchPattern, statusCounts, toComment, toModerationEntry } from './rows';
import type { ModerationStatus, SettableStatus, StatusChange, ThreadInfo } from './types';

export function createModerationStore(engine: Engine): ModerationStore {
  const { db } = engine;
  const fillThread = createThreadFiller(db);
  const getThread = async (threadId: string): Promise<ThreadInfo | null> =>
    (await db.selectFrom('threads').select(['id', 'title', 'url']).where('id', '=', threadId).executeTakeFirst()) ?? null;

  /**
   * One id's change, in its own transaction: the status and revision read (FOR UPDATE on PostgreSQL,
   * so another moderator's change or an author's edit waits), the change it decides (the delete rule
   * included), and an approval's naming of the thread and notification job commit together or not at all.
   */
  const change = (id: string, next: SettableStatus, notifyAt: string | null, seen: number | undefined) =>
    engine.transaction(async (tx): Promise<StatusChange> => {
      const row = await tx
        .selectFrom('comments')
        .select(['status', 'revision', 'thread_id', 'page_title', 'page_url', 'subscribe_author'])
        .where('id', '=', id)
        .$if(engine.rowLocks, (query) => query.forUpdate())
        .executeTakeFirst();
      if (!row) return { id, outcome: 'not-found' };
      const previous = row.status as ModerationStatus;
      // A deleted comment is gone for good: only a delete still finds it (and leaves it as it is).
      if (previous === 'deleted' && next !== 'deleted') return { id, outcome: 'not-found' };
      if (previous === next) return { id, outcome: 'unchanged', previous };
      const revision = Number(row!.revision);
      if (seen !== undefined && seen !== revision) return { id, outcome: 'stale', previous, revision };
      if (next === 'deleted') {
        const outcome = await deleteIn(engine, tx, id);
        return outcome === 'not-found' ? { id, outcome } : { id, outcome, previous };
      }
      await engine.changed(tx, row.thread_id);
      if (next !== 'approved') {
        await tx.updateTable('comments').set({ status: next }).where('id', '=', id).execute();
        return { id, outcome: 'changed', previous };
      }
      // Published now: its page names the thread if nothing has, and its author's wish to follow is acted on, once.
      await tx.updateTable('comments').set({ status: next, subscribe_author: 0 }).where('id', '=', id).execute();
      await fillThread(tx, { id: row.thread_id, title: row.page_title, url: row.page_url });
      // Its thread's followers hear of it, once.
      if (notifyAt !== null) {
        await tx
          .insertInto('mail_outbox')
          .values({ kind: 'job', message: approvalJob(id, row.subscribe_author === 1), next_attempt_at: notifyAt })
          .execute();
      }
      return { id, outcome: 'changed', previous };
    });

  return {
    async list({ status: only, threadId, q, before, limit }) {
      checkLimit(limit);
      if (only !== undefined) checkStatus(only);
      const search = q === undefined || q === '' ? undefined : searchPattern(q);
      // A filter that is not given is left out, so each variant can use its index.
      const rows = await db
        .selectFrom('comments as c')
        .innerJoin('threads as t', 't.id', 'c.thread_id')
        .select([
          'c.id',
          'c.thread_id',
          't.title as thread_title',
          't.url as thread_url',
          'c.page_title',
          'c.page_url',
          'c.parent_id',
          'c.status',
          'c.body',
          'c.author_name',
          'c.author_email',
          'c.author_url',
          'c.avatar_seed',
          'c.created_at',
          'c.updated_at',
          'c.revision',
          'c.is_owner',
          'c.user_id',
          'c.verified_by',
        ])
        .$if(only !== undefined, (query) => query.where('c.status', '=', only!))
        .$if(threadId !== undefined, (query) => query.where('c.thread_id', '=', threadId!))
        .$if(search !== undefined, (query) =>
          query.where((eb) =>
            eb.or((['c.body', 'c.author_name', 'c.author_email'] as const).map((column) => sql<boolean>`lower(${sql.ref(column)}) LIKE ${search} ESCAPE '\\'`)),
          ),
        )
        .$if(before !== undefined, (query) =>
          query.where(({ eb, refTuple, tuple }) => eb(refTuple('c.created_at', 'c.id'), '<', tuple(toIsoMillis(before!.createdAt, 'before'), before!.id))),
        )
        .orderBy('c.created_at', 'desc')
        .orderBy('c.id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toModerationEntry);
    },

    async setStatus(ids, next, options) {
      checkStatus(next);
      const notifyAt = options?.notifyFollowersAt === undefined ? null : toIsoMillis(options.notifyFollowersAt, 'notifyFollowersAt');
      const changes: StatusChange[] = [];
      for (const id of ids) changes.push(await change(id, next, notifyAt, options?.revisions?.get(id)));
      return changes;
    },

    async countByStatus() {
      const rows = await db
        .selectFrom('comments')
        .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
        .groupBy('status')
        .execute();
      return statusCounts(rows);
    },

    getThread,

    async updateThread(threadId, { title, url }) {
      if (title === undefined && url === undefined) return getThread(threadId);
      // A transaction so that the change is announced with its commit: pages and feeds show the title.
      const row = await engine.transaction(async (tx) => {
        const updated = await tx
          .updateTable('threads')
          .set({ ...(title === undefined ? {} : { title }), ...(url === undefined ? {} : { url }) })
          .where('id', '=', threadId)
          .returning(['id', 'title', 'url'])
          .executeTakeFirst();
        if (updated) await engine.changed(tx, threadId);
        return updated;
      });
      return row ?? null;
    },

    async getForNotification(id) {
      const row = await db
        .selectFrom('comments as c')
        .innerJoin('threads as t', 't.id', 'c.thread_id')
        .select(COMMENT_COLUMNS.map((column) => `c.${column}` as const))
        .select(['c.revision', 'c.author_email', 't.title as thread_title', 't.url as thread_url', 'c.page_title', 'c.page_url'])
        .where('c.id', '=', id)
        .where('c.status', '<>', status('deleted'))
        .executeTakeFirst();
      return row
        ? {
            comment: toComment(row),
            revision: Number(row.revision),
            authorEmail: row.author_email,
            thread: { title: row.thread_title, url: row.thread_url },
            page: { title: row.page_title, url: row.page_url },
          }
        : null;
    },
  };
}
