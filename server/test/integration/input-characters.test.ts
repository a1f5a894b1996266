import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import type { AppConfig } from '../../src/config/config';
import { encodeCursor } from '../../src/store/cursor';
import { selectedStores, useStoreDatabase, type StoreKind } from './stores';

/*
 * Control characters and lone surrogates in every string that reaches a query, through HTTP on
 * every store. PostgreSQL refuses a NUL in text (the query fails: a 500 before the schemas checked
 * it) and the engines store a lone surrogate differently; the schemas answer 400 naming the field
 * before any query runs.
 */

const PASSWORD = 'correct horse battery staple';
const config: Partial<AppConfig> = { rateLimit: 0, moderation: 'none', spamChecks: [], adminPassword: PASSWORD, secret: 'a-test-secret-of-some-length' };
const sameOrigin = { origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' };
const NUL = '\u0000';
const LONE = '\ud800';
/** A cursor as the store encodes one, but around an id holding `id`. */
const cursorAround = (id: string) => encodeCursor({ createdAt: '2024-01-01T12:00:00.000Z', id });

function suite(kind: StoreKind) {
  describe(`control characters and lone surrogates over HTTP (${kind})`, () => {
    const db = useStoreDatabase(kind);
    let app: FastifyInstance;
    let cookie: string;
    let target: { id: string; token: string };

    beforeAll(async () => {
      const store = db().open();
      await store.migrate();
      app = createApp({ store, config });
      const created = await app.inject({ method: 'POST', url: '/api/comments', payload: comment() });
      expect(created.statusCode, created.body).toBe(201);
      target = { id: created.json().comment.id, token: created.json().editToken };
      const signIn = await app.inject({ method: 'POST', url: '/api/admin/session', payload: { password: PASSWORD }, headers: sameOrigin });
      expect(signIn.statusCode, signIn.body).toBe(204);
      cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    });
    afterAll(async () => {
      await app?.close();
    });

    function comment(changes: Record<string, unknown> = {}, author: Record<string, unknown> = {}) {
      return { thread: 't', body: 'A comment.', ...changes, author: { name: 'Ann', email: 'ann@example.com', ...author } };
    }
    const post = (payload: object): InjectOptions => ({ method: 'POST', url: '/api/comments', payload });
    const authorEdit = (body: string, id = target.id): InjectOptions => ({
      method: 'PATCH',
      url: `/api/comments/${id}`,
      payload: { body },
      headers: { authorization: `Bearer ${target.token}` },
    });
    const admin = (options: InjectOptions): InjectOptions => ({
      ...options,
      headers: { cookie, ...(options.method && options.method !== 'GET' ? sameOrigin : {}) },
    });

    const refused: [name: string, request: () => InjectOptions, field: string][] = [
      // A NUL where PostgreSQL answered 500
      ['a NUL in the id of a delete', () => ({ method: 'DELETE', url: '/api/comments/a%00b', headers: { authorization: `Bearer ${target.token}` } }), 'id'],
      ['a NUL in the id of an edit', () => authorEdit('Edited.', 'a%00b'), 'id'],
      ['a NUL in parentId', () => post(comment({ parentId: `a${NUL}b` })), 'parentId'],
      ['a NUL in the id inside a cursor', () => ({ url: `/api/comments?thread=t&cursor=${cursorAround(`a${NUL}b`)}` }), 'cursor'],
      ['a NUL in the thread of a listing', () => ({ url: '/api/comments?thread=t%00' }), 'thread'],
      ['a NUL in a thread counted', () => ({ url: '/api/counts?thread=t&thread=u%00' }), 'thread'],
      ["a NUL in a feed's thread", () => ({ url: '/api/feed.atom?thread=t%00' }), 'thread'],
      ['a NUL in the id of a mail link', () => ({ url: '/api/moderate/a%00b/approve?exp=1&sig=x' }), 'id'],
      ['a NUL in the admin thread filter', () => admin({ url: '/api/admin/comments?thread=t%00' }), 'thread'],
      ['a NUL in the admin search', () => admin({ url: '/api/admin/comments?status=all&q=a%00b' }), 'q'],
      ['a NUL in the id inside an admin cursor', () => admin({ url: `/api/admin/comments?cursor=${cursorAround(`a${NUL}b`)}` }), 'cursor'],
      [
        'a NUL in an id of an admin action',
        () => admin({ method: 'POST', url: '/api/admin/comments/actions', payload: { ids: ['x', `a${NUL}b`], action: 'approve' } }),
        'ids',
      ],
      ['a NUL in the id of an admin edit', () => admin({ method: 'PATCH', url: '/api/admin/comments/a%00b', payload: { body: 'Edited.' } }), 'id'],
      ['a NUL in the id of an owner reply', () => admin({ method: 'POST', url: '/api/admin/comments/a%00b/reply', payload: { body: 'Thanks.' } }), 'id'],
      // Other controls, where a line of text is expected
      ['a C1 control in the title', () => post(comment({ title: 'A\u0085title' })), 'title'],
      ['a tab in the page address', () => post(comment({ url: 'https://blog.example/\tpost' })), 'pageUrl'],
      [
        'an escape in the owner reply name',
        () => admin({ method: 'POST', url: `/api/admin/comments/${target.id}/reply`, payload: { body: 'Hi.', name: 'Owner\u001b[31m' } }),
        'name',
      ],
      // Lone surrogates, which JSON carries and UTF-8 cannot
      ['a lone surrogate in the body', () => post(comment({ body: `Half an emoji: ${LONE}` })), 'body'],
      ['a lone low surrogate in the body', () => post(comment({ body: 'Half an emoji: \udc00!' })), 'body'],
      ['a lone surrogate in the name', () => post(comment({}, { name: `Ann${LONE}` })), 'name'],
      ['a lone surrogate in the email', () => post(comment({}, { email: `ann${LONE}@example.com` })), 'email'],
      ['a lone surrogate in the website', () => post(comment({}, { url: `https://ann.example/${LONE}` })), 'url'],
      ['a lone surrogate in the thread', () => post(comment({ thread: `t${LONE}` })), 'thread'],
      ['a lone surrogate in the title', () => post(comment({ title: `Title ${LONE}` })), 'title'],
      ['a lone surrogate in the page address', () => post(comment({ url: `https://blog.example/${LONE}` })), 'pageUrl'],
      ['a lone surrogate in parentId', () => post(comment({ parentId: LONE })), 'parentId'],
      ['a lone surrogate in the honeypot', () => post(comment({ honeypot: LONE })), 'honeypot'],
      ['a lone surrogate in the formToken', () => post(comment({ formToken: LONE })), 'formToken'],
      ["a lone surrogate in an author's edit", () => authorEdit(`Edited ${LONE}`), 'body'],
      [
        "a lone surrogate in the owner's edit",
        () => admin({ method: 'PATCH', url: `/api/admin/comments/${target.id}`, payload: { body: `Edited ${LONE}` } }),
        'body',
      ],
      [
        "a lone surrogate in the owner's reply",
        () => admin({ method: 'POST', url: `/api/admin/comments/${target.id}/reply`, payload: { body: `Hi ${LONE}` } }),
        'body',
      ],
      [
        'a lone surrogate in an admin action id',
        () => admin({ method: 'POST', url: '/api/admin/comments/actions', payload: { ids: [LONE], action: 'spam' } }),
        'ids',
      ],
      [
        'a lone surrogate in the sign-in password',
        () => ({ method: 'POST', url: '/api/admin/session', payload: { password: `${PASSWORD}${LONE}` }, headers: sameOrigin }),
        'password',
      ],
    ];

    it.each(refused.map(([name, request, field]) => [name, field, request] as const))('%s: 400 naming %s', async (_name, field, request) => {
      const response = await app.inject(request());
      expect(response.statusCode, response.body).toBe(400);
      const { error } = response.json<{ error: { code: string; message: string; field?: string } }>();
      expect(error).toMatchObject({ code: 'invalid', field });
    });

    it('names the bad character in words, not as a pattern', async () => {
      const { error } = (await app.inject(post(comment({ body: `Half an emoji: ${LONE}` })))).json();
      expect(error.message).toBe('Comment contains a character that is not allowed (a control character or a broken one): remove it and try again.');
    });

    it('keeps line breaks and tabs in a body, and whole emoji anywhere, the same on every engine', async () => {
      const body = 'Line one,\n\tindented 🚀\r\nand the end.';
      const created = await app.inject(post(comment({ thread: 'emoji 🧵', title: 'Rockets 🚀', body }, { name: 'Ann 🚀' })));
      expect(created.statusCode, created.body).toBe(201);
      const listing = await app.inject({ url: `/api/comments?thread=${encodeURIComponent('emoji 🧵')}` });
      expect(listing.json()).toMatchObject({
        thread: { title: 'Rockets 🚀', count: 1 },
        comments: [{ body: 'Line one,\n\tindented 🚀\nand the end.', author: { name: 'Ann 🚀' } }],
      });
    });
  });
}

for (const kind of selectedStores()) suite(kind);
