import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations';
import { createStoreDatabase, selectedStores, type StoreDatabase, type StoreKind } from './stores';

/*
 * A database made by an earlier release keeps what it holds when a new migration runs: here,
 * version 6, which moved double opt-in from addresses to subscriptions and gave the outbox kinds.
 */

const migrationsTable: Record<StoreKind, string> = {
  sqlite: 'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT',
  postgres: 'CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
};

/** Brings a fresh database to `version` the way that release's store did, statement by statement. */
async function migrateTo(database: StoreDatabase, version: number) {
  if (database.path) mkdirSync(dirname(database.path), { recursive: true });
  if (database.schema) await database.query(`CREATE SCHEMA ${database.schema}`);
  await database.query(migrationsTable[database.kind]);
  for (const [index, sql] of migrations[database.kind].slice(0, version).entries()) {
    for (const statement of sql
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean))
      await database.query(statement);
    await database.query('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [index + 1, new Date().toISOString()]);
  }
}

for (const kind of selectedStores()) {
  describe(`upgrading a ${kind} database`, () => {
    it('keeps confirmed followers confirmed, others unconfirmed, and queued mails queued, through version 6', async () => {
      const database = await createStoreDatabase(kind);
      try {
        await migrateTo(database, 5);
        const at = '2024-01-01T12:00:00.000Z';
        await database.query('INSERT INTO subscriptions (id, email, thread_id, created_at) VALUES (?, ?, ?, ?), (?, ?, ?, ?)', [
          's-confirmed',
          'ann@example.test',
          'post',
          at,
          's-unconfirmed',
          'bob@example.test',
          'post',
          at,
        ]);
        await database.query('INSERT INTO confirmed_emails (email, confirmed_at) VALUES (?, ?)', ['ann@example.test', at]);
        await database.query('INSERT INTO mail_outbox (message, next_attempt_at) VALUES (?, ?)', ['{"to":"queued"}', at]);

        const store = database.open();
        await store.migrate();
        expect(await store.subscriptions.listSubscribers('post')).toEqual([{ id: 's-confirmed', email: 'ann@example.test' }]);
        expect(await store.outbox.claim(at, '2024-01-01T12:15:00.000Z', 10)).toMatchObject([{ kind: 'mail', message: '{"to":"queued"}', attempts: 1 }]);
        const versions = await database.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        expect(versions.map((row) => Number(row.version))).toEqual(migrations[kind].map((_, index) => index + 1));
      } finally {
        await database.destroy();
      }
    });

    it('keeps comments as guests’ comments, and adds users and their sessions, through version 9', async () => {
      const database = await createStoreDatabase(kind);
      try {
        await migrateTo(database, 8);
        const at = '2024-01-01T12:00:00.000Z';
        await database.query('INSERT INTO threads (id, created_at) VALUES (?, ?)', ['post', at]);
        await database.query(
          'INSERT INTO comments (id, thread_id, body, author_name, author_email, avatar_seed, created_at, edit_token_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          ['c1', 'post', 'Old comment.', 'Ann', 'ann@example.test', 'seed', at, 'hash'],
        );
        const store = database.open();
        await store.migrate();
        const { comments } = await store.comments.list({ threadId: 'post', limit: 10, sort: 'oldest' });
        expect(comments).toMatchObject([{ id: 'c1', body: 'Old comment.', author: { name: 'Ann', avatarSeed: 'seed' } }]);
        expect(comments[0]!.author).not.toHaveProperty('verifiedBy');
        const user = await store.users.signIn({ provider: 'github', subject: '1', name: 'Ann', email: '' }, 'u1', at);
        await store.readerSessions.create({ tokenHash: 'h', userId: user.id, createdAt: at, expiresAt: '2024-02-01T12:00:00.000Z' });
        expect((await store.readerSessions.get('h', at))?.user.id).toBe('u1');
      } finally {
        await database.destroy();
      }
    });
  });
}
