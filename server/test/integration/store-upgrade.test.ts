import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations';
import { createStoreDatabase, selectedStores, type StoreDatabase, type StoreKind } from './stores';

/*
 * A database made by an earlier release keeps what it holds when a new migration runs: version 6,
 * which moved double opt-in from addresses to subscriptions and gave the outbox kinds, version 9,
 * which counts confirmation mails per mailbox, and version 10, which gave comments a revision.
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

    it('counts the confirmation mails sent before version 9 against their mailbox, and keeps the comments', async () => {
      const database = await createStoreDatabase(kind);
      try {
        await migrateTo(database, 8);
        const at = new Date().toISOString();
        await database.query('INSERT INTO subscriptions (id, email, thread_id, created_at, confirm_sent_at) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)', [
          's-tagged',
          'ann+blog@example.test',
          'a',
          at,
          at,
          's-plain',
          'ann@example.test',
          'b',
          at,
          at,
        ]);
        await database.query('INSERT INTO threads (id, title, url, created_at) VALUES (?, ?, ?, ?)', ['a', 'Post A', 'https://blog.example/a', at]);
        await database.query(
          'INSERT INTO comments (id, thread_id, body, author_name, author_email, avatar_seed, created_at, edit_token_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          ['c1', 'a', 'Kept', 'Ann', 'ann@example.test', 'seed', at, 'hash'],
        );

        const store = database.open();
        await store.migrate();
        const asked = await store.subscriptions.subscribe({ id: 's-new', email: 'ANN+other@example.test', threadId: 'c', at, confirmationsSince: at });
        expect(asked.recentConfirmations).toBe(2);
        expect(await store.moderation.list({ limit: 5 })).toMatchObject([{ id: 'c1', body: 'Kept', threadTitle: 'Post A', pageTitle: null, pageUrl: null }]);
      } finally {
        await database.destroy();
      }
    });

    it('keeps every comment, each at revision 1, through version 10', async () => {
      const database = await createStoreDatabase(kind);
      try {
        await migrateTo(database, 9);
        const at = '2024-01-01T12:00:00.000Z';
        await database.query('INSERT INTO threads (id, title, url, created_at) VALUES (?, ?, ?, ?)', ['post', 'A post', null, at]);
        const insert =
          'INSERT INTO comments (id, thread_id, body, author_name, author_email, avatar_seed, status, created_at, updated_at, edit_token_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
        await database.query(insert, ['held', 'post', 'Held text', 'Ann', 'ann@example.test', 'seed', 'pending', at, '2024-01-01T12:05:00.000Z', 'hash']);
        await database.query(insert, ['shown', 'post', 'Shown text', 'Bob', 'bob@example.test', 'seed', 'approved', at, null, 'hash']);

        const store = database.open();
        await store.migrate();
        expect((await store.moderation.list({ limit: 10 })).map((entry) => [entry.id, entry.status, entry.body, entry.revision])).toEqual([
          ['shown', 'approved', 'Shown text', 1],
          ['held', 'pending', 'Held text', 1],
        ]);
        // The dashboard lists revision 1, and an approval of it goes through.
        expect(await store.moderation.setStatus(['held'], 'approved', { revisions: new Map([['held', 1]]) })).toEqual([
          { id: 'held', outcome: 'changed', previous: 'pending' },
        ]);
        expect((await store.comments.list({ threadId: 'post', limit: 10, sort: 'oldest' })).comments.map((c) => c.body)).toEqual(['Held text', 'Shown text']);
      } finally {
        await database.destroy();
      }
    });

    it('keeps comments as guests’ comments, and adds users and their sessions, through version 11', async () => {
      const database = await createStoreDatabase(kind);
      try {
        await migrateTo(database, 10);
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
