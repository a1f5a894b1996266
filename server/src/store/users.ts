/** Readers who sign in, and their sessions: the rules once for both engines. */
import { sql } from 'kysely';
import { deleteIn, status } from './comments';
import { toIsoMillis } from './cursor';
import type { Db, Engine, Tables } from './engine';
import type { EmailSignInStore, ReaderSessionStore, UserStore } from './interfaces';
import { checkLimit, COMMENT_COLUMNS, searchPattern, toComment } from './rows';
import type { ReaderSession, User } from './types';

/** The name an account's comments keep once it is deleted with "keep my comments". */
export const DELETED_USER_NAME = 'Deleted user';

const USER_COLUMNS = ['id', 'provider', 'subject', 'name', 'email', 'avatar_url', 'blocked_at', 'created_at', 'updated_at'] as const;

type UserRow = Pick<Tables['users'], (typeof USER_COLUMNS)[number]>;

const toUser = (row: UserRow): User => ({
  id: row.id,
  provider: row.provider,
  subject: row.subject,
  name: row.name,
  email: row.email,
  avatarUrl: row.avatar_url,
  blockedAt: row.blocked_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const byId = (db: Db, id: string) => db.selectFrom('users').select(USER_COLUMNS).where('id', '=', id);

export function createUserStore(engine: Engine): UserStore {
  const { db } = engine;
  return {
    async signIn(identity, id, at) {
      const now = toIsoMillis(at, 'at');
      const row = await db
        .insertInto('users')
        .values({
          id,
          provider: identity.provider,
          subject: identity.subject,
          name: identity.name,
          email: identity.email,
          avatar_url: identity.avatarUrl ?? null,
          created_at: now,
          updated_at: now,
        })
        // The provider's word is the newest: a renamed account shows its new name on its next comment.
        .onConflict((conflict) =>
          conflict.columns(['provider', 'subject']).doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'),
            email: eb.ref('excluded.email'),
            avatar_url: eb.ref('excluded.avatar_url'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .returning(USER_COLUMNS)
        .executeTakeFirstOrThrow();
      return toUser(row);
    },

    async get(id) {
      const row = await byId(db, id).executeTakeFirst();
      return row ? toUser(row) : null;
    },

    async list({ q, blocked, before, limit }) {
      checkLimit(limit);
      const search = q === undefined || q === '' ? undefined : searchPattern(q);
      const rows = await db
        .selectFrom('users')
        .select(USER_COLUMNS)
        .$if(blocked !== undefined, (query) => query.where('blocked_at', blocked ? 'is not' : 'is', null))
        .$if(search !== undefined, (query) =>
          query.where((eb) =>
            eb.or((['name', 'email', 'subject'] as const).map((column) => sql<boolean>`lower(${sql.ref(column)}) LIKE ${search} ESCAPE '\\'`)),
          ),
        )
        .$if(before !== undefined, (query) =>
          query.where(({ eb, refTuple, tuple }) => eb(refTuple('created_at', 'id'), '<', tuple(toIsoMillis(before!.createdAt, 'before'), before!.id))),
        )
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toUser);
    },

    setBlocked: (id, blocked, at) =>
      engine.transaction(async (tx) => {
        const row = await tx
          .updateTable('users')
          // Blocking again keeps the first date: the owner sees since when.
          .set((eb) => ({ blocked_at: blocked ? eb.fn.coalesce('blocked_at', eb.val(toIsoMillis(at, 'at'))) : null }))
          .where('id', '=', id)
          .returning(USER_COLUMNS)
          .executeTakeFirst();
        if (!row) return null;
        if (blocked) await tx.deleteFrom('reader_sessions').where('user_id', '=', id).execute();
        return toUser(row);
      }),

    async hasApprovedComment(userId, except) {
      const row = await db
        .selectFrom('comments')
        .select(sql.lit(1).as('one'))
        .where('user_id', '=', userId)
        .where('status', '=', status('approved'))
        .$if(except !== undefined, (query) => query.where('id', '<>', except!))
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },

    async exportData(id) {
      const user = await byId(db, id).executeTakeFirst();
      if (!user) return null;
      const rows = await db
        .selectFrom('comments as c')
        .innerJoin('threads as t', 't.id', 'c.thread_id')
        .select(COMMENT_COLUMNS.map((column) => `c.${column}` as const))
        .select(['t.title as thread_title', 't.url as thread_url'])
        .where('c.user_id', '=', id)
        .where('c.status', '<>', status('deleted'))
        .orderBy('c.created_at')
        .orderBy('c.id')
        .execute();
      return {
        user: toUser(user),
        comments: rows.map((row) => ({ comment: toComment(row), thread: { id: row.thread_id, title: row.thread_title, url: row.thread_url } })),
      };
    },

    delete: (id, comments) =>
      engine.transaction(async (tx) => {
        const user = await tx
          .selectFrom('users')
          .select(['id', 'email'])
          .where('id', '=', id)
          .$if(engine.rowLocks, (query) => query.forUpdate())
          .executeTakeFirst();
        if (!user) return false;
        if (comments === 'delete') {
          // Newest first: a reply of theirs goes before the comment it answers, which then has no reply to keep it as a placeholder.
          const own = await tx
            .selectFrom('comments')
            .select('id')
            .where('user_id', '=', id)
            .where('status', '<>', status('deleted'))
            .orderBy('created_at', 'desc')
            .orderBy('id', 'desc')
            .execute();
          for (const { id: commentId } of own) await deleteIn(engine, tx, commentId);
        }
        // What is left of theirs (anonymised comments, placeholders) keeps nothing that names them; read caches hear of each thread.
        const threads = await tx.selectFrom('comments').select('thread_id').distinct().where('user_id', '=', id).execute();
        for (const { thread_id } of threads) await engine.changed(tx, thread_id);
        await tx
          .updateTable('comments')
          .set((eb) => ({
            author_name: eb.case().when('status', '=', status('deleted')).then('').else(DELETED_USER_NAME).end(),
            author_email: '',
            author_url: null,
            avatar_seed: '',
            user_id: null,
            verified_by: null,
          }))
          .where('user_id', '=', id)
          .execute();
        if (user.email !== '') {
          await tx.deleteFrom('subscriptions').where('email', '=', user.email.toLowerCase()).execute();
          await tx.deleteFrom('email_sign_ins').where('email', '=', user.email).execute();
        }
        await tx.deleteFrom('reader_sessions').where('user_id', '=', id).execute();
        await tx.deleteFrom('users').where('id', '=', id).execute();
        return true;
      }),
  };
}

export function createReaderSessionStore(engine: Engine): ReaderSessionStore {
  const { db } = engine;
  const insert = (tx: Db, session: ReaderSession) =>
    tx
      .insertInto('reader_sessions')
      .values({
        token_hash: session.tokenHash,
        user_id: session.userId,
        created_at: toIsoMillis(session.createdAt, 'createdAt'),
        expires_at: toIsoMillis(session.expiresAt, 'expiresAt'),
      })
      .execute();
  return {
    create: (session) =>
      engine.transaction(async (tx) => {
        await tx.deleteFrom('reader_sessions').where('expires_at', '<=', toIsoMillis(session.createdAt, 'createdAt')).execute();
        await insert(tx, session);
      }),

    async get(tokenHash, now) {
      const row = await db
        .selectFrom('reader_sessions as s')
        .innerJoin('users as u', 'u.id', 's.user_id')
        .select(USER_COLUMNS.map((column) => `u.${column}` as const))
        .select(['s.token_hash', 's.created_at as session_created_at', 's.expires_at'])
        .where('s.token_hash', '=', tokenHash)
        .where('s.expires_at', '>', toIsoMillis(now, 'now'))
        .executeTakeFirst();
      if (!row) return null;
      return {
        session: { tokenHash: row.token_hash, userId: row.id, createdAt: row.session_created_at, expiresAt: row.expires_at },
        user: toUser(row),
      };
    },

    rotate: (tokenHash, next, oldUntil) =>
      engine.transaction(async (tx) => {
        const until = toIsoMillis(oldUntil, 'oldUntil');
        const old = await tx
          .updateTable('reader_sessions')
          .set((eb) => ({ expires_at: eb.case().when('expires_at', '<', until).then(eb.ref('expires_at')).else(until).end() }))
          .where('token_hash', '=', tokenHash)
          .where('user_id', '=', next.userId)
          .returning('token_hash')
          .executeTakeFirst();
        if (!old) return false;
        await insert(tx, next);
        return true;
      }),

    async delete(tokenHash) {
      const result = await db.deleteFrom('reader_sessions').where('token_hash', '=', tokenHash).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async deleteForUser(userId) {
      const result = await db.deleteFrom('reader_sessions').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export function createEmailSignInStore(engine: Engine): EmailSignInStore {
  return {
    create: (link, mail) =>
      engine.transaction(async (tx) => {
        const createdAt = toIsoMillis(link.createdAt, 'createdAt');
        await tx.deleteFrom('email_sign_ins').where('expires_at', '<=', createdAt).execute();
        await tx
          .insertInto('email_sign_ins')
          .values({
            token_hash: link.tokenHash,
            email: link.email,
            name: link.name,
            return_to: link.returnTo,
            created_at: createdAt,
            expires_at: toIsoMillis(link.expiresAt, 'expiresAt'),
          })
          .execute();
        await tx.insertInto('mail_outbox').values({ kind: 'mail', message: mail, next_attempt_at: createdAt }).execute();
      }),

    async consume(tokenHash, now) {
      // One statement: of two clicks racing, one gets the row and the other nothing.
      const row = await engine.db
        .deleteFrom('email_sign_ins')
        .where('token_hash', '=', tokenHash)
        .where('expires_at', '>', toIsoMillis(now, 'now'))
        .returning(['email', 'name', 'return_to'])
        .executeTakeFirst();
      return row ? { email: row.email, name: row.name, returnTo: row.return_to } : null;
    },
  };
}
