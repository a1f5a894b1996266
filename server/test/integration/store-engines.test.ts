import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createPostgresStore, createSqliteStore, createStore, type CommentRecordInput } from '../../src/store/index';
import { createPostgresEngine } from '../../src/store/postgres';
import { assertPostgresReachable, POSTGRES_URL, selectedStores } from './stores';

const record: CommentRecordInput = {
  id: 'c1',
  threadId: 'post',
  parentId: null,
  body: 'Hello',
  authorName: 'Ann',
  authorEmail: 'ann@mail.example',
  avatarSeed: 'seed',
  editTokenHash: 'hash',
  createdAt: '2024-01-01T00:00:00.000Z',
};

/** What only one engine, or the choice between them, has to do; the shared behaviour is in store-contract. */
describe.runIf(selectedStores().includes('sqlite'))('SQLite store setup', () => {
  it('creates the folder, leaves the file in WAL mode, and its schema refuses orphan replies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'colloquy-engine-'));
    try {
      const path = join(dir, 'a', 'b', 'colloquy.db');
      const store = createSqliteStore({ path });
      await store.migrate();
      expect(existsSync(path)).toBe(true);
      await store.comments.create(record);
      const raw = new Database(path);
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      raw.close();
      // A reply whose parent row is gone is refused by the database itself, not only by the store's check.
      const direct = new Database(path);
      direct.pragma('foreign_keys = ON');
      expect(() =>
        direct
          .prepare(
            `INSERT INTO comments (id, thread_id, parent_id, body, author_name, author_email, avatar_seed, created_at, edit_token_hash)
             VALUES ('orphan', 'post', 'missing', '', '', '', '', '2024-01-01T00:00:00.000Z', '')`,
          )
          .run(),
      ).toThrow(/FOREIGN KEY/);
      direct.close();
      await store.close();
      await store.close(); // closing twice is harmless (shutdown paths overlap)
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('works in memory for quick tests', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    await store.migrate();
    await store.comments.create(record);
    expect(await store.comments.count(['post'])).toStrictEqual({ post: 1 });
    await store.close();
  });

  it('opens the store a sqlite: DATABASE_URL names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'colloquy-engine-'));
    try {
      const store = createStore(`sqlite:${join(dir, 'data', 'colloquy.db')}`);
      await store.migrate();
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      expect(existsSync(join(dir, 'data', 'colloquy.db'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('store configuration errors', () => {
  it('names the option that is wrong', () => {
    expect(() => createStore('mysql://localhost/db')).toThrow(/^\[colloquy\] DATABASE_URL/);
    expect(() => createStore('sqlite:')).toThrow(/^\[colloquy\] DATABASE_URL/);
    expect(() => createPostgresStore({ connectionString: POSTGRES_URL, schema: 'x; DROP SCHEMA public' })).toThrow(/^\[colloquy\] schema/);
  });
});

describe.runIf(selectedStores().includes('postgres'))('PostgreSQL store setup', () => {
  it('opens the store a postgres:// DATABASE_URL names', async () => {
    await assertPostgresReachable();
    const store = createStore(POSTGRES_URL);
    try {
      await expect(store.ping()).resolves.toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('reads every timestamp back in the API form, whatever its fractional digits or year', async () => {
    await assertPostgresReachable();
    const engine = createPostgresEngine({ connectionString: POSTGRES_URL });
    try {
      // What a column holds, as PostgreSQL reads it, and what the store must give back.
      const instants = [
        ['2024-01-01T09:05:03.000Z', '2024-01-01T09:05:03.000Z'],
        ['2024-01-01T09:05:03.200Z', '2024-01-01T09:05:03.200Z'],
        ['2024-02-29T23:59:59.250Z', '2024-02-29T23:59:59.250Z'],
        ['1999-12-31T23:59:59.999Z', '1999-12-31T23:59:59.999Z'],
        ['2024-01-01 11:05:03.5+02', '2024-01-01T09:05:03.500Z'],
        ['12000-06-01 00:00:00+00', '+012000-06-01T00:00:00.000Z'],
      ];
      for (const [stored, read] of instants) {
        const { rows } = await sql<{ at: string }>`SELECT ${stored}::timestamptz(3) AS at`.execute(engine.db);
        expect(rows[0]?.at).toBe(read);
      }
      // Microseconds (no column of ours keeps them) go through pg's own parser, which keeps milliseconds.
      const { rows } = await sql<{ at: string }>`SELECT '2024-01-01 09:05:03.123456+00'::timestamptz AS at`.execute(engine.db);
      expect(rows[0]?.at).toBe('2024-01-01T09:05:03.123Z');
    } finally {
      await engine.close();
    }
  });
});
