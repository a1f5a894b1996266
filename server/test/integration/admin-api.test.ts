import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newSession, sessionSigningKey, SESSION_TTL_MS } from '../../src/admin/session';
import { createApp } from '../../src/app';
import type { AppConfig } from '../../src/config/config';
import { SIGN_IN_ATTEMPTS_PER_MINUTE, SITE_SIGN_IN_ATTEMPTS_PER_MINUTE } from '../../src/admin/routes';
import type { Store } from '../../src/store/interfaces';
import { createStoreDatabase, selectedStores, type StoreDatabase } from './stores';

const PASSWORD = 'correct horse battery staple';
const ORIGIN = 'http://localhost:80';
const base: Partial<AppConfig> = {
  rateLimit: 0,
  moderation: 'all',
  spamChecks: [],
  adminPassword: PASSWORD,
  secret: 'a-test-secret-of-some-length',
  siteUrl: 'https://blog.example',
};

/** Every admin route and method, with a body that would be valid: without a session each answers 401. */
const adminRoutes: InjectOptions[] = [
  { method: 'POST', url: '/api/admin/session', payload: { password: 'wrong' } },
  { method: 'DELETE', url: '/api/admin/session' },
  { method: 'GET', url: '/api/admin/comments' },
  { method: 'GET', url: '/api/admin/comments?status=all&q=x' },
  { method: 'GET', url: '/api/admin/counts' },
  { method: 'POST', url: '/api/admin/comments/actions', payload: { ids: ['x'], action: 'approve', revisions: { x: 1 } } },
  { method: 'PATCH', url: '/api/admin/comments/x', payload: { body: 'Edited.' } },
  { method: 'POST', url: '/api/admin/comments/x/reply', payload: { body: 'Thanks!' } },
  { method: 'PATCH', url: '/api/admin/threads/t', payload: { title: 'A post' } },
];

interface Server {
  app: FastifyInstance;
  store: Store;
  db: StoreDatabase;
}

async function start(kind: 'sqlite' | 'postgres', config: Partial<AppConfig> = {}): Promise<Server> {
  const db = await createStoreDatabase(kind);
  const store = db.open();
  await store.migrate();
  const app = createApp({ store, config: { ...base, ...config } });
  return { app, store, db };
}

const stop = async ({ app, db }: Server) => {
  await app.close();
  await db.destroy();
};

/** Headers of a same-origin write from the dashboard (inject's Host is localhost:80). */
const sameOrigin = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' };

/**
 * Signs in and answers the `Cookie` header to send. Sign-in attempts are limited per address (and
 * the counters outlive a test), so a test that signs in again says from where.
 */
async function signIn(app: FastifyInstance, remoteAddress?: string): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/admin/session',
    payload: { password: PASSWORD },
    headers: sameOrigin,
    ...(remoteAddress ? { remoteAddress } : {}),
  });
  expect(response.statusCode, response.body).toBe(204);
  const cookie = String(response.headers['set-cookie']);
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Strict/);
  expect(cookie).not.toMatch(/Secure/); // plain http here
  return cookie.split(';')[0]!;
}

async function postComment(app: FastifyInstance, body: string, author = { name: 'Ann', email: 'ann@example.com' }, parentId?: string) {
  const response = await app.inject({ method: 'POST', url: '/api/comments', payload: { thread: 't', body, author, ...(parentId ? { parentId } : {}) } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().comment as { id: string; status: string };
}

describe.each(selectedStores())('admin API on %s', (kind) => {
  let server: Server;
  let cookie: string;
  beforeAll(async () => {
    server = await start(kind);
    cookie = await signIn(server.app);
  });
  afterAll(async () => {
    if (server) await stop(server);
  });

  const admin = (options: InjectOptions) =>
    server.app.inject({ ...options, headers: { cookie, ...(options.method && options.method !== 'GET' ? sameOrigin : {}), ...options.headers } });

  it.each(adminRoutes.filter((route) => !(route.method === 'POST' && route.url === '/api/admin/session')))(
    'answers 401 without a session: $method $url',
    async (route) => {
      const response = await server.app.inject({ ...route, headers: sameOrigin });
      expect(response.statusCode, response.body).toBe(401);
      expect(response.json().error.code).toBe('unauthorized');
    },
  );

  const token = 'A'.repeat(43);
  it.each([
    'colloquy_admin=',
    'colloquy_admin',
    'colloquy_admin=99999999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    'colloquy_admin=1.x',
    `colloquy_admin=${token}.${token}`,
    `colloquy_admin=${token}`,
    `colloquy_admin=${token}.${token}.${token}`,
    `colloquy_admin="${token}.${token}"`,
    `colloquy_admin=${'A'.repeat(8000)}`,
    'colloquy_admin=%00%ff; colloquy_admin=;;; =; =x',
    'colloquy_admin=\u00e9\u00ff.\u00e9',
    ';;;',
  ])('answers 401, never 500, to a malformed or forged session cookie (%s)', async (forged) => {
    for (const method of ['GET', 'DELETE'] as const) {
      const response = await server.app.inject({
        method,
        url: method === 'GET' ? '/api/admin/comments' : '/api/admin/session',
        headers: { cookie: forged, ...sameOrigin },
      });
      expect(response.statusCode, response.body).toBe(401);
      expect(response.json().error.code).toBe('unauthorized');
    }
  });

  it('answers 401 to a correctly signed cookie whose session was never stored', async () => {
    const forged = newSession(sessionSigningKey(base.secret!, PASSWORD)).value;
    const response = await server.app.inject({ method: 'GET', url: '/api/admin/counts', headers: { cookie: `colloquy_admin=${forged}` } });
    expect(response.statusCode).toBe(401);
  });

  it('stores only a hash of the session token: the database holds nothing the cookie does', async () => {
    const value = cookie.split('=')[1]!;
    const [token] = value.split('.');
    const rows = await server.db.query<Record<string, unknown>>('SELECT * FROM admin_sessions');
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(JSON.stringify(rows)).not.toContain(value.split('.')[1]);
  });

  it('keeps a session valid in every process with the same password, and in none after a password change', async () => {
    const sameSecret = (adminPassword: string) => createApp({ store: server.store, config: { ...base, adminPassword } });
    const [twin, changed] = [sameSecret(PASSWORD), sameSecret('a brand new long password')];
    try {
      const ask = (app: FastifyInstance, cookie: string) => app.inject({ method: 'GET', url: '/api/admin/counts', headers: { cookie } });
      expect((await ask(twin, cookie)).statusCode).toBe(200);
      expect((await ask(changed, cookie)).statusCode).toBe(401);
      // A session opened under the new password is refused where the old one still holds.
      const signedIn = await changed.inject({
        method: 'POST',
        url: '/api/admin/session',
        payload: { password: 'a brand new long password' },
        headers: sameOrigin,
        remoteAddress: '192.0.2.20',
      });
      expect(signedIn.statusCode, signedIn.body).toBe(204);
      const fresh = String(signedIn.headers['set-cookie']).split(';')[0]!;
      expect((await ask(changed, fresh)).statusCode).toBe(200);
      expect((await ask(twin, fresh)).statusCode).toBe(401);
    } finally {
      await Promise.all([twin.close(), changed.close()]);
    }
  });

  it('refuses a wrong password and signs in with the right one', async () => {
    const wrong = await server.app.inject({ method: 'POST', url: '/api/admin/session', payload: { password: 'guess' }, headers: sameOrigin });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const counts = await admin({ method: 'GET', url: '/api/admin/counts' });
    expect(counts.statusCode, counts.body).toBe(200);
    expect(counts.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['Origin of another site', { origin: 'https://evil.example' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['neither Origin nor Sec-Fetch-Site', {}],
  ])('refuses a write with %s even with a valid session cookie', async (_name, headers) => {
    const comment = await postComment(server.app, `Held for the CSRF test ${JSON.stringify(headers)}.`);
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/admin/comments/actions',
      payload: { ids: [comment.id], action: 'approve', revisions: { [comment.id]: 1 } },
      headers: { cookie, ...headers },
    });
    expect(response.statusCode, response.body).toBe(403);
    const [entry] = (await server.store.moderation.list({ status: 'pending', limit: 100 })).filter((e) => e.id === comment.id);
    expect(entry?.status).toBe('pending');
  });

  it('refuses a cross-site sign-in', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/admin/session',
      payload: { password: PASSWORD },
      headers: { origin: 'https://evil.example' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a form-encoded write (JSON only)', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/admin/comments/actions',
      payload: 'ids=x&action=approve',
      headers: { cookie, ...sameOrigin, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.statusCode).toBe(415);
  });

  it('lists the pending queue by default, with emails, and searches by text, name and email', async () => {
    const a = await postComment(server.app, 'Searchable needle about gardening.', { name: 'Gwen', email: 'gwen@garden.example' });
    const b = await postComment(server.app, 'Another one, 100% literal.', { name: 'Hal', email: 'hal@example.com' });
    const listed = await admin({ method: 'GET', url: '/api/admin/comments' });
    expect(listed.statusCode, listed.body).toBe(200);
    const ids = listed.json().comments.map((c: { id: string }) => c.id);
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(listed.json().comments.every((c: { status: string }) => c.status === 'pending')).toBe(true);
    expect(listed.json().comments.find((c: { id: string }) => c.id === a.id).author.email).toBe('gwen@garden.example');

    for (const q of ['NEEDLE', 'gwen', 'garden.example']) {
      const found = await admin({ method: 'GET', url: `/api/admin/comments?status=all&q=${encodeURIComponent(q)}` });
      expect(found.json().comments.map((c: { id: string }) => c.id)).toEqual([a.id]);
    }
    // LIKE wildcards are literal: "%" finds only the body that has one.
    const percent = await admin({ method: 'GET', url: `/api/admin/comments?status=all&q=${encodeURIComponent('0%')}` });
    expect(percent.json().comments.map((c: { id: string }) => c.id)).toEqual([b.id]);
  });

  it('pages the queue with a cursor', async () => {
    const first = await admin({ method: 'GET', url: '/api/admin/comments?status=all&limit=2' });
    expect(first.json().comments).toHaveLength(2);
    const cursor = first.json().nextCursor as string;
    expect(cursor).toBeTruthy();
    const second = await admin({ method: 'GET', url: `/api/admin/comments?status=all&limit=2&cursor=${encodeURIComponent(cursor)}` });
    const seen = new Set(first.json().comments.map((c: { id: string }) => c.id));
    expect(second.json().comments.length).toBeGreaterThan(0);
    for (const c of second.json().comments) expect(seen.has(c.id)).toBe(false);
  });

  it('approves, marks spam and deletes, one by one and in bulk, and counts per status', async () => {
    const [one, two, three, four] = [
      await postComment(server.app, 'Approve me.'),
      await postComment(server.app, 'Buy cheap things.'),
      await postComment(server.app, 'Bulk one.'),
      await postComment(server.app, 'Bulk two.'),
    ];
    const before = (await admin({ method: 'GET', url: '/api/admin/counts' })).json().counts;

    const approve = await admin({
      method: 'POST',
      url: '/api/admin/comments/actions',
      payload: { ids: [one!.id], action: 'approve', revisions: { [one!.id]: 1 } },
    });
    expect(approve.statusCode, approve.body).toBe(200);
    expect(approve.json().results).toEqual([{ id: one!.id, outcome: 'changed', previous: 'pending' }]);
    const spam = await admin({ method: 'POST', url: '/api/admin/comments/actions', payload: { ids: [two!.id], action: 'spam' } });
    expect(spam.json().results[0].outcome).toBe('changed');
    const bulk = await admin({ method: 'POST', url: '/api/admin/comments/actions', payload: { ids: [three!.id, four!.id], action: 'delete' } });
    expect(bulk.json().results.map((r: { outcome: string }) => r.outcome)).toEqual(['removed', 'removed']);

    const after = (await admin({ method: 'GET', url: '/api/admin/counts' })).json().counts;
    expect(after).toEqual({ ...before, pending: before.pending - 4, approved: before.approved + 1, spam: before.spam + 1 });

    const page = (await server.app.inject({ url: '/api/comments?thread=t' })).json();
    const publicIds = page.comments.map((c: { id: string }) => c.id);
    expect(publicIds).toContain(one!.id);
    expect(publicIds).not.toContain(two!.id);
    expect(publicIds).not.toContain(three!.id);
  });

  it('edits a body', async () => {
    const comment = await postComment(server.app, 'Teh typo.');
    const edited = await admin({ method: 'PATCH', url: `/api/admin/comments/${comment.id}`, payload: { body: 'The typo, fixed.' } });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json().comment.body).toBe('The typo, fixed.');
    const missing = await admin({ method: 'PATCH', url: '/api/admin/comments/nope', payload: { body: 'x' } });
    expect(missing.statusCode).toBe(404);
    const empty = await admin({ method: 'PATCH', url: `/api/admin/comments/${comment.id}`, payload: { body: '   ' } });
    expect(empty.statusCode).toBe(400);
  });

  it('corrects what a thread is called and where its page is, checked as readers’ pages are', async () => {
    const thread = `fix-${kind}`;
    const held = await server.app.inject({
      method: 'POST',
      url: '/api/comments',
      payload: {
        thread,
        title: 'Hacked: visit evil.example',
        url: 'https://blog.example/phish',
        body: 'Hi',
        author: { name: 'Ann', email: 'ann@example.com' },
      },
    });
    expect(held.json().comment.status).toBe('pending');
    const patch = (payload: object, id = thread) => admin({ method: 'PATCH', url: `/api/admin/threads/${encodeURIComponent(id)}`, payload });

    const fixed = await patch({ title: ' The real post ', url: 'https://BLOG.example:443/real' });
    expect(fixed.statusCode, fixed.body).toBe(200);
    expect(fixed.json()).toEqual({ thread: { id: thread, title: 'The real post', url: 'https://blog.example/real' } });
    // Approving the held comment no longer renames what the owner set.
    await admin({ method: 'POST', url: '/api/admin/comments/actions', payload: { ids: [held.json().comment.id], action: 'approve' } });
    expect((await server.app.inject({ url: `/api/comments?thread=${thread}` })).json().thread).toMatchObject({ title: 'The real post', count: 1 });
    const [entry] = (await admin({ url: `/api/admin/comments?status=all&thread=${thread}` })).json().comments;
    expect(entry).toMatchObject({ threadTitle: 'The real post', threadUrl: 'https://blog.example/real', pageTitle: 'Hacked: visit evil.example' });

    expect((await patch({ url: null })).json()).toEqual({ thread: { id: thread, title: 'The real post', url: null } });
    expect((await patch({ title: '' })).json()).toEqual({ thread: { id: thread, title: null, url: null } });
    for (const [payload, field, message] of [
      [{ url: 'https://evil.example/phish' }, 'pageUrl', /a page of this site/],
      [{ url: 'https://blog.example@evil.example/' }, 'pageUrl', /a page of this site/],
      [{ url: 'javascript:alert(1)' }, 'pageUrl', /http/],
      [{ title: 'Line\nbreak' }, 'title', /control characters/],
      [{ title: 'x'.repeat(501) }, 'title', /500/],
      [{ title: 5 }, 'title', /Title/],
      [{ owner: 'me' }, 'owner', /Unknown field/],
    ] as const) {
      const refused = await patch(payload);
      expect(refused.statusCode, JSON.stringify(payload)).toBe(400);
      expect(refused.json().error).toMatchObject({ code: 'invalid', field, message: expect.stringMatching(message) });
    }
    expect((await patch({ title: 'Nobody posted here' }, 'no-such-thread')).statusCode).toBe(404);
    const crossSite = await admin({
      method: 'PATCH',
      url: `/api/admin/threads/${thread}`,
      payload: { title: 'x' },
      headers: { origin: 'https://evil.example' },
    });
    expect(crossSite.statusCode).toBe(403);
  });

  it('replies as the owner: approved at once, badged in the public listing, never with an email', async () => {
    const question = await postComment(server.app, 'A question for the owner?');
    await admin({ method: 'POST', url: '/api/admin/comments/actions', payload: { ids: [question.id], action: 'approve', revisions: { [question.id]: 1 } } });
    const reply = await admin({ method: 'POST', url: `/api/admin/comments/${question.id}/reply`, payload: { body: 'An answer.' } });
    expect(reply.statusCode, reply.body).toBe(201);
    expect(reply.json().comment).toMatchObject({ parentId: question.id, status: 'approved', author: { name: 'Site owner', isOwner: true } });

    const response = await server.app.inject({ url: '/api/comments?thread=t' });
    const listed = response.json().comments.find((c: { id: string }) => c.id === reply.json().comment.id);
    expect(listed.author.isOwner).toBe(true);
    expect(response.body).not.toMatch(/@example\.com|email/i);
    const reader = response.json().comments.find((c: { id: string }) => c.id === question.id);
    expect(reader.author.isOwner).toBeUndefined();

    const orphan = await admin({ method: 'POST', url: '/api/admin/comments/nope/reply', payload: { body: 'x' } });
    expect(orphan.statusCode).toBe(404);
  });

  /** A held comment, then its author's edit of it (with the edit token) after the owner listed it. */
  async function editedAfterListing(body: string) {
    const posted = await server.app.inject({
      method: 'POST',
      url: '/api/comments',
      payload: { thread: 't', body, author: { name: 'Ann', email: 'ann@example.com' } },
    });
    const { comment, editToken } = posted.json() as { comment: { id: string }; editToken: string };
    const listed = (await admin({ method: 'GET', url: `/api/admin/comments?q=${encodeURIComponent(body)}` })).json().comments;
    expect(listed).toMatchObject([{ id: comment.id, body, status: 'pending', revision: 1 }]);
    const edited = await server.app.inject({
      method: 'PATCH',
      url: `/api/comments/${comment.id}`,
      payload: { body: `${body} Now visit https://spam.example instead.` },
      headers: { authorization: `Bearer ${editToken}` },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    // Edited, it stays held: only the owner approves.
    expect(edited.json().comment.status).toBe('pending');
    return comment.id;
  }
  const storedStatus = async (id: string) => (await server.db.query<{ status: string }>('SELECT status FROM comments WHERE id = ?', [id]))[0]?.status;

  it('approves the revision the owner read: one edited since is refused (409), stays held, and is listed with its text now', async () => {
    const id = await editedAfterListing('What the owner read.');
    const other = await postComment(server.app, 'Approved along with it.');
    const actions = (revisions: Record<string, number>) =>
      admin({ method: 'POST', url: '/api/admin/comments/actions', payload: { ids: [id, other.id], action: 'approve', revisions } });

    const refused = await actions({ [id]: 1, [other.id]: 1 });
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json()).toEqual({
      error: {
        code: 'conflict',
        message: 'One comment was edited after you read it, so not approved: read the text now and try again. The others were handled.',
      },
    });
    expect([await storedStatus(id), await storedStatus(other.id)]).toEqual(['pending', 'approved']);
    expect(JSON.stringify((await server.app.inject({ url: '/api/comments?thread=t' })).json())).not.toContain('spam.example');

    const relisted = (await admin({ method: 'GET', url: `/api/admin/comments?q=${encodeURIComponent('What the owner read.')}` })).json().comments;
    expect(relisted).toMatchObject([{ id, body: 'What the owner read. Now visit https://spam.example instead.', revision: 2 }]);
    const approved = await actions({ [id]: 2, [other.id]: 1 });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().results).toEqual([
      { id, outcome: 'changed', previous: 'pending' },
      { id: other.id, outcome: 'unchanged', previous: 'approved' },
    ]);
  });

  it('approves nothing without the revisions read, naming the field', async () => {
    const comment = await postComment(server.app, 'Approve me blind?');
    for (const revisions of [undefined, {}, { 'another-id': 1 }, { [comment.id]: 0 }, { [comment.id]: '1' }, [1]]) {
      const response = await admin({
        method: 'POST',
        url: '/api/admin/comments/actions',
        payload: { ids: [comment.id], action: 'approve', ...(revisions ? { revisions } : {}) },
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'invalid', field: 'revisions' });
    }
    expect(await storedStatus(comment.id)).toBe('pending');
    // Other actions need none.
    expect((await admin({ method: 'POST', url: '/api/admin/comments/actions', payload: { ids: [comment.id], action: 'spam' } })).statusCode).toBe(200);
  });

  it('answers a held comment, which approves it, only at the revision read', async () => {
    const id = await editedAfterListing('A question, read by the owner.');
    const answer = (revision?: number) =>
      admin({ method: 'POST', url: `/api/admin/comments/${id}/reply`, payload: { body: 'An answer.', ...(revision === undefined ? {} : { revision }) } });
    const replies = async () => (await server.db.query('SELECT id FROM comments WHERE parent_id = ?', [id])).length;

    const missing = await answer();
    expect(missing.statusCode, missing.body).toBe(400);
    expect(missing.json().error).toMatchObject({ code: 'invalid', field: 'revision' });
    const stale = await answer(1);
    expect(stale.statusCode, stale.body).toBe(409);
    expect(stale.json().error.code).toBe('conflict');
    expect([await storedStatus(id), await replies()]).toEqual(['pending', 0]);
    const current = await answer(2);
    expect(current.statusCode, current.body).toBe(201);
    expect([await storedStatus(id), await replies()]).toEqual(['approved', 1]);
  });

  it('signs out: the cookie is cleared, and a copy of it no longer works in any process', async () => {
    const other = await signIn(server.app, '192.0.2.30');
    // Another process on the same database.
    const twin = createApp({ store: server.db.open(), config: base });
    try {
      const ask = (app: FastifyInstance, cookie: string) => app.inject({ method: 'GET', url: '/api/admin/counts', headers: { cookie } });
      expect((await ask(twin, other)).statusCode).toBe(200);
      const out = await twin.inject({ method: 'DELETE', url: '/api/admin/session', headers: { cookie: other, ...sameOrigin } });
      expect(out.statusCode, out.body).toBe(204);
      expect(String(out.headers['set-cookie'])).toMatch(/^colloquy_admin=;.*Expires=Thu, 01 Jan 1970/);
      // The copied cookie is dead everywhere; other sessions are not touched.
      expect((await ask(server.app, other)).statusCode).toBe(401);
      expect((await ask(twin, other)).statusCode).toBe(401);
      expect((await ask(server.app, cookie)).statusCode).toBe(200);
      const again = await server.app.inject({ method: 'DELETE', url: '/api/admin/session', headers: { cookie: other, ...sameOrigin } });
      expect(again.statusCode).toBe(401);
    } finally {
      await twin.close();
    }
  });

  it('ends a session after 12 hours, with the cookie expiring then too', async () => {
    const clock = { now: Date.now() };
    const app = createApp({ store: server.store, config: base, now: () => new Date(clock.now) });
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/api/admin/session',
        payload: { password: PASSWORD },
        headers: sameOrigin,
        remoteAddress: '192.0.2.40',
      });
      expect(response.statusCode, response.body).toBe(204);
      const expires = /Expires=([^;]+)/.exec(String(response.headers['set-cookie']))?.[1];
      expect(Date.parse(expires!)).toBe(Math.floor((clock.now + SESSION_TTL_MS) / 1000) * 1000);
      const session = String(response.headers['set-cookie']).split(';')[0]!;
      const ask = () => app.inject({ method: 'GET', url: '/api/admin/counts', headers: { cookie: session } });
      clock.now += SESSION_TTL_MS - 1;
      expect((await ask()).statusCode).toBe(200);
      clock.now += 1;
      expect((await ask()).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('refuses a sign-out query it does not know', async () => {
    for (const query of ['everywhere=0', 'everywhere=yes', 'all=1']) {
      const response = await admin({ method: 'DELETE', url: `/api/admin/session?${query}` });
      expect(response.statusCode, query).toBe(400);
    }
    expect((await admin({ method: 'GET', url: '/api/admin/counts' })).statusCode).toBe(200);
  });

  // Last of this block: it signs the block's own session out too, and signs in again.
  it('signs out everywhere with ?everywhere=1: every session of every browser ends', async () => {
    const [a, b] = [await signIn(server.app, '192.0.2.50'), await signIn(server.app, '192.0.2.51')];
    const out = await server.app.inject({ method: 'DELETE', url: '/api/admin/session?everywhere=1', headers: { cookie: a, ...sameOrigin } });
    expect(out.statusCode, out.body).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^colloquy_admin=;/);
    for (const session of [a, b, cookie]) {
      expect((await server.app.inject({ method: 'GET', url: '/api/admin/counts', headers: { cookie: session } })).statusCode).toBe(401);
    }
    expect(await server.db.query('SELECT token_hash FROM admin_sessions')).toEqual([]);
    cookie = await signIn(server.app, '192.0.2.52');
  });
});

describe.each(selectedStores())('admin sign-in limits on %s', (kind) => {
  const wrong = (app: FastifyInstance, remoteAddress = '127.0.0.1', headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/admin/session', payload: { password: 'guess' }, headers: { ...sameOrigin, ...headers }, remoteAddress });

  /** Two "processes" (apps with their own store instance) on one fresh database. */
  async function twoProcesses() {
    const db = await createStoreDatabase(kind);
    const stores = [db.open(), db.open()];
    for (const store of stores) await store.migrate();
    const apps = stores.map((store) => createApp({ store, config: base }));
    return {
      db,
      apps: apps as [FastifyInstance, FastifyInstance],
      async stop(...more: FastifyInstance[]) {
        await Promise.all([...apps, ...more].map((app) => app.close()));
        await db.destroy();
      },
    };
  }

  function expectLimited(response: Awaited<ReturnType<typeof wrong>>, message: RegExp) {
    expect(response.statusCode, response.body).toBe(429);
    expect(response.json().error.code).toBe('rate-limited');
    expect(response.json().error.message).toMatch(message);
    const seconds = Number(response.headers['retry-after']);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(response.json().error.message).toContain(`wait ${seconds} seconds`);
    expect(response.headers['set-cookie']).toBeUndefined();
  }

  it('counts the attempts of one address in every process on the database, and after a restart', async () => {
    const { db, apps, stop } = await twoProcesses();
    const [a, b] = apps;
    const restarted = createApp({ store: db.open(), config: base });
    try {
      expect(SIGN_IN_ATTEMPTS_PER_MINUTE).toBe(5);
      for (const app of [a, a, a, b, b]) expect((await wrong(app)).statusCode).toBe(401);
      expectLimited(await wrong(b), /^Too many sign-in attempts: please wait/);
      expectLimited(await wrong(a), /^Too many sign-in attempts: please wait/);
      // The right password is refused too while limited: guessing cannot continue.
      const right = await a.inject({ method: 'POST', url: '/api/admin/session', payload: { password: PASSWORD }, headers: sameOrigin });
      expectLimited(right, /^Too many sign-in attempts/);
      // A restarted process (a new app on the same database) still refuses, forged X-Forwarded-For or not.
      await a.close();
      expectLimited(await wrong(restarted), /^Too many sign-in attempts/);
      expectLimited(await wrong(restarted, '127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }), /^Too many sign-in attempts/);
      // Another address has its own budget.
      expect((await wrong(b, '192.0.2.7')).statusCode).toBe(401);
    } finally {
      await stop(restarted);
    }
  });

  it('caps the attempts of all addresses together, and refused attempts of one address do not use that budget', async () => {
    const { apps, stop } = await twoProcesses();
    try {
      expect(SITE_SIGN_IN_ATTEMPTS_PER_MINUTE).toBe(30);
      // One address: 5 attempts, then 10 refused ones that must not count site-wide.
      for (let n = 0; n < 15; n++) expect((await wrong(apps[n % 2]!, '198.51.100.200')).statusCode).toBe(n < 5 ? 401 : 429);
      // 25 more addresses, one attempt each: the site's 30.
      for (let n = 1; n <= 25; n++) expect((await wrong(apps[n % 2]!, `198.51.100.${n}`)).statusCode, `address ${n}`).toBe(401);
      // Then any address, in any process, is refused for the rest of the minute.
      expectLimited(await wrong(apps[0], '198.51.100.26'), /^Too many sign-in attempts on this site: please wait/);
      expectLimited(await wrong(apps[1], '2001:db8::1'), /on this site/);
      const right = await apps[1].inject({
        method: 'POST',
        url: '/api/admin/session',
        payload: { password: PASSWORD },
        headers: sameOrigin,
        remoteAddress: '198.51.100.27',
      });
      expectLimited(right, /on this site/);
    } finally {
      await stop();
    }
  });
});

describe('admin sign-in', () => {
  it('is off without COLLOQUY_ADMIN_PASSWORD: every admin route answers 401 saying so', async () => {
    const server = await start('sqlite', { adminPassword: '' });
    try {
      for (const route of adminRoutes) {
        const response = await server.app.inject({ ...route, headers: sameOrigin });
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
        expect(response.json().error.message).toMatch(/COLLOQUY_ADMIN_PASSWORD/);
      }
      const page = await server.app.inject({ url: '/admin' });
      expect(page.statusCode).toBe(200);
    } finally {
      await stop(server);
    }
  });

  it('serves /admin with Referrer-Policy: a link followed from a comment does not tell its site where the dashboard is', async () => {
    const server = await start('sqlite');
    try {
      const page = await server.app.inject({ url: '/admin' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['referrer-policy']).toBe('same-origin');
    } finally {
      await stop(server);
    }
  });

  it('sets Secure on the cookie behind https', async () => {
    const server = await start('sqlite', { trustProxy: ['127.0.0.1'] });
    try {
      const response = await server.app.inject({
        method: 'POST',
        url: '/api/admin/session',
        payload: { password: PASSWORD },
        headers: { origin: 'https://localhost:80', 'x-forwarded-proto': 'https' },
      });
      expect(response.statusCode, response.body).toBe(204);
      expect(String(response.headers['set-cookie'])).toMatch(/; Secure/);
    } finally {
      await stop(server);
    }
  });

  it('behind a TLS proxy it does not trust, refuses writes with a message naming COLLOQUY_TRUST_PROXY, and warns once', async () => {
    const server = await start('sqlite');
    // Without a logger, request.log is app.log: the warning is seen here.
    const warn = vi.spyOn(server.app.log, 'warn');
    try {
      const cookie = await signIn(server.app);
      const comment = await postComment(server.app, 'Held behind the proxy.');
      const write = (headers: Record<string, string>) =>
        server.app.inject({
          method: 'POST',
          url: '/api/admin/comments/actions',
          payload: { ids: [comment.id], action: 'approve', revisions: { [comment.id]: 1 } },
          headers: { cookie, ...headers },
        });
      for (const headers of [
        // The browser's Origin differs from what the server sees only by the scheme.
        { origin: 'https://localhost', 'sec-fetch-site': 'same-origin' },
        { origin: 'https://LOCALHOST:80' },
        // The proxy says so, but is not trusted (and passed its own Host on).
        { origin: 'https://blog.example', 'x-forwarded-proto': 'https', host: '127.0.0.1:8080' },
        { origin: 'https://blog.example', forwarded: 'proto=https;host=blog.example', host: '127.0.0.1:8080' },
      ] as Record<string, string>[]) {
        const response = await write(headers);
        expect(response.statusCode, JSON.stringify(headers)).toBe(403);
        expect(response.json().error.message).toMatch(/COLLOQUY_TRUST_PROXY/);
      }
      const signInBehindProxy = await server.app.inject({
        method: 'POST',
        url: '/api/admin/session',
        payload: { password: PASSWORD },
        headers: { origin: 'https://localhost' },
      });
      expect(signInBehindProxy.statusCode).toBe(403);
      expect(signInBehindProxy.json().error.message).toMatch(/COLLOQUY_TRUST_PROXY/);
      expect(signInBehindProxy.headers['set-cookie']).toBeUndefined();
      expect(warn.mock.calls.filter(([message]) => /COLLOQUY_TRUST_PROXY/.test(String(message)))).toHaveLength(1);

      // Another site stays a plain refusal: the hint is for a same-site page behind a proxy.
      const crossSite = await write({ origin: 'https://evil.example' });
      expect(crossSite.statusCode).toBe(403);
      expect(crossSite.json().error.message).toBe('Admin changes are accepted only from the dashboard itself.');
      expect(await server.store.moderation.list({ status: 'approved', limit: 100 })).toEqual([]);
    } finally {
      warn.mockRestore();
      await stop(server);
    }
  });

  it('with the proxy trusted, a dashboard write over https (X-Forwarded-Proto) is accepted', async () => {
    const server = await start('sqlite', { trustProxy: ['127.0.0.1'] });
    try {
      const behindProxy = { origin: 'https://localhost:80', 'x-forwarded-proto': 'https', 'sec-fetch-site': 'same-origin' };
      const signedIn = await server.app.inject({ method: 'POST', url: '/api/admin/session', payload: { password: PASSWORD }, headers: behindProxy });
      expect(signedIn.statusCode, signedIn.body).toBe(204);
      const cookie = String(signedIn.headers['set-cookie']).split(';')[0]!;
      const comment = await postComment(server.app, 'Approved through the proxy.');
      const response = await server.app.inject({
        method: 'POST',
        url: '/api/admin/comments/actions',
        payload: { ids: [comment.id], action: 'approve', revisions: { [comment.id]: 1 } },
        headers: { cookie, ...behindProxy },
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().results).toMatchObject([{ id: comment.id, previous: 'pending' }]);
    } finally {
      await stop(server);
    }
  });
});
