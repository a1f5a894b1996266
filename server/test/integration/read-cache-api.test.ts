import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Comment } from 'colloquy/core';
import { createApp } from '../../src/app';
import type { AppConfig } from '../../src/config/config';
import type { CommentStore, Store } from '../../src/store/interfaces';
import { createRecord, createStoreDatabase, eventually, selectedStores, type StoreDatabase, type StoreKind } from './stores';

/*
 * The read cache through the API, on every engine: unchanged pages, counts and feeds answer 304 from
 * memory; every kind of write shows in the next read at once (another process's as soon as its
 * NOTIFY or data_version is seen); a reader's own held comments are theirs alone; a page and a feed
 * are read from the database once per change, however many readers ask.
 */

const PASSWORD = 'correct horse battery staple';
const sameOrigin = { origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' };
const HOUR = 3_600_000;

/** Counts the reads the cache saves: a store whose comment reads are tallied. */
function countingStore(store: Store) {
  const reads: Partial<Record<keyof CommentStore, number>> = {};
  const comments = Object.fromEntries(
    Object.entries(store.comments).map(([name, method]: [string, (...args: unknown[]) => unknown]) => [
      name,
      (...args: unknown[]) => {
        reads[name as keyof CommentStore] = (reads[name as keyof CommentStore] ?? 0) + 1;
        return method(...args);
      },
    ]),
  ) as unknown as CommentStore;
  return { store: { ...store, comments, engine: store.engine, changes: store.changes }, reads };
}

interface Server {
  app: FastifyInstance;
  store: Store;
  db: StoreDatabase;
  reads: Partial<Record<keyof CommentStore, number>>;
  clock: { now: number };
}

const open: Server[] = [];
afterEach(async () => {
  for (const { app, db } of open.splice(0)) {
    await app.close();
    await db.destroy();
  }
});

async function start(kind: StoreKind, config: Partial<AppConfig> = {}): Promise<Server> {
  const db = await createStoreDatabase(kind);
  const raw = db.open();
  await raw.migrate();
  const { store, reads } = countingStore(raw);
  const clock = { now: Date.UTC(2024, 0, 1, 12) };
  const app = createApp({
    store,
    config: { rateLimit: 0, moderation: 'none', spamChecks: [], adminPassword: PASSWORD, secret: 'a-test-secret-of-some-length', ...config },
    now: () => new Date(clock.now),
  });
  await app.ready();
  const server = { app, store: raw, db, reads, clock };
  open.push(server);
  return server;
}

interface Page {
  thread: { count: number; title: string | null };
  comments: Comment[];
  formToken: string;
}

const get = (app: FastifyInstance, url: string, headers: Record<string, string> = {}) => app.inject({ url, headers });
const pageUrl = (thread: string) => `/api/comments?thread=${thread}&limit=10`;

/** Posts a comment a second after the last one, so that the order of a thread is the order of posting. */
async function post({ app, clock }: Server, thread: string, body: string, extra: Record<string, unknown> = {}) {
  clock.now += 1000;
  const response = await app.inject({
    method: 'POST',
    url: '/api/comments',
    payload: { thread, body, author: { name: 'Ann', email: 'ann@example.com' }, ...extra },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ comment: Comment; editToken: string }>();
}

async function signIn(app: FastifyInstance): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/api/admin/session', payload: { password: PASSWORD }, headers: sameOrigin });
  expect(response.statusCode, response.body).toBe(204);
  return String(response.headers['set-cookie']).split(';')[0]!;
}

/** The page's bodies, the thread's count and the feed's entry count, each read (and so cached) now. */
async function snapshot(app: FastifyInstance, thread: string) {
  const page = (await get(app, pageUrl(thread))).json<Page>();
  const count = (await get(app, `/api/counts?thread=${thread}`)).json<{ counts: Record<string, number> }>().counts[thread];
  const feed = (await get(app, `/api/feed.atom?thread=${thread}`)).body;
  const site = (await get(app, '/api/feed.atom')).body;
  return { bodies: page.comments.map((c) => c.body), count, feedEntries: feed.split('<entry>').length - 1, siteEntries: site.split('<entry>').length - 1 };
}

function cacheSuite(kind: StoreKind) {
  describe(`the read cache through the API: ${kind}`, () => {
    it('answers an unchanged page and count with 304 and no body; a 200 from the cache carries a fresh form token', async () => {
      const server = await start(kind);
      const { app, clock } = server;
      await post(server, 't', 'First.');
      const first = await get(app, pageUrl('t'));
      const etag = String(first.headers.etag);
      expect(etag).toMatch(/^W\/"[\w-]{27}\.\d+"$/);
      expect(first.headers['cache-control']).toBe('no-cache');

      const revalidated = await get(app, pageUrl('t'), { 'if-none-match': etag });
      expect(revalidated.statusCode).toBe(304);
      expect(revalidated.body).toBe('');
      expect(revalidated.headers.etag).toBe(etag);

      clock.now += 1000;
      const again = await get(app, pageUrl('t'));
      expect(again.headers.etag).toBe(etag);
      expect(again.json<Page>().comments).toEqual(first.json<Page>().comments);
      expect(again.json<Page>().formToken).not.toBe(first.json<Page>().formToken);
      // Within the hour the reader's copy stays good; after it, they get a page with a newer form token.
      clock.now += HOUR;
      const later = await get(app, pageUrl('t'), { 'if-none-match': etag });
      expect(later.statusCode).toBe(200);
      expect(later.headers.etag).not.toBe(etag);

      const counts = await get(app, '/api/counts?thread=t&thread=none');
      expect(counts.json()).toEqual({ counts: { t: 1, none: 0 } });
      expect(String(counts.headers.etag)).toMatch(/^"[\w-]{27}"$/);
      expect((await get(app, '/api/counts?thread=t&thread=none', { 'if-none-match': String(counts.headers.etag) })).statusCode).toBe(304);
      await post(server, 't', 'Second.');
      const changed = await get(app, '/api/counts?thread=t&thread=none', { 'if-none-match': String(counts.headers.etag) });
      expect(changed.statusCode).toBe(200);
      expect(changed.json()).toEqual({ counts: { t: 2, none: 0 } });
      expect((await get(app, pageUrl('t'), { 'if-none-match': String(later.headers.etag) })).statusCode).toBe(200);
    });

    it('reads a page, a count and a feed from the database once per change, however many readers ask', async () => {
      const server = await start(kind);
      const { app, reads } = server;
      await post(server, 't', 'Hello.');
      const before = { ...reads };
      for (let i = 0; i < 5; i++) await snapshot(app, 't');
      const feeds = await Promise.all(Array.from({ length: 4 }, () => get(app, '/api/feed.atom?thread=t')));
      expect(new Set(feeds.map((feed) => feed.body)).size).toBe(1);
      const delta = (name: keyof CommentStore) => (reads[name] ?? 0) - (before[name] ?? 0);
      // getThread: once for the page, once for the thread feed.
      expect([delta('list'), delta('getThread'), delta('count'), delta('listRecentApproved')]).toEqual([1, 2, 1, 2]);
      await post(server, 't', 'Again.');
      await snapshot(app, 't');
      expect(delta('list')).toBe(2);
    });

    it('renders a feed once for four readers at once, and the health check still answers', async () => {
      const server = await start(kind);
      const { app, reads } = server;
      await post(server, 't', '*_'.repeat(2000));
      const [health, ...feeds] = await Promise.all([get(app, '/api/health'), ...Array.from({ length: 4 }, () => get(app, '/api/feed.atom?thread=t'))]);
      expect(health.statusCode).toBe(200);
      expect(feeds.map((feed) => feed.statusCode)).toEqual([200, 200, 200, 200]);
      expect(reads.listRecentApproved).toBe(1);
    });

    it('without a cache (COLLOQUY_CACHE_MB=0) reads every time, and still answers 304 to an unchanged page', async () => {
      const server = await start(kind, { cacheMb: 0 });
      const { app, reads } = server;
      await post(server, 't', 'Hello.');
      const first = await get(app, pageUrl('t'));
      expect((await get(app, pageUrl('t'), { 'if-none-match': String(first.headers.etag) })).statusCode).toBe(304);
      await Promise.all(Array.from({ length: 4 }, () => get(app, '/api/feed.atom?thread=t')));
      expect([reads.list, reads.listRecentApproved]).toEqual([2, 4]);
    });

    it("shows every kind of write in the next read: a reader's post, edit and delete, the dashboard's actions, edits and replies", async () => {
      const server = await start(kind);
      const { app } = server;
      const cookie = await signIn(app);
      const admin = (method: 'POST' | 'PATCH', url: string, payload: object) => app.inject({ method, url, payload, headers: { cookie, ...sameOrigin } });
      const first = await post(server, 't', 'First.');
      expect(await snapshot(app, 't')).toEqual({ bodies: ['First.'], count: 1, feedEntries: 1, siteEntries: 1 });

      const second = await post(server, 't', 'Second.');
      expect(await snapshot(app, 't')).toEqual({ bodies: ['First.', 'Second.'], count: 2, feedEntries: 2, siteEntries: 2 });

      const edit = await app.inject({
        method: 'PATCH',
        url: `/api/comments/${second.comment.id}`,
        payload: { body: 'Second, edited.' },
        headers: { authorization: `Bearer ${second.editToken}` },
      });
      expect(edit.statusCode, edit.body).toBe(200);
      expect((await snapshot(app, 't')).bodies).toEqual(['First.', 'Second, edited.']);

      expect((await admin('POST', '/api/admin/comments/actions', { ids: [first.comment.id], action: 'spam' })).statusCode).toBe(200);
      expect(await snapshot(app, 't')).toEqual({ bodies: ['Second, edited.'], count: 1, feedEntries: 1, siteEntries: 1 });
      expect((await admin('POST', '/api/admin/comments/actions', { ids: [first.comment.id], action: 'approve' })).statusCode).toBe(200);
      expect((await snapshot(app, 't')).count).toBe(2);

      expect((await admin('PATCH', `/api/admin/comments/${first.comment.id}`, { body: 'First, corrected.' })).statusCode).toBe(200);
      expect((await snapshot(app, 't')).bodies).toEqual(['First, corrected.', 'Second, edited.']);
      // Answered after the second comment, so listed after it.
      server.clock.now += 1000;
      expect((await admin('POST', `/api/admin/comments/${first.comment.id}/reply`, { body: 'Thanks!' })).statusCode).toBe(201);
      expect(await snapshot(app, 't')).toEqual({ bodies: ['First, corrected.', 'Second, edited.', 'Thanks!'], count: 3, feedEntries: 3, siteEntries: 3 });

      const removed = await app.inject({
        method: 'DELETE',
        url: `/api/comments/${second.comment.id}`,
        headers: { authorization: `Bearer ${second.editToken}` },
      });
      expect(removed.statusCode, removed.body).toBe(200);
      expect((await snapshot(app, 't')).bodies).toEqual(['First, corrected.', 'Thanks!']);
      expect((await admin('POST', '/api/admin/comments/actions', { ids: [first.comment.id], action: 'delete' })).statusCode).toBe(200);
      // A placeholder is kept above the owner's reply.
      expect(await snapshot(app, 't')).toEqual({ bodies: ['', 'Thanks!'], count: 1, feedEntries: 1, siteEntries: 1 });
      // Another thread's change leaves this thread's page alone, but not the site feed.
      await post(server, 'other', 'Elsewhere.');
      expect(await snapshot(app, 't')).toEqual({ bodies: ['', 'Thanks!'], count: 1, feedEntries: 1, siteEntries: 2 });
    });

    it("shows another connection's write (another process on the database) as soon as it is heard", async () => {
      const server = await start(kind);
      const { app, db } = server;
      await post(server, 't', 'Here.');
      expect((await snapshot(app, 't')).bodies).toEqual(['Here.']);
      const elsewhere = db.open();
      await createRecord(elsewhere, 't', { body: 'From elsewhere.', createdAt: new Date(Date.UTC(2030, 0, 1)).toISOString() });
      await eventually(async () => (await snapshot(app, 't')).bodies.length === 2, 'the other connection’s comment is listed');
      expect(await snapshot(app, 't')).toEqual({ bodies: ['Here.', 'From elsewhere.'], count: 2, feedEntries: 2, siteEntries: 2 });
    });

    it("lists a reader's own held comment to them alone, never from or into the shared cache, and its approval at once to all", async () => {
      const server = await start(kind, { moderation: 'all' });
      const { app } = server;
      const cookie = await signIn(app);
      expect((await get(app, pageUrl('t'))).json<Page>().comments).toEqual([]);
      const held = await post(server, 't', 'Held for now.');
      expect(held.comment.status).toBe('pending');
      const own = { 'x-colloquy-own': `${held.comment.id}:${held.editToken}` };
      const mine = await get(app, pageUrl('t'), own);
      expect(mine.json<Page>().comments.map((c) => c.body)).toEqual(['Held for now.']);
      expect(mine.headers['cache-control']).toBe('no-store');
      expect(mine.headers.etag).toBeUndefined();
      expect((await get(app, pageUrl('t'))).json<Page>().comments).toEqual([]);

      const approve = await app.inject({
        method: 'POST',
        url: '/api/admin/comments/actions',
        payload: { ids: [held.comment.id], action: 'approve' },
        headers: { cookie, ...sameOrigin },
      });
      expect(approve.statusCode).toBe(200);
      expect((await get(app, pageUrl('t'))).json<Page>().comments.map((c) => c.body)).toEqual(['Held for now.']);
    });
  });
}

for (const kind of selectedStores()) cacheSuite(kind);

// The answers themselves are the same JSON as without a cache: the response schema still allowlists fields.
describe('a cached page', () => {
  it('is the same JSON, field for field, as the uncached answer', async () => {
    const cached = await start('sqlite');
    const bare = await start('sqlite', { cacheMb: 0 });
    for (const server of [cached, bare]) await post(server, 't', 'Same.', { title: 'A post' });
    const answers: LightMyRequestResponse[] = [];
    for (const { app } of [cached, bare]) {
      await get(app, pageUrl('t'));
      answers.push(await get(app, pageUrl('t')));
    }
    const strip = (page: Page) => ({
      ...page,
      formToken: undefined,
      comments: page.comments.map((c) => ({ ...c, id: '', createdAt: '', author: { ...c.author, avatarSeed: '' } })),
    });
    expect(strip(answers[0]!.json<Page>())).toEqual(strip(answers[1]!.json<Page>()));
    expect(Object.keys(answers[0]!.json<Page>())).toEqual(['thread', 'comments', 'nextCursor', 'formToken']);
    expect(answers[0]!.headers['content-type']).toBe('application/json; charset=utf-8');
  });
});
