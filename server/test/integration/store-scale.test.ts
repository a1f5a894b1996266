import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { SortOrder } from 'colloquy/core';
import { encodeCursor } from '../../src/store/cursor';
import { PAGE_INDEX } from '../../src/store/migrations';
import { postgresPageSql } from '../../src/store/postgres';
import { sqlitePageSql } from '../../src/store/sqlite';
import { recentApprovedSql } from '../../src/store/shared';
import type { CommentStore } from '../../src/store/types';
import { POSTGRES_URL, selectedStores, useStoreDatabase } from './stores';

const COUNT = 100_000;
const BASE = Date.UTC(2024, 0, 1);

/**
 * Comment i of the big thread, as both the bulk inserts and the expectations compute it: three
 * comments per second (ties), ids that are md5 hex, so id order has nothing to do with insertion.
 */
const idOf = (i: number) => createHash('md5').update(String(i)).digest('hex');
const createdAtOf = (i: number) => new Date(BASE + Math.floor(i / 3) * 1000).toISOString();

/** The big thread in (createdAt, id) order, computed in JavaScript. */
function expectedOrder(): { id: string; createdAt: string }[] {
  const rows = Array.from({ length: COUNT }, (_, i) => ({ id: idOf(i + 1), createdAt: createdAtOf(i + 1) }));
  return rows.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const variants = [
  ['oldest', false],
  ['newest', false],
  ['oldest', true],
  ['newest', true],
] as const satisfies readonly (readonly [SortOrder, boolean])[];

/** The first page, the last page (newest first) and the end reached from a cursor near it, through the store. */
async function checkEnds(store: CommentStore, expected: { id: string; createdAt: string }[]) {
  const ids = (rows: { id: string }[]) => rows.map((row) => row.id);
  const first = await store.listComments({ threadId: 'big', limit: 50, sort: 'oldest' });
  expect(ids(first.comments)).toEqual(ids(expected.slice(0, 50)));
  const last = await store.listComments({ threadId: 'big', limit: 50, sort: 'newest' });
  expect(ids(last.comments)).toEqual(ids(expected.slice(-50).reverse()));

  const cursor = encodeCursor(expected[COUNT - 101]!);
  const before = await store.listComments({ threadId: 'big', limit: 50, sort: 'oldest', cursor });
  expect(ids(before.comments)).toEqual(ids(expected.slice(COUNT - 100, COUNT - 50)));
  const end = await store.listComments({ threadId: 'big', limit: 50, sort: 'oldest', cursor: before.nextCursor! });
  expect(ids(end.comments)).toEqual(ids(expected.slice(COUNT - 50)));
  expect(end.nextCursor).toBeNull();
  expect((await store.getThread('big'))?.count).toBe(COUNT);
}

describe.runIf(selectedStores().includes('sqlite'))('SQLite store with 100,000 comments in one thread', () => {
  let store: CommentStore;
  const db = useStoreDatabase('sqlite', async (database) => {
    store = database.open();
    await store.migrate();
    // Bulk data through a connection of our own, in one transaction: the store's API is not what is tested here.
    const raw = new Database(database.path!);
    try {
      const insert = raw.prepare(
        `INSERT INTO comments (id, thread_id, body, author_name, author_email, avatar_seed, created_at, edit_token_hash)
         VALUES (?, ?, 'body', 'name', 'e@mail.example', 'seed', ?, 'hash')`,
      );
      raw.transaction(() => {
        raw.prepare(`INSERT INTO threads (id, title, created_at) VALUES ('big', 'Big', ?), ('small', 'Small', ?)`).run(createdAtOf(0), createdAtOf(0));
        for (let i = 1; i <= COUNT; i++) insert.run(idOf(i), 'big', createdAtOf(i));
        for (let i = 1; i <= 5000; i++) insert.run(`small-${i}`, 'small', createdAtOf(0));
      })();
      raw.exec('ANALYZE');
    } finally {
      raw.close();
    }
  });

  it('walks every page in order, and reaches both ends', async () => {
    const expected = expectedOrder();
    const walked: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listComments({ threadId: 'big', limit: 1000, sort: 'oldest', ...(cursor ? { cursor } : {}) });
      walked.push(...page.comments.map((comment) => comment.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(walked).toEqual(expected.map((row) => row.id));
    await checkEnds(store, expected);
  });

  it('answers every page query from the index: no table scan, no sort', async () => {
    for (const [sort, after] of variants) {
      const plan = await db().query<{ detail: string }>(`EXPLAIN QUERY PLAN ${sqlitePageSql(sort, after)}`, [
        { thread: 'big', createdAt: createdAtOf(50_000), id: idOf(50_000), limit: 51 },
      ]);
      const text = plan.map((row) => row.detail).join('\n');
      expect(text, `${sort}${after ? ' after a cursor' : ''}`).toContain(`USING INDEX ${PAGE_INDEX}`);
      expect(text).not.toMatch(/\bSCAN\b/);
      expect(text).not.toContain('TEMP B-TREE');
    }
  });

  it('answers the feed queries (site-wide and per thread) from an index: no table scan, no sort', async () => {
    for (const byThread of [false, true]) {
      const plan = await db().query<{ detail: string }>(`EXPLAIN QUERY PLAN ${recentApprovedSql(byThread, (name) => `@${name}`)}`, [
        byThread ? { thread: 'big', limit: 50 } : { limit: 50 },
      ]);
      const text = plan.map((row) => row.detail).join('\n');
      expect(text, byThread ? 'per thread' : 'site-wide').toContain(byThread ? `USING INDEX ${PAGE_INDEX}` : 'USING INDEX comments_status_created');
      // (Two threads: SQLite may scan that table rather than probe it, which is cheaper at that size.)
      expect(text).not.toMatch(/\bSCAN c\b/);
      expect(text).not.toContain('TEMP B-TREE');
    }
    const recent = await store.listRecentApproved({ limit: 3 });
    expect(recent.map(({ comment }) => comment.id)).toEqual(
      expectedOrder()
        .slice(-3)
        .reverse()
        .map((row) => row.id),
    );
  });
});

describe.runIf(selectedStores().includes('postgres'))('PostgreSQL store with 100,000 comments in one thread', () => {
  let store: CommentStore;
  const db = useStoreDatabase('postgres', async (database) => {
    store = database.open();
    await store.migrate();
    await database.query(`INSERT INTO threads (id, title, created_at) VALUES ('big', 'Big', ?), ('small', 'Small', ?)`, [createdAtOf(0), createdAtOf(0)]);
    // Same rows as the JavaScript expectation: md5(i) ids, three per second.
    await database.query(
      `INSERT INTO comments (id, thread_id, body, author_name, author_email, avatar_seed, created_at, edit_token_hash)
       SELECT md5(i::text), 'big', 'body', 'name', 'e@mail.example', 'seed', ?::timestamptz + (i / 3) * interval '1 second', 'hash'
       FROM generate_series(1, ?::int) AS i`,
      [new Date(BASE).toISOString(), COUNT],
    );
    await database.query(
      `INSERT INTO comments (id, thread_id, body, author_name, author_email, avatar_seed, created_at, edit_token_hash)
       SELECT 'small-' || i, 'small', 'body', 'name', 'e@mail.example', 'seed', ?::timestamptz, 'hash' FROM generate_series(1, 5000) AS i`,
      [createdAtOf(0)],
    );
    await database.query('ANALYZE comments');
  });

  it('reaches both ends of the thread', async () => {
    await checkEnds(store, expectedOrder());
  });

  /** Custom plans (pg plans a named statement for its values at first) and generic ones (what it switches to). */
  it('answers every page query from the index: no sequential scan, no sort', async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${db().schema}` });
    await client.connect();
    try {
      for (const mode of ['force_custom_plan', 'force_generic_plan']) {
        await client.query(`SET plan_cache_mode = ${mode}`);
        for (const [sort, after] of variants) {
          await client.query(`PREPARE page AS ${postgresPageSql(sort, after)}`);
          const values = after ? `'big', '${createdAtOf(50_000)}', '${idOf(50_000)}', 51` : `'big', 51`;
          const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE page(${values})`);
          await client.query('DEALLOCATE page');
          const text = rows.map((row) => row['QUERY PLAN']).join('\n');
          const label = `${mode}, ${sort}${after ? ' after a cursor' : ''}:\n${text}`;
          expect(text, label).toMatch(new RegExp(`Index Scan (Backward )?using ${PAGE_INDEX} on comments`));
          expect(text, label).not.toMatch(/Seq Scan on comments|\bSort\b|hashed SubPlan/);
        }
      }
    } finally {
      await client.end();
    }
  });

  it('answers the feed queries (site-wide and per thread) from an index: no sequential scan, no sort', async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${db().schema}` });
    await client.connect();
    try {
      for (const mode of ['force_custom_plan', 'force_generic_plan']) {
        await client.query(`SET plan_cache_mode = ${mode}`);
        for (const byThread of [false, true]) {
          let n = 0;
          await client.query(`PREPARE feed AS ${recentApprovedSql(byThread, () => `$${++n}`)}`);
          const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE feed(${byThread ? `'big', 50` : '50'})`);
          await client.query('DEALLOCATE feed');
          const text = rows.map((row) => row['QUERY PLAN']).join('\n');
          const label = `${mode}, ${byThread ? 'per thread' : 'site-wide'}:\n${text}`;
          expect(text, label).toMatch(new RegExp(`Index Scan (Backward )?using ${byThread ? PAGE_INDEX : 'comments_status_created'} on comments`));
          expect(text, label).not.toMatch(/Seq Scan on comments|\bSort\b/);
        }
      }
    } finally {
      await client.end();
    }
    const recent = await store.listRecentApproved({ limit: 3 });
    expect(recent.map(({ comment }) => comment.id)).toEqual(
      expectedOrder()
        .slice(-3)
        .reverse()
        .map((row) => row.id),
    );
  });
});
