import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { SortOrder } from 'colloquy/core';
import { encodeCursor } from '../../src/store/cursor';
import { PAGE_INDEX } from '../../src/store/migrations';
import { pageQuery, recentQuery } from '../../src/store/comments';
import { compilerFor } from '../../src/store/engine';
import type { Store } from '../../src/store/interfaces';
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

/** The page query as an engine runs it, with its parameters in order (the query names them; see `prepare`). */
function pageSql(kind: 'sqlite' | 'postgres', sort: SortOrder, after: boolean, values: Record<string, unknown>) {
  const compiled = pageQuery(compilerFor(kind), sort, after).compile();
  return { sql: compiled.sql, parameters: compiled.parameters.map((slot) => values[(slot as { name: string }).name]) };
}

const variants = [
  ['oldest', false],
  ['newest', false],
  ['oldest', true],
  ['newest', true],
] as const satisfies readonly (readonly [SortOrder, boolean])[];

/** The first page, the last page (newest first) and the end reached from a cursor near it, through the store. */
async function checkEnds(store: Store, expected: { id: string; createdAt: string }[]) {
  const ids = (rows: { id: string }[]) => rows.map((row) => row.id);
  const first = await store.comments.list({ threadId: 'big', limit: 50, sort: 'oldest' });
  expect(ids(first.comments)).toEqual(ids(expected.slice(0, 50)));
  const last = await store.comments.list({ threadId: 'big', limit: 50, sort: 'newest' });
  expect(ids(last.comments)).toEqual(ids(expected.slice(-50).reverse()));

  const cursor = encodeCursor(expected[COUNT - 101]!);
  const before = await store.comments.list({ threadId: 'big', limit: 50, sort: 'oldest', cursor });
  expect(ids(before.comments)).toEqual(ids(expected.slice(COUNT - 100, COUNT - 50)));
  const end = await store.comments.list({ threadId: 'big', limit: 50, sort: 'oldest', cursor: before.nextCursor! });
  expect(ids(end.comments)).toEqual(ids(expected.slice(COUNT - 50)));
  expect(end.nextCursor).toBeNull();
  expect((await store.comments.getThread('big'))?.count).toBe(COUNT);
}

describe.runIf(selectedStores().includes('sqlite'))('SQLite store with 100,000 comments in one thread', () => {
  let store: Store;
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
      const page = await store.comments.list({ threadId: 'big', limit: 1000, sort: 'oldest', ...(cursor ? { cursor } : {}) });
      walked.push(...page.comments.map((comment) => comment.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(walked).toEqual(expected.map((row) => row.id));
    await checkEnds(store, expected);
  });

  it('answers every page query from the index: no table scan, no sort', async () => {
    for (const [sort, after] of variants) {
      const page = pageSql('sqlite', sort, after, { thread: 'big', createdAt: createdAtOf(50_000), id: idOf(50_000), limit: 51 });
      const plan = await db().query<{ detail: string }>(`EXPLAIN QUERY PLAN ${page.sql}`, page.parameters);
      const text = plan.map((row) => row.detail).join('\n');
      expect(text, `${sort}${after ? ' after a cursor' : ''}`).toContain(`USING INDEX ${PAGE_INDEX}`);
      expect(text).not.toMatch(/\bSCAN\b/);
      // The placeholder check probes replies by parent, at every level.
      expect(text.match(/SEARCH r\d USING COVERING INDEX comments_parent_status \(parent_id=\? AND status=\?\)/g)).toHaveLength(7);
      expect(text).not.toContain('TEMP B-TREE');
    }
  });

  it('answers the feed queries (site-wide and per thread) from an index: no table scan, no sort', async () => {
    for (const byThread of [false, true]) {
      const feed = recentQuery(compilerFor('sqlite'), byThread ? 'big' : undefined, 50).compile();
      const plan = await db().query<{ detail: string }>(`EXPLAIN QUERY PLAN ${feed.sql}`, [...feed.parameters]);
      const text = plan.map((row) => row.detail).join('\n');
      expect(text, byThread ? 'per thread' : 'site-wide').toContain(byThread ? `USING INDEX ${PAGE_INDEX}` : 'USING INDEX comments_status_created');
      // (Two threads: SQLite may scan that table rather than probe it, which is cheaper at that size.)
      expect(text).not.toMatch(/\bSCAN c\b/);
      expect(text).not.toContain('TEMP B-TREE');
    }
    const recent = await store.comments.listRecentApproved({ limit: 3 });
    expect(recent.map(({ comment }) => comment.id)).toEqual(
      expectedOrder()
        .slice(-3)
        .reverse()
        .map((row) => row.id),
    );
  });
});

describe.runIf(selectedStores().includes('postgres'))('PostgreSQL store with 100,000 comments in one thread', () => {
  let store: Store;
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
          const page = pageSql('postgres', sort, after, { thread: 'big', createdAt: createdAtOf(50_000), id: idOf(50_000), limit: 51 });
          await client.query(`PREPARE page AS ${page.sql}`);
          const values = page.parameters.map((value) => (typeof value === 'number' ? String(value) : `'${String(value)}'`)).join(', ');
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
          await client.query(`PREPARE feed AS ${recentQuery(compilerFor('postgres'), byThread ? 'big' : undefined, 50).compile().sql}`);
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
    const recent = await store.comments.listRecentApproved({ limit: 3 });
    expect(recent.map(({ comment }) => comment.id)).toEqual(
      expectedOrder()
        .slice(-3)
        .reverse()
        .map((row) => row.id),
    );
  });
});
