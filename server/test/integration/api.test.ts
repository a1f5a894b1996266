import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { MAX_PAGE_SIZE, type Comment } from 'colloquy/core';
import { createApp } from '../../src/app';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveServerConfig, type AppConfig } from '../../src/config/config';
import { demoResponses, demoThread, seedDemo } from '../../src/demo-seed';
import { startServer as serve } from '../../src/main';
import type { Store } from '../../src/store/interfaces';
import { createStoreDatabase, recordInput, type StoreDatabase } from './stores';
import { sha256Hex } from '../../src/shared/signing';
import type { CreateCommentBody } from '../../src/comments/schemas';

const T0 = Date.UTC(2024, 0, 1, 12);
const demoFolder = fileURLToPath(new URL('../../../demo', import.meta.url));
const MINUTE = 60_000;

interface Server {
  app: FastifyInstance;
  store: Store;
  db: StoreDatabase;
  /** The app's clock, in ms since the epoch; tests move it. */
  clock: { now: number };
}

const open: Server[] = [];

/**
 * The API's mechanics, posted to as trusted code would: every comment published at once, no spam
 * checks (moderation-api.test.ts covers those, on every store). No rate limit unless a test asks.
 */
const trusted: Partial<AppConfig> = { rateLimit: 0, moderation: 'none', spamChecks: [] };

/** A real SQLite store in a temp file behind a fresh app. */
async function startServer(config: Partial<AppConfig> = {}): Promise<Server> {
  const db = await createStoreDatabase('sqlite');
  const store = db.open();
  await store.migrate();
  const clock = { now: T0 };
  const app = createApp({ store, config: { ...trusted, ...config }, now: () => new Date(clock.now) });
  const server = { app, store, db, clock };
  open.push(server);
  return server;
}

async function stopServer({ app, db }: Server) {
  await app.close();
  await db.destroy();
}

afterEach(async () => {
  await Promise.all(open.splice(0).map(stopServer));
});

/** The POST body, as the server's own schema types it, for a guest (whose author is required). */
type WireComment = CreateCommentBody & { author: NonNullable<CreateCommentBody['author']> };

const wire = (overrides: Partial<Omit<WireComment, 'author'>> & { author?: Partial<WireComment['author']> } = {}): WireComment => {
  const { author, ...rest } = overrides;
  return { thread: 't', body: 'A thoughtful comment.', ...rest, author: { name: 'Ann', email: 'ann@example.com', ...author } };
};

const post = (app: FastifyInstance, body: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/comments', payload: body as object, headers });

const patch = (app: FastifyInstance, id: string, token: string | undefined, body: unknown) =>
  app.inject({
    method: 'PATCH',
    url: `/api/comments/${id}`,
    payload: body as object,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });

const remove = (app: FastifyInstance, id: string, token: string | undefined) =>
  app.inject({ method: 'DELETE', url: `/api/comments/${id}`, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

const list = async (app: FastifyInstance, query: string) => {
  const response = await app.inject({ url: `/api/comments?${query}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ thread: { id: string; title: string | null; count: number }; comments: Comment[]; nextCursor: string | null }>();
};

/** Posts a comment that must be created; returns what the API answered. */
async function create(app: FastifyInstance, body: WireComment = wire(), headers: Record<string, string> = {}) {
  const response = await post(app, body, headers);
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ comment: Comment; editToken: string; editableUntil: string }>();
}

function expectError(response: LightMyRequestResponse, status: number, field?: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const { error } = response.json<{ error: { code: string; message: string; field?: string } }>();
  expect(error.code).toMatch(/^[a-z-]+$/);
  expect(error.message.length).toBeGreaterThan(5);
  if (field !== undefined) expect(error.field).toBe(field);
  return error;
}

describe('happy paths', () => {
  it('POST creates a comment: the public comment, a one-time edit token, and when editing ends', async () => {
    const { app } = await startServer();
    const response = await post(app, wire({ title: 'My post', url: 'https://blog.example/my-post', author: { url: 'https://ann.example' } }));
    expect(response.statusCode).toBe(201);
    const { comment, editToken, editableUntil } = response.json();
    expect(comment).toEqual({
      id: expect.any(String),
      threadId: 't',
      parentId: null,
      author: { name: 'Ann', url: 'https://ann.example', avatarSeed: expect.stringMatching(/^[0-9a-f]{16}$/) },
      body: 'A thoughtful comment.',
      createdAt: new Date(T0).toISOString(),
      status: 'approved',
    });
    expect(editToken).toMatch(/^[\w-]{32}$/);
    expect(editableUntil).toBe(new Date(T0 + 15 * MINUTE).toISOString());
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('stores the input as core normalizes it, and keeps the token only as a hash', async () => {
    const { app, db } = await startServer();
    const { comment, editToken } = await create(
      app,
      wire({ body: 'Line one\r\nLine two  \n\n', author: { name: '  Ann  ', email: ' Ann@Example.com ', url: ' https://ann.example ' } }),
    );
    expect(comment.body).toBe('Line one\nLine two');
    expect(comment.author.name).toBe('Ann');
    expect(comment.author.url).toBe('https://ann.example');
    const rows = await db.query<Record<string, unknown>>('SELECT * FROM comments');
    expect(JSON.stringify(rows)).not.toContain(editToken);
  });

  it('the avatar seed is the same for the same email, whatever its case, and differs between emails', async () => {
    const { app } = await startServer();
    const a = await create(app, wire({ author: { email: 'Bea@Example.com' } }));
    const b = await create(app, wire({ author: { email: 'bea@example.com' } }));
    const c = await create(app, wire({ author: { email: 'cy@example.com' } }));
    expect(a.comment.author.avatarSeed).toBe(b.comment.author.avatarSeed);
    expect(c.comment.author.avatarSeed).not.toBe(a.comment.author.avatarSeed);
  });

  it('keys the avatar seed with the site’s secret: another site gives the same email another seed, and stored seeds follow, once', async () => {
    const { app, store } = await startServer({ secret: 'site-one-secret-0123456789' });
    // Stored before seeds were keyed: the seed was the email's bare fingerprint, which anyone can compute.
    const fingerprint = sha256Hex('colloquy-avatar:bea@example.com').slice(0, 16);
    await store.comments.create(recordInput('old-post', { authorEmail: 'bea@example.com', avatarSeed: fingerprint }));
    const fresh = (await create(app, wire({ author: { email: ' Bea@Example.com' } }))).comment.author.avatarSeed;
    expect(fresh).toMatch(/^[0-9a-f]{16}$/);
    expect(fresh).not.toBe(fingerprint);
    // The app keyed the stored seed at start: Bea keeps one avatar across her old and new comments.
    expect((await list(app, 'thread=old-post')).comments.map((c) => c.author.avatarSeed)).toEqual([fresh]);
    const other = await startServer({ secret: 'site-two-secret-0123456789' });
    expect((await create(other.app, wire({ author: { email: 'bea@example.com' } }))).comment.author.avatarSeed).not.toBe(fresh);
  });

  it('replies to a comment of the same thread', async () => {
    const { app } = await startServer();
    const parent = await create(app);
    const reply = await create(app, wire({ parentId: parent.comment.id, body: 'A reply.' }));
    expect(reply.comment.parentId).toBe(parent.comment.id);
  });

  it('GET lists a thread with its title and count, pages with a cursor, in either order', async () => {
    const { app, clock } = await startServer();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock.now = T0 + i * MINUTE;
      ids.push((await create(app, wire({ title: 'The post', body: `Comment ${i}` }))).comment.id);
    }
    const first = await list(app, 'thread=t&limit=2');
    expect(first.thread).toEqual({ id: 't', title: 'The post', count: 5 });
    expect(first.comments.map((c) => c.id)).toEqual(ids.slice(0, 2));
    const seen = [...first.comments];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await list(app, `thread=t&limit=2&cursor=${encodeURIComponent(cursor)}`);
      seen.push(...page.comments);
      cursor = page.nextCursor;
    }
    expect(seen.map((c) => c.id)).toEqual(ids);
    // The widget's largest page size is the server's too.
    const newest = await list(app, `thread=t&sort=newest&limit=${MAX_PAGE_SIZE}`);
    expect(newest.comments.map((c) => c.id)).toEqual([...ids].reverse());
    expect(newest.nextCursor).toBeNull();
    expect((await list(app, 'thread=t')).comments).toHaveLength(5);
  });

  it('GET of an unknown thread is an empty page, not an error', async () => {
    const { app } = await startServer();
    expect(await list(app, 'thread=nobody-posted-here')).toEqual({
      thread: { id: 'nobody-posted-here', title: null, count: 0 },
      comments: [],
      nextCursor: null,
      formToken: expect.stringMatching(/^\d+\.[\w-]{11}\.[\w-]{43}$/),
    });
  });

  it('GET /api/counts counts public comments per thread, unknown threads as 0', async () => {
    const { app } = await startServer();
    await create(app, wire({ thread: 'a' }));
    await create(app, wire({ thread: 'a' }));
    await create(app, wire({ thread: 'b' }));
    const response = await app.inject({ url: '/api/counts?thread=a&thread=b&thread=c&thread=a' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ counts: { a: 2, b: 1, c: 0 } });
    expect((await app.inject({ url: '/api/counts?thread=a' })).json()).toEqual({ counts: { a: 2 } });
    // Names that are also Object.prototype properties are threads like any other.
    expect((await app.inject({ url: '/api/counts?thread=constructor&thread=__proto__' })).json()).toEqual(
      JSON.parse('{"counts":{"constructor":0,"__proto__":0}}'),
    );
  });

  it('GET /api/health answers 200 while the store answers and 503 once it does not', async () => {
    const server = await startServer();
    const ok = await server.app.inject({ url: '/api/health' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: 'ok' });
    await server.store.close();
    expectError(await server.app.inject({ url: '/api/health' }), 503);
  });

  it('PATCH edits the body within the window and marks the comment as edited', async () => {
    const { app, clock } = await startServer();
    const { comment, editToken } = await create(app);
    clock.now = T0 + 5 * MINUTE;
    const response = await patch(app, comment.id, editToken, { body: 'Second thoughts.\r\n' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().comment).toEqual({ ...comment, body: 'Second thoughts.', updatedAt: new Date(T0 + 5 * MINUTE).toISOString() });
    expect(response.headers['cache-control']).toBe('no-store');
    expect((await list(app, 'thread=t')).comments[0]?.body).toBe('Second thoughts.');
  });

  it('DELETE removes a comment without replies', async () => {
    const { app } = await startServer();
    const { comment, editToken } = await create(app);
    const response = await remove(app, comment.id, editToken);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ outcome: 'removed' });
    expect(await list(app, 'thread=t')).toMatchObject({ thread: { count: 0 }, comments: [] });
    expectError(await remove(app, comment.id, editToken), 404);
  });

  it('DELETE keeps a comment with replies as a placeholder, so the thread keeps its shape', async () => {
    const { app, clock } = await startServer();
    const parent = await create(app);
    clock.now += MINUTE;
    const reply = await create(app, wire({ parentId: parent.comment.id, body: 'A reply.' }));
    const response = await remove(app, parent.comment.id, parent.editToken);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ outcome: 'placeholder' });
    const page = await list(app, 'thread=t');
    expect(page.thread.count).toBe(1);
    expect(page.comments.map((c) => [c.id, c.status])).toEqual([
      [parent.comment.id, 'deleted'],
      [reply.comment.id, 'approved'],
    ]);
    expect(page.comments[0]).toMatchObject({ body: '', author: { name: '' } });
    // The placeholder can be neither edited nor deleted again.
    expectError(await patch(app, parent.comment.id, parent.editToken, { body: 'Back?' }), 404);
    expectError(await remove(app, parent.comment.id, parent.editToken), 404);
  });

  it('serves the demo pages (with demo set) and the built bundle, and nothing outside their folders', async () => {
    const { app } = await startServer({ demo: demoFolder });
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('Post-Interview Non-Awkwardness');
    expect((await app.inject({ url: '/host.css' })).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await app.inject({ url: '/colloquy.js' })).headers['content-type']).toBe('text/javascript; charset=utf-8');
    const head = await app.inject({ method: 'HEAD', url: '/' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    for (const url of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/%2e%2e%2fsrc/server/app.ts', '/demo/../../package.json', '/%00']) {
      expectError(await app.inject({ url }), 404);
    }
    expectError(await app.inject({ url: '/%E0%A4%A' }), 400);
  });

  it('serves no demo pages by default: / says what the server is; the bundles and the dashboard are still there', async () => {
    const { app } = await startServer({ adminPassword: 'a long admin password' });
    const home = await app.inject({ url: '/' });
    expect(home.statusCode).toBe(200);
    expect(home.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(home.body).toContain('Colloquy comment server');
    expect(home.body).not.toContain('Post-Interview Non-Awkwardness');
    for (const url of ['/index.html', '/host.css', '/ar.html']) expectError(await app.inject({ url }), 404);
    for (const url of ['/colloquy.js', '/colloquy-admin.js', '/admin']) expect((await app.inject({ url })).statusCode, url).toBe(200);
  });

  it("serves of the widget package's build only the files a browser loads, nothing else built beside them", async () => {
    const { store } = await startServer();
    const root = mkdtempSync(join(tmpdir(), 'colloquy-root-'));
    const built = {
      loaded: ['colloquy.js', 'colloquy-ar.js', 'colloquy-local.js', 'colloquy-admin.js', 'colloquy.css'],
      hidden: ['colloquy.mjs', 'core.mjs', 'markdown-CR3djaTn.js', 'types/index.d.ts', 'server/colloquy.js', 'colloquy.js.map', 'package.json'],
    };
    for (const file of [...built.loaded, ...built.hidden]) {
      mkdirSync(dirname(join(root, 'dist', file)), { recursive: true });
      writeFileSync(join(root, 'dist', file), `/* ${file} */`);
    }
    const app = createApp({ store, root, config: trusted });
    try {
      for (const file of built.loaded) {
        const response = await app.inject({ url: `/${file}` });
        expect(response.statusCode, file).toBe(200);
        expect(response.body).toBe(`/* ${file} */`);
      }
      for (const url of [...built.hidden.map((file) => `/${file}`), '/types/', '/%74ypes/index.d.ts', '/server%2fcolloquy.js', '/x/../core.mjs']) {
        expectError(await app.inject({ url }), 404);
      }
    } finally {
      await app.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('seeding the demo thread', () => {
  it("inserts the demo post's two responses once, only into an empty thread", async () => {
    const { app, store } = await startServer();
    expect(await seedDemo(store)).toBe('seeded');
    expect(await seedDemo(store)).toBe('skipped');
    const page = await list(app, `thread=${demoThread.id}`);
    expect(page.thread).toEqual({ id: demoThread.id, title: demoThread.title, count: 2 });
    expect(page.comments.map((c) => [c.id, c.author.name, c.body])).toEqual(demoResponses.map((r) => [r.id, r.authorName, r.body]));
    // Nobody holds their edit tokens, and the window closed long ago anyway.
    expectError(await remove(app, 'seed-1', 'guess'), 401);
  });

  it('seeds only a demo: a server started without --demo leaves the demo thread empty, one with it seeds it', async () => {
    const db = await createStoreDatabase('sqlite');
    try {
      const flags = ['--port', '0', '--host', '127.0.0.1', '--database-url', `sqlite:${db.path}`];
      const plain = await serve(resolveServerConfig({}, flags));
      try {
        expect((await list(plain.app, `thread=${demoThread.id}`)).thread.count).toBe(0);
      } finally {
        await plain.close();
      }
      const demo = await serve(resolveServerConfig({}, [...flags, '--demo', demoFolder]));
      try {
        expect((await list(demo.app, `thread=${demoThread.id}`)).thread.count).toBe(2);
      } finally {
        await demo.close();
      }
    } finally {
      await db.destroy();
    }
  });

  it('refuses to start with a demo folder that does not exist, naming the option', async () => {
    await expect(serve(resolveServerConfig({}, ['--port', '0', '--database-url', 'sqlite::memory:', '--demo', '/no/such/folder']))).rejects.toThrow(
      /^\[colloquy\] option "demo \(--demo, COLLOQUY_DEMO\)" names "\/no\/such\/folder", which is not a folder/,
    );
  });
});

describe('idempotency', () => {
  it('the same key and body again returns the same comment (200, no new token) and stores nothing new', async () => {
    const { app } = await startServer();
    const headers = { 'idempotency-key': 'key-1' };
    const first = await create(app, wire(), headers);
    const again = await post(app, wire(), headers);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual({ comment: first.comment, editableUntil: first.editableUntil });
    // Key order does not make another request.
    const { author, ...rest } = wire();
    const reordered = await post(app, { author: { email: author.email, name: author.name }, ...rest }, headers);
    expect(reordered.statusCode).toBe(200);
    expect((await list(app, 'thread=t')).comments).toHaveLength(1);
    // The token from the first answer still works.
    expect((await patch(app, first.comment.id, first.editToken, { body: 'Edited.' })).statusCode).toBe(200);
  });

  it('the same key with another body is a 409 conflict and stores nothing', async () => {
    const { app } = await startServer();
    await create(app, wire(), { 'idempotency-key': 'key-1' });
    expectError(await post(app, wire({ body: 'Something else.' }), { 'idempotency-key': 'key-1' }), 409);
    expectError(await post(app, wire({ thread: 'elsewhere' }), { 'idempotency-key': 'key-1' }), 409);
    expect((await list(app, 'thread=t')).comments).toHaveLength(1);
    expect((await list(app, 'thread=elsewhere')).comments).toHaveLength(0);
  });

  it('without a key, every post is a new comment; distinct keys are distinct comments', async () => {
    const { app } = await startServer();
    await create(app);
    await create(app);
    await create(app, wire(), { 'idempotency-key': 'a' });
    await create(app, wire(), { 'idempotency-key': 'b' });
    expect((await list(app, 'thread=t')).comments).toHaveLength(4);
  });
});

describe('the edit window and the edit token', () => {
  it('PATCH and DELETE work until the window closes, and answer 403 from then on', async () => {
    const { app, clock } = await startServer();
    const { comment, editToken, editableUntil } = await create(app);
    clock.now = Date.parse(editableUntil) - 1;
    expect((await patch(app, comment.id, editToken, { body: 'Just in time.' })).statusCode).toBe(200);
    clock.now = Date.parse(editableUntil);
    expectError(await patch(app, comment.id, editToken, { body: 'Too late.' }), 403);
    expectError(await remove(app, comment.id, editToken), 403);
    clock.now = T0 + 7 * 24 * 60 * MINUTE;
    expectError(await remove(app, comment.id, editToken), 403);
    expect((await list(app, 'thread=t')).comments[0]?.body).toBe('Just in time.');
  });

  it('honours a configured window', async () => {
    const { app, clock } = await startServer({ editWindowMinutes: 1 });
    const { comment, editToken, editableUntil } = await create(app);
    expect(editableUntil).toBe(new Date(T0 + MINUTE).toISOString());
    clock.now = T0 + MINUTE + 1;
    expectError(await remove(app, comment.id, editToken), 403);
  });

  it("401 without a token, with a malformed one, or with another comment's; 404 for an unknown id", async () => {
    const { app } = await startServer();
    const mine = await create(app);
    const theirs = await create(app);
    for (const response of [
      await patch(app, mine.comment.id, undefined, { body: 'x' }),
      await patch(app, mine.comment.id, theirs.editToken, { body: 'x' }),
      await patch(app, mine.comment.id, mine.editToken.slice(1), { body: 'x' }),
      await app.inject({ method: 'PATCH', url: `/api/comments/${mine.comment.id}`, payload: { body: 'x' }, headers: { authorization: mine.editToken } }),
      await app.inject({ method: 'DELETE', url: `/api/comments/${mine.comment.id}`, headers: { authorization: `Basic ${mine.editToken}` } }),
      await remove(app, mine.comment.id, undefined),
      await remove(app, mine.comment.id, theirs.editToken),
    ]) {
      expectError(response, 401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    expectError(await patch(app, 'no-such-comment', mine.editToken, { body: 'x' }), 404);
    expectError(await remove(app, 'no-such-comment', mine.editToken), 404);
    // The scheme is case-insensitive, as HTTP says.
    const lower = await app.inject({ method: 'DELETE', url: `/api/comments/${mine.comment.id}`, headers: { authorization: `bearer ${mine.editToken}` } });
    expect(lower.statusCode).toBe(200);
    expect((await list(app, 'thread=t')).comments.map((c) => c.id)).toEqual([theirs.comment.id]);
  });
});

describe('SQL-looking input', () => {
  it('is valid text, stored and returned verbatim, and harms nothing', async () => {
    const { app } = await startServer();
    await create(app, wire({ thread: 'bystander' }));
    const sql = {
      thread: "t'; DROP TABLE comments; --",
      title: '"; DELETE FROM threads; --',
      url: "https://blog.example/?q='OR'1'='1';--",
      body: "' OR '1'='1'; UPDATE comments SET body = 'pwned'; --",
      author: { name: "Robert'); DROP TABLE students;--", email: "o'reilly--@example.com", url: "https://ann.example/?id=1'--" },
    };
    const { comment } = await create(app, sql);
    expect(comment).toMatchObject({ threadId: sql.thread, body: sql.body, author: { name: sql.author.name, url: sql.author.url } });
    const page = await list(app, `thread=${encodeURIComponent(sql.thread)}`);
    expect(page.thread).toEqual({ id: sql.thread, title: sql.title, count: 1 });
    expect(page.comments).toEqual([comment]);
    const reply = await create(app, wire({ thread: sql.thread, parentId: comment.id, body: "1; SELECT * FROM comments WHERE '' = ''" }));
    expect(reply.comment.body).toBe("1; SELECT * FROM comments WHERE '' = ''");
    expect((await app.inject({ url: `/api/counts?thread=${encodeURIComponent(sql.thread)}&thread=bystander` })).json()).toEqual({
      counts: { [sql.thread]: 2, bystander: 1 },
    });
    expect((await list(app, 'thread=bystander')).comments[0]?.body).toBe('A thoughtful comment.');
  });
});

describe('malformed requests', () => {
  let server: Server;
  /** A comment and its token, another thread's comment: what the PATCH, DELETE and parentId cases aim at. */
  let target: { id: string; token: string; otherThreadId: string };

  beforeAll(async () => {
    const db = await createStoreDatabase('sqlite');
    const store = db.open();
    await store.migrate();
    const app = createApp({ store, config: trusted, now: () => new Date(T0) });
    server = { app, store, db, clock: { now: T0 } };
    const mine = await create(app, wire({ title: 'Target' }));
    const other = await create(app, wire({ thread: 'other' }));
    target = { id: mine.comment.id, token: mine.editToken, otherThreadId: other.comment.id };
  });
  afterAll(() => stopServer(server));

  /** Everything a failed request could have changed: every row, and the public view of both threads. */
  async function snapshot() {
    const [comments, threads, t, other] = await Promise.all([
      server.db.query('SELECT * FROM comments ORDER BY id'),
      server.db.query('SELECT * FROM threads ORDER BY id'),
      list(server.app, 'thread=t'),
      list(server.app, 'thread=other'),
    ]);
    return { comments, threads, t, other };
  }

  const json = (payload: unknown, headers: Record<string, string> = {}): InjectOptions => ({
    method: 'POST',
    url: '/api/comments',
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: { 'content-type': 'application/json', ...headers },
  });
  const without = (key: keyof WireComment) => {
    const body: Partial<WireComment> = wire();
    delete body[key];
    return body;
  };
  const withoutAuthor = (key: keyof WireComment['author']) => {
    const body = wire();
    delete (body.author as Partial<WireComment['author']>)[key];
    return body;
  };
  const ONE_MB = 'x'.repeat(1024 * 1024);
  const long = (n: number) => 'a'.repeat(n);

  type Case = [name: string, request: () => InjectOptions, status: number, field?: string];
  const cases: Case[] = [
    // Not JSON, or not an object
    ['invalid JSON', () => json('{"thread": "t", "body": '), 400],
    ['JSON with trailing garbage', () => json('{"thread":"t"} x'), 400],
    ['single-quoted pseudo-JSON', () => json("{'thread': 't'}"), 400],
    ['an empty body', () => json(''), 400],
    ['a JSON array instead of an object', () => json([wire()]), 400],
    ['JSON null', () => json('null'), 400],
    ['a JSON string', () => json('"hello"'), 400],
    ['a JSON number', () => json('42'), 400],
    ['a __proto__ key', () => json(`{"__proto__": {"admin": true}, ${JSON.stringify(wire()).slice(1)}`), 400],
    // Missing fields
    ['no thread', () => json(without('thread')), 400, 'thread'],
    ['no body', () => json(without('body')), 400, 'body'],
    ['no author', () => json(without('author')), 400, 'author'],
    ['no author name', () => json(withoutAuthor('name')), 400, 'name'],
    ['no author email', () => json(withoutAuthor('email')), 400, 'email'],
    ['an empty object', () => json({}), 400],
    // Wrong types and nulls
    ['thread as a number', () => json({ ...wire(), thread: 42 }), 400, 'thread'],
    ['thread null', () => json({ ...wire(), thread: null }), 400, 'thread'],
    ['body as a number', () => json({ ...wire(), body: 42 }), 400, 'body'],
    ['body null', () => json({ ...wire(), body: null }), 400, 'body'],
    ['body as an array', () => json({ ...wire(), body: ['A', 'comment'] }), 400, 'body'],
    ['body as an object', () => json({ ...wire(), body: { text: 'A comment' } }), 400, 'body'],
    ['body true', () => json({ ...wire(), body: true }), 400, 'body'],
    ['author as an array', () => json({ ...wire(), author: [wire().author] }), 400, 'author'],
    ['author as a string', () => json({ ...wire(), author: 'Ann <ann@example.com>' }), 400, 'author'],
    ['author null', () => json({ ...wire(), author: null }), 400, 'author'],
    ['name as a number', () => json(wire({ author: { name: 7 as unknown as string } })), 400, 'name'],
    ['name null', () => json(wire({ author: { name: null as unknown as string } })), 400, 'name'],
    ['email as an array', () => json(wire({ author: { email: ['ann@example.com'] as unknown as string } })), 400, 'email'],
    ['website as a number', () => json(wire({ author: { url: 1 as unknown as string } })), 400, 'url'],
    ['parentId as a number', () => json(wire({ parentId: 5 as unknown as string })), 400, 'parentId'],
    ['parentId as an object', () => json(wire({ parentId: { id: 'x' } as unknown as string })), 400, 'parentId'],
    ['title as a number', () => json(wire({ title: 5 as unknown as string })), 400, 'title'],
    ['page url as an object', () => json(wire({ url: {} as unknown as string })), 400, 'pageUrl'],
    // Unknown fields
    ['an unknown top-level field', () => json({ ...wire(), status: 'approved' }), 400, 'status'],
    ['an unknown top-level id', () => json({ ...wire(), id: 'chosen-id' }), 400, 'id'],
    ['an unknown nested author field', () => json(wire({ author: { avatarSeed: 'mine' } as Partial<WireComment['author']> })), 400, 'author.avatarSeed'],
    ['threadId instead of thread', () => json({ ...without('thread'), threadId: 't' }), 400],
    // Empty, blank, too long
    ['an empty thread', () => json(wire({ thread: '' })), 400, 'thread'],
    ['a 201-character thread', () => json(wire({ thread: long(201) })), 400, 'thread'],
    ['an empty body string', () => json(wire({ body: '' })), 400, 'body'],
    ['a whitespace-only body', () => json(wire({ body: ' \n\t \r\n ' })), 400, 'body'],
    ['a 10,001-character body', () => json(wire({ body: long(10_001) })), 400, 'body'],
    ['a 10,001-emoji body', () => json(wire({ body: '😀'.repeat(10_001) })), 400, 'body'],
    ['an empty name', () => json(wire({ author: { name: '' } })), 400, 'name'],
    ['a whitespace-only name', () => json(wire({ author: { name: '   ' } })), 400, 'name'],
    ['a 101-character name', () => json(wire({ author: { name: long(101) } })), 400, 'name'],
    ['an empty email', () => json(wire({ author: { email: '' } })), 400, 'email'],
    ['a 501-character title', () => json(wire({ title: long(501) })), 400, 'title'],
    ['an empty parentId', () => json(wire({ parentId: '' })), 400, 'parentId'],
    ['a 65-character parentId', () => json(wire({ parentId: long(65) })), 400, 'parentId'],
    // Bad values
    ['an email without @', () => json(wire({ author: { email: 'ann.example.com' } })), 400, 'email'],
    ['an email without a domain dot', () => json(wire({ author: { email: 'ann@localhost' } })), 400, 'email'],
    ['an email with a space', () => json(wire({ author: { email: 'ann smith@example.com' } })), 400, 'email'],
    ['a javascript: website', () => json(wire({ author: { url: 'javascript:alert(document.cookie)' } })), 400, 'url'],
    ['a JaVaScRiPt: website with a tab', () => json(wire({ author: { url: 'java\tscript:alert(1)' } })), 400, 'url'],
    ['a data: website', () => json(wire({ author: { url: 'data:text/html,<script>alert(1)</script>' } })), 400, 'url'],
    ['an ftp: website', () => json(wire({ author: { url: 'ftp://ann.example/' } })), 400, 'url'],
    ['a relative website', () => json(wire({ author: { url: '/ann' } })), 400, 'url'],
    ['a protocol-relative website', () => json(wire({ author: { url: '//ann.example' } })), 400, 'url'],
    ['a javascript: page url', () => json(wire({ url: 'javascript:alert(1)' })), 400, 'pageUrl'],
    ['a nonexistent parentId', () => json(wire({ parentId: 'does-not-exist' })), 400, 'parentId'],
    ['a parentId from another thread', () => json(wire({ parentId: target.otherThreadId })), 400, 'parentId'],
    // Control characters
    ['a NUL in the body', () => json(wire({ body: 'Hello\u0000world' })), 400, 'body'],
    ['a BEL in the body', () => json(wire({ body: 'Hello\u0007' })), 400, 'body'],
    ['a C1 control in the body', () => json(wire({ body: 'Hello\u0085world' })), 400, 'body'],
    ['an ESC in the name', () => json(wire({ author: { name: 'Ann\u001b[31m' } })), 400, 'name'],
    ['a newline in the name', () => json(wire({ author: { name: 'Ann\nAdmin' } })), 400, 'name'],
    ['a control character in the thread', () => json(wire({ thread: 't\u0000' })), 400, 'thread'],
    ['a control character in the title', () => json(wire({ title: 'Title\u0008' })), 400, 'title'],
    ['a newline in the email', () => json(wire({ author: { email: 'ann@example.com\nBcc: x@y.z' } })), 400, 'email'],
    // Size and media type
    ['a 1 MB name', () => json(wire({ author: { name: ONE_MB } })), 413],
    ['a 1 MB body', () => json(wire({ body: ONE_MB })), 413],
    ['a 70 KB request', () => json(wire({ body: long(70_000) })), 413],
    ['text/plain', () => ({ ...json(wire()), headers: { 'content-type': 'text/plain' } }), 415],
    ['a form post', () => ({ ...json('thread=t&body=hi'), headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415],
    ['multipart', () => ({ ...json('--x\r\n\r\n--x--'), headers: { 'content-type': 'multipart/form-data; boundary=x' } }), 415],
    ['application/xml', () => ({ ...json('<comment/>'), headers: { 'content-type': 'application/xml' } }), 415],
    ['no content type', () => ({ method: 'POST', url: '/api/comments', payload: Buffer.from(JSON.stringify(wire())) }), 415],
    // Idempotency-Key
    ['an Idempotency-Key with a space', () => json(wire(), { 'idempotency-key': 'two words' }), 400, 'Idempotency-Key'],
    ['a 129-character Idempotency-Key', () => json(wire(), { 'idempotency-key': long(129) }), 400, 'Idempotency-Key'],
    ['a non-ASCII Idempotency-Key', () => json(wire(), { 'idempotency-key': 'clé' }), 400, 'Idempotency-Key'],
    ['an empty Idempotency-Key', () => json(wire(), { 'idempotency-key': '' }), 400, 'Idempotency-Key'],
    // GET /api/comments
    ['a list without thread', () => ({ url: '/api/comments' }), 400, 'thread'],
    ['a list with an empty thread', () => ({ url: '/api/comments?thread=' }), 400, 'thread'],
    ['a list with a 201-character thread', () => ({ url: `/api/comments?thread=${long(201)}` }), 400, 'thread'],
    ['a list with two threads', () => ({ url: '/api/comments?thread=t&thread=other' }), 400, 'thread'],
    ['limit=0', () => ({ url: '/api/comments?thread=t&limit=0' }), 400, 'limit'],
    [`limit=${MAX_PAGE_SIZE + 1}`, () => ({ url: `/api/comments?thread=t&limit=${MAX_PAGE_SIZE + 1}` }), 400, 'limit'],
    ['limit=abc', () => ({ url: '/api/comments?thread=t&limit=abc' }), 400, 'limit'],
    ['limit=-1', () => ({ url: '/api/comments?thread=t&limit=-1' }), 400, 'limit'],
    ['limit=2.5', () => ({ url: '/api/comments?thread=t&limit=2.5' }), 400, 'limit'],
    ['limit=010', () => ({ url: '/api/comments?thread=t&limit=010' }), 400, 'limit'],
    ['sort=random', () => ({ url: '/api/comments?thread=t&sort=random' }), 400, 'sort'],
    ['a garbage cursor', () => ({ url: '/api/comments?thread=t&cursor=%%%not-a-cursor' }), 400, 'cursor'],
    ['a base64 cursor of junk', () => ({ url: `/api/comments?thread=t&cursor=${Buffer.from('{"x":1}').toString('base64url')}` }), 400, 'cursor'],
    ['a 600-character cursor', () => ({ url: `/api/comments?thread=t&cursor=${long(600)}` }), 400, 'cursor'],
    ['an unknown query parameter', () => ({ url: '/api/comments?thread=t&include=emails' }), 400, 'include'],
    // GET /api/counts
    ['counts without thread', () => ({ url: '/api/counts' }), 400, 'thread'],
    ['counts of an empty thread id', () => ({ url: '/api/counts?thread=' }), 400, 'thread'],
    ['counts of 101 threads', () => ({ url: `/api/counts?${Array.from({ length: 101 }, (_, i) => `thread=t${i}`).join('&')}` }), 400, 'thread'],
    ['counts with an unknown parameter', () => ({ url: '/api/counts?thread=t&threads=u' }), 400, 'threads'],
    // PATCH and DELETE
    [
      'an edit without a body field',
      () => ({ method: 'PATCH', url: `/api/comments/${target.id}`, payload: {}, headers: { authorization: `Bearer ${target.token}` } }),
      400,
      'body',
    ],
    [
      'an edit to an empty body',
      () => ({ method: 'PATCH', url: `/api/comments/${target.id}`, payload: { body: '  ' }, headers: { authorization: `Bearer ${target.token}` } }),
      400,
      'body',
    ],
    [
      'an edit to 10,001 characters',
      () => ({ method: 'PATCH', url: `/api/comments/${target.id}`, payload: { body: long(10_001) }, headers: { authorization: `Bearer ${target.token}` } }),
      400,
      'body',
    ],
    [
      'an edit with a number body',
      () => ({ method: 'PATCH', url: `/api/comments/${target.id}`, payload: { body: 1 }, headers: { authorization: `Bearer ${target.token}` } }),
      400,
      'body',
    ],
    [
      'an edit that changes the author too',
      () => ({
        method: 'PATCH',
        url: `/api/comments/${target.id}`,
        payload: { body: 'ok', author: { name: 'Mallory' } },
        headers: { authorization: `Bearer ${target.token}` },
      }),
      400,
      'author',
    ],
    [
      'an edit as invalid JSON',
      () => ({
        method: 'PATCH',
        url: `/api/comments/${target.id}`,
        payload: '{"body":',
        headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      }),
      400,
    ],
    [
      'an edit as text/plain',
      () => ({
        method: 'PATCH',
        url: `/api/comments/${target.id}`,
        payload: 'new body',
        headers: { authorization: `Bearer ${target.token}`, 'content-type': 'text/plain' },
      }),
      415,
    ],
    ['an edit without a token', () => ({ method: 'PATCH', url: `/api/comments/${target.id}`, payload: { body: 'Hijacked.' } }), 401],
    [
      'an edit with a wrong token',
      () => ({ method: 'PATCH', url: `/api/comments/${target.id}`, payload: { body: 'Hijacked.' }, headers: { authorization: `Bearer ${long(32)}` } }),
      401,
    ],
    [
      'an edit of an unknown comment',
      () => ({ method: 'PATCH', url: '/api/comments/nope', payload: { body: 'Hello.' }, headers: { authorization: `Bearer ${target.token}` } }),
      404,
    ],
    ['a delete without a token', () => ({ method: 'DELETE', url: `/api/comments/${target.id}` }), 401],
    ['a delete with an empty bearer', () => ({ method: 'DELETE', url: `/api/comments/${target.id}`, headers: { authorization: 'Bearer ' } }), 401],
    [
      'a delete with a SQL-looking token',
      () => ({ method: 'DELETE', url: `/api/comments/${target.id}`, headers: { authorization: "Bearer ' OR '1'='1" } }),
      401,
    ],
    ['a delete of an unknown comment', () => ({ method: 'DELETE', url: '/api/comments/nope', headers: { authorization: `Bearer ${target.token}` } }), 404],
    [
      'a delete of a 65-character id',
      () => ({ method: 'DELETE', url: `/api/comments/${long(65)}`, headers: { authorization: `Bearer ${target.token}` } }),
      400,
      'id',
    ],
    // Routes that do not exist
    ['PUT on the collection', () => ({ method: 'PUT', url: '/api/comments', payload: wire() }), 404],
    ['POST to a comment', () => ({ method: 'POST', url: `/api/comments/${target.id}`, payload: wire() }), 404],
    ['an unknown API path', () => ({ url: '/api/comments/export' }), 404],
  ];

  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases.map(([name, request, status, field]) => [name, status, field ?? '', request] as const))(
    '%s → %i %s, a JSON error, nothing stored',
    async (_name, status, field, request) => {
      const before = await snapshot();
      const response = await server.app.inject(request());
      expectError(response, status, field || undefined);
      expect(await snapshot()).toEqual(before);
    },
  );
});

describe('no response ever contains a posted email', () => {
  it('holds for every route, success or error', async () => {
    const { app, clock } = await startServer({ origins: ['https://site.example'], rateLimit: 1000 });
    const emails = ['Canary.One@Mail.Example', 'canary-two@mail.example', 'canary+three@sub.mail.example'];
    const responses: LightMyRequestResponse[] = [];
    const send = async (options: InjectOptions) => {
      const response = await app.inject(options);
      responses.push(response);
      return response;
    };
    const origin = { origin: 'https://site.example' };
    const first = (
      await send({
        method: 'POST',
        url: '/api/comments',
        payload: wire({ title: 'Leak test', author: { email: emails[0] } }),
        headers: { ...origin, 'idempotency-key': 'leak-1' },
      })
    ).json();
    const second = (
      await send({
        method: 'POST',
        url: '/api/comments',
        payload: wire({ parentId: first.comment.id, author: { email: emails[1], url: 'https://two.example' } }),
      })
    ).json();
    const third = (await send({ method: 'POST', url: '/api/comments', payload: wire({ thread: 'other', author: { email: emails[2] } }) })).json();
    // A replay, a conflict, and errors about the email and about other fields next to it.
    await send({
      method: 'POST',
      url: '/api/comments',
      payload: wire({ title: 'Leak test', author: { email: emails[0] } }),
      headers: { 'idempotency-key': 'leak-1' },
    });
    await send({
      method: 'POST',
      url: '/api/comments',
      payload: wire({ body: 'other', author: { email: emails[0] } }),
      headers: { 'idempotency-key': 'leak-1' },
    });
    await send({ method: 'POST', url: '/api/comments', payload: wire({ author: { email: emails[1], url: 'javascript:alert(1)' } }) });
    await send({ method: 'POST', url: '/api/comments', payload: wire({ author: { email: `${emails[1]}\u0000` } }) });
    await send({ method: 'POST', url: '/api/comments', payload: wire({ author: { email: emails[2], extra: emails[2] } as Partial<WireComment['author']> }) });
    await send({ method: 'POST', url: '/api/comments', payload: wire({ parentId: 'missing', author: { email: emails[2] } }) });
    await send({
      method: 'POST',
      url: '/api/comments',
      payload: `{"thread":"t","author":{"email":"${emails[0]}"`,
      headers: { 'content-type': 'application/json' },
    });
    await send({
      method: 'POST',
      url: '/api/comments',
      payload: JSON.stringify(wire({ author: { email: emails[0] } })),
      headers: { 'content-type': 'text/plain' },
    });
    await send({ method: 'POST', url: '/api/comments', payload: wire({ body: 'x'.repeat(70_000), author: { email: emails[0] } }) });
    // Reads, edits, deletes, and their errors.
    clock.now += MINUTE;
    await send({ url: '/api/comments?thread=t', headers: origin });
    await send({ url: '/api/comments?thread=t&sort=newest&limit=1' });
    await send({ url: '/api/comments?thread=other' });
    await send({ url: `/api/comments?thread=t&cursor=${encodeURIComponent(emails[0]!)}` });
    await send({ url: '/api/counts?thread=t&thread=other' });
    await send({ url: '/api/health' });
    await send({
      method: 'PATCH',
      url: `/api/comments/${second.comment.id}`,
      payload: { body: 'Edited.' },
      headers: { authorization: `Bearer ${second.editToken}` },
    });
    await send({
      method: 'PATCH',
      url: `/api/comments/${second.comment.id}`,
      payload: { body: 'Edited.', email: emails[1] },
      headers: { authorization: `Bearer ${second.editToken}` },
    });
    await send({
      method: 'PATCH',
      url: `/api/comments/${third.comment.id}`,
      payload: { body: 'Edited.' },
      headers: { authorization: `Bearer ${second.editToken}` },
    });
    await send({ method: 'DELETE', url: `/api/comments/${first.comment.id}`, headers: { authorization: `Bearer ${first.editToken}` } });
    await send({ url: '/api/comments?thread=t' });
    await send({ method: 'DELETE', url: `/api/comments/${third.comment.id}`, headers: { authorization: `Bearer ${third.editToken}` } });
    await send({ method: 'DELETE', url: `/api/comments/${third.comment.id}`, headers: { authorization: `Bearer ${third.editToken}` } });
    await send({ method: 'OPTIONS', url: '/api/comments', headers: { ...origin, 'access-control-request-method': 'POST' } });
    await send({ url: `/api/${encodeURIComponent(emails[1]!)}` });
    await send({ url: '/' });
    clock.now += 60 * MINUTE;
    await send({
      method: 'PATCH',
      url: `/api/comments/${second.comment.id}`,
      payload: { body: 'Too late.' },
      headers: { authorization: `Bearer ${second.editToken}` },
    });

    expect(responses.length).toBeGreaterThan(25);
    expect(new Set(responses.map((r) => r.statusCode))).toEqual(new Set([200, 201, 204, 400, 401, 403, 404, 409, 413, 415]));
    const leaks = [...emails, ...emails.map((e) => e.toLowerCase()), ...emails.map((e) => e.split('@')[0]!)];
    for (const response of responses) {
      const text = `${JSON.stringify(response.headers)}\n${response.body}`;
      // Error messages never echo input either, so even an email sent in a URL or as a key stays out.
      for (const leak of leaks) expect(text, `${response.statusCode} ${response.body.slice(0, 200)}`).not.toContain(leak);
    }
  });
});

describe('CORS', () => {
  const allowed = 'https://blog.example';
  const preflight = (app: FastifyInstance, origin: string, method = 'POST') =>
    app.inject({
      method: 'OPTIONS',
      url: '/api/comments',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type,idempotency-key,authorization' },
    });

  it('an allowlisted origin gets CORS headers on reads, writes, errors and preflights', async () => {
    const { app } = await startServer({ origins: [allowed, 'https://other.example'] });
    const get = await app.inject({ url: '/api/comments?thread=t', headers: { origin: allowed } });
    expect(get.headers['access-control-allow-origin']).toBe(allowed);
    expect(get.headers.vary).toMatch(/Origin/);
    const created = await app.inject({ method: 'POST', url: '/api/comments', payload: wire(), headers: { origin: allowed } });
    expect(created.statusCode).toBe(201);
    expect(created.headers['access-control-allow-origin']).toBe(allowed);
    const invalid = await app.inject({ method: 'POST', url: '/api/comments', payload: wire({ body: '' }), headers: { origin: allowed } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.headers['access-control-allow-origin']).toBe(allowed);
    for (const method of ['POST', 'PATCH', 'DELETE']) {
      const response = await preflight(app, allowed, method);
      expect(response.statusCode).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe(allowed);
      expect(String(response.headers['access-control-allow-methods']).split(/,\s*/)).toEqual(expect.arrayContaining(['POST', 'PATCH', 'DELETE']));
      expect(String(response.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/)).toEqual(
        expect.arrayContaining(['content-type', 'idempotency-key', 'authorization']),
      );
    }
    expect(String(created.headers['access-control-expose-headers'])).toContain('Retry-After');
  });

  it('any other origin gets no CORS headers at all, preflight included', async () => {
    const { app } = await startServer({ origins: [allowed] });
    for (const origin of ['https://evil.example', 'http://blog.example', 'https://blog.example.evil.example', 'null']) {
      const responses = [
        await app.inject({ url: '/api/comments?thread=t', headers: { origin } }),
        await app.inject({ method: 'POST', url: '/api/comments', payload: wire(), headers: { origin } }),
        await preflight(app, origin),
      ];
      for (const response of responses) {
        expect(Object.keys(response.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      }
      expect(responses[2]!.statusCode).toBe(404);
    }
  });

  it("the server's own origin works without being listed", async () => {
    const { app } = await startServer({ origins: [] });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const response = await fetch(`${origin}/api/comments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify(wire()),
    });
    expect(response.status).toBe(201);
    const page = await fetch(`${origin}/api/comments?thread=t`, { headers: { origin } });
    expect(((await page.json()) as { comments: unknown[] }).comments).toHaveLength(1);
  });
});

describe('rate limiting', () => {
  it('limits writes per client address, with a JSON 429 and Retry-After; reads are not limited', async () => {
    const { app } = await startServer({ rateLimit: 3 });
    const { comment, editToken } = await create(app);
    expect((await patch(app, comment.id, editToken, { body: 'Edit one.' })).statusCode).toBe(200);
    expect((await post(app, wire())).statusCode).toBe(201);
    const limited = await post(app, wire());
    const error = expectError(limited, 429);
    expect(error.code).toBe('rate-limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expectError(await remove(app, comment.id, editToken), 429);
    expectError(await patch(app, comment.id, editToken, { body: 'Edit two.' }), 429);
    for (let i = 0; i < 10; i++) expect((await app.inject({ url: '/api/comments?thread=t' })).statusCode).toBe(200);
    expect((await list(app, 'thread=t')).comments).toHaveLength(2);
    // Another address has its own budget.
    expect((await app.inject({ method: 'POST', url: '/api/comments', payload: wire(), remoteAddress: '192.0.2.7' })).statusCode).toBe(201);
  });

  it('a forged X-Forwarded-For does not escape the limit when no proxy is trusted', async () => {
    const { app } = await startServer({ rateLimit: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/comments',
        payload: wire(),
        headers: { 'x-forwarded-for': `203.0.113.${i}`, 'x-real-ip': `203.0.113.${i}`, forwarded: `for=203.0.113.${i}` },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([201, 201, 429, 429, 429, 429]);
  });

  it('behind a trusted proxy, the forwarded client address is the one limited', async () => {
    const { app } = await startServer({ rateLimit: 1, trustProxy: ['127.0.0.1'] });
    const from = (client: string, remoteAddress = '127.0.0.1') =>
      app.inject({ method: 'POST', url: '/api/comments', payload: wire(), remoteAddress, headers: { 'x-forwarded-for': client } });
    expect((await from('198.51.100.1')).statusCode).toBe(201);
    expect((await from('198.51.100.2')).statusCode).toBe(201);
    expect((await from('198.51.100.1')).statusCode).toBe(429);
    // A request that does not come through the trusted proxy cannot choose its address.
    expect((await from('198.51.100.3', '192.0.2.50')).statusCode).toBe(201);
    expect((await from('198.51.100.4', '192.0.2.50')).statusCode).toBe(429);
  });

  it('rateLimit 0 turns it off', async () => {
    const { app } = await startServer({ rateLimit: 0 });
    for (let i = 0; i < 25; i++) expect((await post(app, wire())).statusCode).toBe(201);
  });
});

describe('response headers', () => {
  it('API responses are never sniffed; writes and errors are never cached', async () => {
    const { app } = await startServer();
    const { comment, editToken } = await create(app);
    const cases: [InjectOptions, string][] = [
      [{ url: '/api/comments?thread=t' }, 'no-cache'],
      [{ url: '/api/counts?thread=t' }, 'no-cache'],
      [{ url: '/api/health' }, 'no-cache'],
      [{ url: '/api/comments' }, 'no-store'],
      [{ method: 'POST', url: '/api/comments', payload: wire() }, 'no-store'],
      [{ method: 'PATCH', url: `/api/comments/${comment.id}`, payload: { body: 'x' }, headers: { authorization: `Bearer ${editToken}` } }, 'no-store'],
      [{ method: 'DELETE', url: `/api/comments/${comment.id}`, headers: { authorization: `Bearer ${editToken}` } }, 'no-store'],
      [{ url: '/api/nothing-here' }, 'no-store'],
    ];
    for (const [request, cacheControl] of cases) {
      const response = await app.inject(request);
      expect(response.headers['x-content-type-options'], request.url as string).toBe('nosniff');
      expect(response.headers['cache-control'], request.url as string).toBe(cacheControl);
      expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    }
  });

  it('an API route reached by an encoded path (/%61pi/…) gets the API headers too', async () => {
    const { app } = await startServer();
    const cases: [string, number, string][] = [
      ['/%61pi/comments?thread=t', 200, 'no-cache'],
      ['/%61pi/nothing-here', 404, 'no-store'],
      ['/api/%63omments?thread=t', 200, 'no-cache'],
    ];
    for (const [url, status, cacheControl] of cases) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(status);
      expect(response.headers['cache-control'], url).toBe(cacheControl);
      expect(response.headers['content-security-policy'], url).toBe("default-src 'none'; frame-ancestors 'none'");
    }
    expect((await app.inject({ url: '/%61pi/nothing-here' })).json().error.message).toBe('The API has no such route for this method.');
    // Answered before routing, so by no route's hooks: still never cached.
    const malformed = await app.inject({ url: '/api/%E0%A4%A' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['cache-control']).toBe('no-store');
  });
});
