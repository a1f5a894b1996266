/** Settings, dashboard sessions and rate-limit counters: small tables, one implementation for both engines. */
import { sql } from 'kysely';
import { toIsoMillis } from './cursor';
import type { Engine } from './engine';
import type { RateLimitStore, SessionStore, SettingsStore } from './interfaces';
import { rateLimitWindow } from './rows';

export function createSettingsStore({ db }: Engine): SettingsStore {
  return {
    async init(key, value) {
      // Two statements, not one: under READ COMMITTED the SELECT sees a row a concurrent process committed
      // after this INSERT's snapshot, which a single INSERT … RETURNING / UNION would not.
      await db
        .insertInto('settings')
        .values({ key, value })
        .onConflict((conflict) => conflict.column('key').doNothing())
        .execute();
      const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
      if (!row) throw new Error(`[colloquy] the setting ${key} was not stored`);
      return row.value;
    },
  };
}

export function createSessionStore(engine: Engine): SessionStore {
  const { db } = engine;
  return {
    async create(session) {
      const createdAt = toIsoMillis(session.createdAt, 'createdAt');
      const expiresAt = toIsoMillis(session.expiresAt, 'expiresAt');
      await engine.transaction(async (tx) => {
        await tx.deleteFrom('admin_sessions').where('expires_at', '<=', createdAt).execute();
        await tx.insertInto('admin_sessions').values({ token_hash: session.tokenHash, created_at: createdAt, expires_at: expiresAt }).execute();
      });
    },
    async get(tokenHash, now) {
      const row = await db
        .selectFrom('admin_sessions')
        .select(['token_hash', 'created_at', 'expires_at'])
        .where('token_hash', '=', tokenHash)
        .where('expires_at', '>', toIsoMillis(now, 'now'))
        .executeTakeFirst();
      return row ? { tokenHash: row.token_hash, createdAt: row.created_at, expiresAt: row.expires_at } : null;
    },
    async delete(tokenHash) {
      const result = await db.deleteFrom('admin_sessions').where('token_hash', '=', tokenHash).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
    async deleteAll() {
      const result = await db.deleteFrom('admin_sessions').executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export function createRateLimitStore({ db }: Engine): RateLimitStore {
  return {
    async hit(key, windowMs, at) {
      const { now, resetAt } = rateLimitWindow(windowMs, at);
      // One statement: the upsert's row lock orders concurrent hits on a key (in every process), and
      // each sees the count with its own hit. A window that has ended at `now` starts again with this hit.
      const running = sql<boolean>`rate_limits.reset_at > ${now}`;
      const row = await db
        .insertInto('rate_limits')
        .values({ key, count: 1, reset_at: resetAt })
        .onConflict((conflict) =>
          conflict.column('key').doUpdateSet({
            count: sql<number>`CASE WHEN ${running} THEN rate_limits.count + 1 ELSE 1 END`,
            reset_at: sql<string>`CASE WHEN ${running} THEN rate_limits.reset_at ELSE excluded.reset_at END`,
          }),
        )
        .returning(['count', 'reset_at'])
        .executeTakeFirstOrThrow();
      return { count: Number(row.count), resetAt: row.reset_at };
    },
    async prune(now) {
      const result = await db.deleteFrom('rate_limits').where('reset_at', '<=', toIsoMillis(now, 'now')).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
